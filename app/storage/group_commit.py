"""Group commit: the small writes of requests that arrive together, in one transaction.

Why: on SQLite a steady poll paid for a transaction of its own (a pool checkout, a turn at
the file's one write lock, BEGIN IMMEDIATE, COMMIT), and that, more than its statements, was
its database cost under load (issue 11's throughput profile). Here requests hand their work to
one flushing thread per process; whatever arrives while a batch is being written goes into the
next batch, written in one transaction, so a busy line shares each transaction among many
callers and a quiet one writes each request at once. A request still answers only once its
own write is durable. (PostgreSQL takes writes concurrently; there, with the Procfile's four
threads a worker, batches held one or two polls and each paid BEGIN and COMMIT round trips a
lone autocommit statement does not: app.storage.call_log keeps its steady polls alone.)

A request waits at most until its deadline. A batch left waiting past every member's deadline
is dropped unwritten (its requests have answered without it and journaled their writes); a
batch under way may still commit after one member gave up, which is why only idempotent work
is batched (dedupe keys: a journaled copy applied later changes nothing).
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from app.storage.deadline import DatabaseUnavailable
from app.storage.per_process import OncePerProcess

I = TypeVar("I")  # noqa: E741 - the item a request hands over
R = TypeVar("R")
MAX_BATCH = 64
IDLE_CHECK_S = 1.0
"""How often an idle flusher looks whether its owner is gone (then it ends)."""

Flush = Callable[[Sequence[I], float], Sequence["R | BaseException"]]
"""Writes a batch before a monotonic deadline: one result per item, in order (an exception
instance as a result is that item's own failure, raised to its request alone); raising fails
the whole batch."""


class _Ticket:
    __slots__ = ("error", "expires", "item", "ready", "result")

    def __init__(self, item: object, expires: float) -> None:
        self.item = item
        self.expires = expires
        self.ready = threading.Lock()
        self.ready.acquire()  # released by the flusher when the result is in
        self.result: object = None
        self.error: BaseException | None = None

    def outcome(self):  # noqa: ANN201 - the item's result, R
        """The result the flusher handed over, or its error raised."""
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommit(Generic[I, R]):
    """Hands items to one flushing thread per process and waits for their batch's result."""

    def __init__(self, flush: Callable[[Sequence[I], float], Sequence[R | BaseException]],
                 *, max_batch: int = MAX_BATCH, name: str = "holdwell-group-commit") -> None:
        self._flush_ref = weakref.WeakMethod(flush) if hasattr(flush, "__self__") else (
            lambda: flush)
        self.max_batch = max_batch
        self.name = name
        self._queue: queue.SimpleQueue[_Ticket] = queue.SimpleQueue()
        self._flusher = OncePerProcess()

    def submit(self, item: I, expires: float) -> R:
        """The item's result once its batch is committed; DatabaseUnavailable if that is not
        before `expires` (monotonic seconds), or the batch's own error."""
        self._ensure_flusher()
        ticket = _Ticket(item, expires)
        self._queue.put(ticket)
        if not ticket.ready.acquire(timeout=max(expires - time.monotonic(), 0.0)):
            raise DatabaseUnavailable("the write's batch was not committed within the budget")
        return ticket.outcome()

    def write_here(self, item: I, expires: float) -> R:
        """The item written alone in the calling thread, with no wall-clock wait (for a
        runner without a deadline: on a virtual clock a batch's wait would expire at random)."""
        ticket = _Ticket(item, expires)
        _write(self._flush_ref(), [ticket])
        return ticket.outcome()

    def _ensure_flusher(self) -> None:
        """One flusher per process: a forked worker starts its own (threads do not follow)."""
        self._flusher.ensure(self._start_flusher)

    def _start_flusher(self) -> None:
        self._queue = queue.SimpleQueue()  # nothing the parent queued is ours to answer
        threading.Thread(target=_flush_forever,
                         args=(self._flush_ref, self._queue, self.max_batch),
                         name=self.name, daemon=True).start()


def _flush_forever(flush_ref: Callable[[], Flush | None], tickets: queue.SimpleQueue,
                   max_batch: int) -> None:
    """Take whatever waits, write it as one batch, hand each request its result; ends when
    the owner of `flush` is gone."""
    while True:
        try:
            first = tickets.get(timeout=IDLE_CHECK_S)
        except queue.Empty:
            if flush_ref() is None:
                return
            continue
        batch = [first]
        while len(batch) < max_batch:
            try:
                batch.append(tickets.get_nowait())
            except queue.Empty:
                break
        now = time.monotonic()
        live = [ticket for ticket in batch if ticket.expires > now]
        flush = flush_ref()
        if flush is None:
            return
        if live:
            _write(flush, live)
        del flush


def _write(flush: Flush, live: list[_Ticket]) -> None:
    """Every ticket is answered, whatever `flush` does (the flusher must outlive it)."""
    try:
        results = list(flush([ticket.item for ticket in live], max(t.expires for t in live)))
        if len(results) != len(live):
            raise RuntimeError(f"a batch of {len(live)} got {len(results)} results")
    except BaseException as error:  # noqa: BLE001 - handed to every waiting request
        for ticket in live:
            ticket.error = error
            ticket.ready.release()
        return
    for ticket, result in zip(live, results, strict=True):
        if isinstance(result, BaseException):
            ticket.error = result
        else:
            ticket.result = result
        ticket.ready.release()
