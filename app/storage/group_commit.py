"""Group commit: the small writes of requests that arrive together, in one transaction.

Why: on SQLite a steady poll paid for a transaction of its own (a pool checkout, a turn at
the file's one write lock, BEGIN IMMEDIATE, COMMIT), and that, more than its statements, was
its database cost under load (issue 11's throughput profile). Here the requests take turns
as the leader: a request that finds no batch being written writes its own at once, in its
own thread, with whatever else is waiting; requests arriving meanwhile wait, and when the
leader is done the first of them to wake writes all of theirs as the next batch. So a busy
line shares each transaction among many callers and a quiet one writes each request at once
with no handoff to another thread. A request still answers only once its own write is
durable. (PostgreSQL takes writes concurrently; there, with the Procfile's four threads a
worker, batches held one or two polls and each paid BEGIN and COMMIT round trips a lone
autocommit statement does not: app.storage.call_log keeps its steady polls alone.)

A request waits at most until its deadline. One still waiting then leaves the queue
unwritten (it answers without its write and journals it). One whose batch is under way waits
for that batch, which is written by the earliest deadline among its members: the batch
commits or fails for all of them together, so no request answers "no history" (and journals
what it said instead) while its batch commits the check-in it decided but never served.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from app.storage.deadline import DatabaseUnavailable, NotTried

I = TypeVar("I")  # noqa: E741 - the item a request hands over
R = TypeVar("R")
MAX_BATCH = 64
LATE = "the write's batch was not committed within the budget"
MIN_BATCH_S = 0.1
"""A request with less time left than this is not put in a batch (it answers at once and
journals its write): it would cut the whole batch's deadline short for everyone in it, and a
batch cut short journals every poll in it and opens the breaker. A write that takes longer
than this is a slow database anyway."""
TAKEN_GRACE_S = 1.0
"""How long past its own deadline a request waits for a batch that took its write (the batch
ends by that deadline; this only bounds a flush stuck outside the database, e.g. a policy)."""

Flush = Callable[[Sequence[I], float], Sequence["R | BaseException"]]
"""Writes a batch before a monotonic deadline: one result per item, in order (an exception
instance as a result is that item's own failure, raised to its request alone); raising fails
the whole batch."""


class _Ticket:
    __slots__ = ("done", "error", "expires", "item", "result")

    def __init__(self, item: object, expires: float) -> None:
        self.item = item
        self.expires = expires
        self.done = False
        self.result: object = None
        self.error: BaseException | None = None

    def outcome(self):  # noqa: ANN201 - the item's result, R
        """The result its batch handed over, or its error raised."""
        if self.error is not None:
            raise self.error
        if not self.done:  # out of time before any batch took it
            raise NotTried(LATE)
        return self.result


class GroupCommit(Generic[I, R]):
    """Writes items in batches, each batch by the request that leads it, in its own thread."""

    def __init__(self, flush: Flush, *, max_batch: int = MAX_BATCH) -> None:
        self._flush = flush
        self.max_batch = max_batch
        self._turn = threading.Condition()
        self._pending: list[_Ticket] = []  # waiting for a batch, oldest first
        self._leading = False

    def submit(self, item: I, expires: float) -> R:
        """The item's result once its batch is committed; DatabaseUnavailable if that is not
        before `expires` (monotonic seconds), or the batch's own error."""
        ticket = _Ticket(item, expires)
        with self._turn:
            self._pending.append(ticket)
        return self._answer(ticket)

    def _answer(self, ticket: _Ticket) -> R:
        """Wait for the batch that writes the queued `ticket`, or lead the next one."""
        with self._turn:
            while self._leading and not ticket.done:
                remaining = ticket.expires - time.monotonic()
                if remaining <= 0:
                    if ticket in self._pending:  # never taken: nothing of it is written
                        self._pending.remove(ticket)
                        raise NotTried(LATE)
                    remaining += TAKEN_GRACE_S  # in a batch that ends by this deadline
                    if remaining <= 0:
                        raise DatabaseUnavailable(LATE)
                self._turn.wait(remaining)
            if ticket.done:
                return ticket.outcome()
            self._leading = True
        try:
            self._lead(ticket)
        finally:
            with self._turn:
                self._leading = False
                self._turn.notify_all()
        return ticket.outcome()

    def write_here(self, item: I, expires: float) -> R:
        """The item written alone, never waiting on another request (for a runner without a
        wall-clock deadline: on a virtual clock a wait against the real one expires at random)."""
        ticket = _Ticket(item, expires)
        _write(self._flush, [ticket], expires)
        return ticket.outcome()

    def _lead(self, own: _Ticket) -> None:
        """Write what waits, batch after batch, until `own` is written or out of time. Each
        batch is written by the earliest deadline of its members and the leader: every
        member waits for the batch that took its write, and each must still answer within
        its budget."""
        try:
            while not own.done and time.monotonic() < own.expires - MIN_BATCH_S:
                with self._turn:
                    batch = self._pending[:self.max_batch]
                    del self._pending[:self.max_batch]
                soon = time.monotonic() + MIN_BATCH_S
                live = [ticket for ticket in batch if ticket.expires > soon]
                for ticket in batch:
                    if ticket.expires <= soon:  # never written: its request journals it
                        ticket.error, ticket.done = NotTried(LATE), True
                if live:
                    _write(self._flush, live,
                           min(own.expires, *(ticket.expires for ticket in live)))
                with self._turn:
                    self._turn.notify_all()  # its requests answer now, not when we step down
        finally:
            with self._turn:
                if own in self._pending:  # out of time before its batch: never written
                    self._pending.remove(own)


def _write(flush: Flush, live: list[_Ticket], expires: float) -> None:
    """Every ticket gets its result or its error, whatever `flush` does."""
    try:
        results = list(flush([ticket.item for ticket in live], expires))
        if len(results) != len(live):
            raise RuntimeError(f"a batch of {len(live)} got {len(results)} results")
    except BaseException as error:  # noqa: BLE001 - handed to every request of the batch
        for ticket in live:
            ticket.error, ticket.done = error, True
        return
    for ticket, result in zip(live, results, strict=True):
        if isinstance(result, BaseException):
            ticket.error = result
        else:
            ticket.result = result
        ticket.done = True
