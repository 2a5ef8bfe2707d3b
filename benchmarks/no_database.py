"""The app with no database work: every poll after the first is answered with the first's view
of the call log and every write is dropped.

Why: what the app's own Python costs (signature, forms, route, policy, TwiML) whatever the
database costs, i.e. the most any work on the database could bring. bench_request_cost.py
switches it on and off in one process; bench_webhooks.py serves `create()` under the
Procfile's gunicorn settings as its "app, no database" row.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator

from flask import Flask

from app import create_app
from app.storage.apply import apply
from app.storage.call_writes import poll_count_params
from app.storage.per_process import OncePerProcess
from app.storage.prepared import COUNT_POLL


class RememberedView:
    """Stands in for a CallLogStore's `poll` and `write` while installed."""

    def __init__(self, store) -> None:  # noqa: ANN001 - the app's CallLogStore
        self.store = store
        self.real_poll = store.poll
        self.view = None

    def poll(self, command, deadline, decide: Callable):  # noqa: ANN001, ANN201
        if self.view is None:  # the first poll is real: its view answers every later one
            polled = self.real_poll(command, deadline, decide)
            if polled is not None:
                self.view = polled[0]
            return polled
        return self.view, decide(self.view)[0]

    def write(self, command, deadline) -> None:  # noqa: ANN001
        return None

    def install(self) -> None:
        self.store.poll, self.store.write = self.poll, self.write

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        self.install()
        try:
            yield
        finally:
            del self.store.poll, self.store.write


def create() -> Flask:
    """gunicorn's target (`no_database:create()`): the app as configured by the environment,
    without its database work."""
    app = create_app()
    RememberedView(app.extensions["holdwell"].store).install()
    return app


class WriteBehind(RememberedView):
    """RememberedView's answers, with every poll's count and check-in still written: queued,
    and applied in batches by one thread every `flush_s` (the app's own count statement, run
    once per batch as an executemany, and its own `apply` for each check-in, in one
    transaction per batch).

    Why: issue 11's throughput goal needs a poll answered without a database round trip. A
    design that carries the caller's hold state in signed wait URLs and writes behind would
    cost about this much; the row says whether such a redesign can reach the goal before it
    is built. It is not that design: the view is one call's, read once, and a killed worker
    loses what it had not flushed."""

    def __init__(self, store, flush_s: float = 0.01, most: int = 200) -> None:  # noqa: ANN001
        super().__init__(store)
        self.flush_s, self.most = flush_s, most  # `most` polls a batch: short transactions
        self.pending: queue.SimpleQueue = queue.SimpleQueue()
        self.flusher = OncePerProcess()

    def poll(self, command, deadline, decide: Callable):  # noqa: ANN001, ANN201
        if self.view is None:
            return super().poll(command, deadline, decide)
        self.flusher.ensure(self.start_flusher)
        decided, announcement = decide(self.view)
        self.pending.put((command, announcement))
        return self.view, decided

    def start_flusher(self) -> None:
        threading.Thread(target=self.flush_forever, name="write-behind", daemon=True).start()

    def flush_forever(self) -> None:
        while True:
            time.sleep(self.flush_s)
            while not self.pending.empty():
                self.flush_once()

    def flush_once(self) -> None:
        """Drain; a failed batch is reported and the flusher goes on (the benchmark's row
        says how many polls were written, so a loss shows, where a dead flusher would have
        turned the row into the no-database one)."""
        try:
            self.drain()
        except Exception as error:  # noqa: BLE001 - see above
            print(f"writes behind: a batch failed: {error!r}", file=sys.stderr, flush=True)

    def drain(self) -> None:
        """Write up to `most` of what is queued, in one transaction, in call order (the
        flushers of two workers lock rows in one order, so they cannot deadlock)."""
        batch = []
        with contextlib.suppress(queue.Empty):
            while len(batch) < self.most:
                batch.append(self.pending.get_nowait())
        if not batch:
            return
        batch.sort(key=lambda queued: queued[0].call_id)
        with self.store.engine.begin() as conn:
            conn.execute(COUNT_POLL, [poll_count_params(command) for command, _ in batch])
            for _, announcement in batch:
                if announcement is not None:
                    apply(conn, announcement)


def create_write_behind() -> Flask:
    """gunicorn's target (`no_database:create_write_behind()`): as `create`, with the writes
    batched behind the answers (WriteBehind)."""
    app = create_app()
    WriteBehind(app.extensions["holdwell"].store).install()
    return app
