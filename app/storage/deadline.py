"""A time budget per webhook, and database work that never outlives it.

libpq will not time out a connect in under 2 s and a black-holed network never answers a
statement at all, so per-statement timeouts alone cannot keep a caller's answer fast. The
work runs on the request's thread and is cut off at the deadline (app.storage.cutoff), or,
without a cutoff, on a small thread pool that the request waits for at most what is left of
its budget; past that it answers from what it has (and the write goes to the journal). A
breaker remembers a database that just failed, so the requests right after it do not each
spend their whole budget finding out again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

from sqlalchemy.exc import (
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.storage.sqlstates import (
    INSUFFICIENT_RESOURCES_CLASS,
    READ_ONLY,
    UNDEFINED_TABLE,
    sqlstate_of,
    table_missing,
)


class Fired(Protocol):
    fired: bool  # True if the work was cut off at its deadline


class Cutoff(Protocol):
    """What runs database work on the request's own thread under a deadline (implemented
    by app.storage.cutoff; named here so this module needs nothing above it)."""

    def watching(self, deadline: Deadline) -> AbstractContextManager[Fired]: ...


log = logging.getLogger("holdwell.storage")
T = TypeVar("T")
BREAKER_S = 1.0  # after a failure, skip the database this long before trying again


class DatabaseUnavailable(RuntimeError):
    """The database did not answer within the budget (or just failed): answer without it."""


class NotTried(DatabaseUnavailable):
    """The work never reached the database (the breaker was open, no time was left, its batch
    never took it): nothing of it can have been written, so a journaled poll still counts."""


class Unsettled(DatabaseUnavailable):
    """A write's COMMIT was cut off, so it may be stored or not, and reading it back could not
    say in time: what the caller hears must be true either way."""


OUTAGES = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def first_line(error: BaseException) -> str:
    """An error's message in one line for a log or a caller-facing message (a driver's runs
    to many), or its type's name when it has none."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


NOT_NOW_SQLSTATES = frozenset({READ_ONLY, UNDEFINED_TABLE})
"""PostgreSQL errors that are not outages to the driver (not OperationalError) yet say "not
now": the same write succeeds once the database is writable or the table made again. (SQLite
says both with an OperationalError: a read-only file, no such table.) A missing column is
not here: `db upgrade` does not bring one back to a schema at the head, so its writes would
wait forever; the journal waits on one only while the schema is behind (CallLog.replay)."""


def is_outage(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached or used now (refused, dropped,
    locked, timed out, out of resources, read-only, a table missing, or a connection that
    had to be replaced: a statement PostgreSQL prepared before a migration), so the same
    write may succeed later and its journaled copy must wait, not be set aside. Any other
    error (a value too long for its column, a broken constraint) is the write's own and
    would fail again: it must neither trip the breaker nor hold up a journal behind it."""
    if isinstance(error, OUTAGES) or getattr(error, "connection_invalidated", False):
        return True
    state = sqlstate_of(error)
    return state is not None and (state in NOT_NOW_SQLSTATES
                                  or state.startswith(INSUFFICIENT_RESOURCES_CLASS))


def is_unreachable(error: BaseException) -> bool:
    """An outage of the server or the network, not a table missing until `holdwell db
    upgrade` (which is no outage to advise an upgrade for, and which a next look-up would
    not wait on)."""
    return is_outage(error) and not table_missing(sqlstate_of(error), str(error))


class Deadline:
    """When this request's database work must be done by (monotonic seconds)."""

    __slots__ = ("budget_s", "expires")

    def __init__(self, budget_s: float, now: Callable[[], float] = time.monotonic) -> None:
        self.budget_s = budget_s
        self.expires = now() + budget_s

    def remaining_s(self) -> float:
        return self.expires - time.monotonic()

    def reserving(self, share: float) -> Deadline:
        """This deadline brought forward by `share` of its budget: the work before a check
        ends by it, and the check has the rest, so both end by `expires` (the budget in all)."""
        early = Deadline(self.budget_s * (1 - share))
        early.expires = self.expires - self.budget_s * share
        return early

    @classmethod
    def unbounded(cls) -> Deadline:
        """For commands and the replayer: no caller is waiting on them."""
        return cls(3600.0)


class BoundedRunner:
    """Runs database work within a deadline: on the calling thread, cut off when it passes
    (with a `cutoff` installed on the engine), or on a thread pool waited for at most the
    deadline's remainder."""

    unbounded = False
    """True for a runner without a wall-clock deadline (the emulator's, on a virtual clock):
    work that would wait on another thread against the clock (group commit) runs here."""

    def __init__(self, workers: int = 8, cutoff: Cutoff | None = None) -> None:
        self.workers = workers
        self.cutoff = cutoff
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self.down_until = 0.0

    @property
    def pool(self) -> ThreadPoolExecutor:
        with self._lock:  # built lazily: gunicorn forks after create_app, threads don't follow
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="holdwell-db")
            return self._pool

    def is_down(self) -> bool:
        return time.monotonic() < self.down_until

    def run(self, work: Callable[[], T], deadline: Deadline, *, trip: bool = True,
            heed_breaker: bool = True) -> T:
        """`work()`'s result, or DatabaseUnavailable once the deadline passes or it fails
        (which, with `trip`, makes the next requests skip the database for a moment; without
        `heed_breaker` the work is tried all the same: a check on what a failure did)."""
        if heed_breaker and self.is_down():
            raise NotTried("database failed a moment ago; not waiting on it")
        remaining = deadline.remaining_s()
        if remaining <= 0:
            raise NotTried("no time left in this request's budget")
        if self.cutoff is not None:
            return self._run_here(work, deadline, trip)
        future = self.pool.submit(work)
        try:
            return future.result(timeout=remaining)
        except FutureTimeout:
            future.cancel()
            if trip:
                self.trip(f"no answer within {deadline.budget_s:.2f} s")
            raise DatabaseUnavailable(f"database did not answer within "
                                      f"{deadline.budget_s:.2f} s") from None
        except SQLAlchemyError as error:
            if not is_outage(error):
                raise
            if trip:
                self.trip(type(error).__name__)
            raise DatabaseUnavailable(first_line(error)) from error

    def _run_here(self, work: Callable[[], T], deadline: Deadline, trip: bool) -> T:
        with self.cutoff.watching(deadline) as watch:
            try:
                return work()
            except DatabaseUnavailable as error:  # a connection not made within the budget
                if trip:
                    self.trip(str(error))
                raise
            except SQLAlchemyError as error:
                if not (watch.fired or is_outage(error)):
                    raise
                why = (f"no answer within {deadline.budget_s:.2f} s" if watch.fired
                       else type(error).__name__)
                if trip:
                    self.trip(why)
                if watch.fired:
                    raise DatabaseUnavailable(f"database did not answer within "
                                              f"{deadline.budget_s:.2f} s") from None
                raise DatabaseUnavailable(first_line(error)) from error

    def trip(self, why: str) -> None:
        log.warning("database unavailable (%s); answering without it for %.1f s", why,
                    BREAKER_S)
        self.down_until = time.monotonic() + BREAKER_S
