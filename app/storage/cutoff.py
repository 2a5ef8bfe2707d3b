"""Database work on the request's own thread, cut off when its deadline passes.

Handing each piece of database work to a pool thread and waiting for it (how the budget was
first kept) cost two thread switches per webhook, about a tenth of a poll's CPU under load
(issue 11). Now the work runs on the request's thread and one watchdog thread per process
cuts off whatever overruns its deadline: a PostgreSQL connection's socket is shut down (the
statement fails at once, and the pool replaces the connection at its next checkout), a SQLite
statement is interrupted. SQLite's wait for a locked file cannot be interrupted, so it is
shortened to what is left of the budget for the work's own checkout. A new PostgreSQL
connection, which libpq will not give up on in under 2 s, is made on a helper thread and
waited for at most the remaining budget.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

from app.storage.db import BUSY_SET
from app.storage.deadline import Deadline, NotTried
from app.storage.per_process import OncePerProcess

BUSY = "busy_timeout"
TICK_S = 0.02
"""How often the watchdog looks: work is cut off at most this long after its deadline."""


class Watch:
    """One request's database work: its deadline, and the connections it holds now."""

    __slots__ = ("connections", "expires", "fired")

    def __init__(self, expires: float) -> None:
        self.expires = expires
        self.connections: list[object] = []
        self.fired = False


class Cutoff:
    """Holds the deadlines of the work running in this process and enforces them."""

    def __init__(self, tick_s: float = TICK_S) -> None:
        self.tick_s = tick_s
        self._local = threading.local()
        self._watches: set[Watch] = set()
        self._lock = threading.Lock()
        self._cut: weakref.WeakSet = weakref.WeakSet()  # sockets shut: replace at checkout
        self._watchdog = OncePerProcess()

    def install(self, engine: Engine) -> Cutoff:
        event.listen(engine, "do_connect", self._connect)
        event.listen(engine, "checkout", self._checked_out)
        event.listen(engine, "checkin", self._checked_in)
        return self

    @contextlib.contextmanager
    def watching(self, deadline: Deadline) -> Iterator[Watch]:
        """The work inside runs under `deadline`; the Watch says whether it was cut off."""
        self._ensure_watchdog()
        watch = Watch(deadline.expires)
        self._local.watch = watch
        with self._lock:
            self._watches.add(watch)
        try:
            yield watch
        finally:
            with self._lock:
                self._watches.discard(watch)
                watch.connections.clear()
            self._local.watch = None

    # -- the engine's events (on the request's thread) -----------------------------------
    def _checked_out(self, dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        if dbapi_connection in self._cut:
            raise DisconnectionError("cut off at a deadline; the pool connects afresh")
        watch = getattr(self._local, "watch", None)
        if watch is None:
            return
        if isinstance(dbapi_connection, sqlite3.Connection):
            if BUSY not in record.info:
                record.info[BUSY] = dbapi_connection.execute(f"PRAGMA {BUSY}").fetchone()[0]
            left_ms = max(int((watch.expires - time.monotonic()) * 1000), 1)
            record.info[BUSY_SET] = min(left_ms, record.info[BUSY])
            dbapi_connection.execute(f"PRAGMA {BUSY} = {record.info[BUSY_SET]}")
        with self._lock:
            watch.connections.append(dbapi_connection)
            if watch.fired:  # the budget ran out before the work got a connection
                self._cut_off(dbapi_connection)

    def _checked_in(self, dbapi_connection, record) -> None:  # noqa: ANN001
        watch = getattr(self._local, "watch", None)
        if watch is None or dbapi_connection is None:
            return
        if BUSY in record.info:  # the engine's own wait again, for work outside requests
            record.info.pop(BUSY_SET, None)
            with contextlib.suppress(sqlite3.Error):
                dbapi_connection.execute(f"PRAGMA {BUSY} = {record.info[BUSY]}")
        with self._lock:
            if dbapi_connection in watch.connections:
                watch.connections.remove(dbapi_connection)

    def _connect(self, dialect, _record, cargs, cparams):  # noqa: ANN001, ANN202
        """A new PostgreSQL connection within what is left of the budget (None: connect as
        usual, outside a request or to a local SQLite file)."""
        watch = getattr(self._local, "watch", None)
        if watch is None or dialect.name == "sqlite":
            return None
        made: dict[str, object] = {}
        lock = threading.Lock()

        def connect() -> None:
            try:
                connection = dialect.connect(*cargs, **cparams)
            except BaseException as error:  # noqa: BLE001 - handed to the waiting request
                made["error"] = error
                return
            with lock:
                if made.get("abandoned"):
                    with contextlib.suppress(Exception):
                        connection.close()
                    return
                made["connection"] = connection

        helper = threading.Thread(target=connect, name="holdwell-connect", daemon=True)
        helper.start()
        helper.join(max(watch.expires - time.monotonic(), 0.0))
        with lock:
            if "connection" not in made and "error" not in made:
                made["abandoned"] = True
                raise NotTried("no database connection within the budget")
        if "error" in made:
            raise made["error"]
        return made["connection"]

    # -- the watchdog --------------------------------------------------------------------
    def _ensure_watchdog(self) -> None:
        """One watchdog per process (after a fork the parent's thread is gone)."""
        self._watchdog.ensure(lambda: threading.Thread(
            target=_watch_forever, args=(weakref.ref(self),), name="holdwell-cutoff",
            daemon=True).start())

    def expire(self, now: float) -> int:
        """Cut off the work whose deadline has passed; how many pieces were."""
        with self._lock:  # under the lock: a connection checked in meanwhile is never cut
            due = [watch for watch in self._watches if not watch.fired and watch.expires <= now]
            for watch in due:
                watch.fired = True
                for connection in watch.connections:
                    self._cut_off(connection)
        return len(due)

    def _cut_off(self, dbapi_connection) -> None:  # noqa: ANN001
        if hasattr(dbapi_connection, "interrupt"):  # sqlite3: the statement stops, the
            dbapi_connection.interrupt()  # connection stays usable
            return
        pgconn = getattr(dbapi_connection, "pgconn", None)
        if pgconn is None:
            return
        try:
            duplicate = socket.socket(fileno=os.dup(pgconn.socket))
        except Exception:  # noqa: BLE001 - already closed: nothing left to cut
            return
        with duplicate, contextlib.suppress(OSError):
            duplicate.shutdown(socket.SHUT_RDWR)  # the connection, not just this descriptor
        self._cut.add(dbapi_connection)


def _watch_forever(cutoff_ref: weakref.ref) -> None:
    """Ends with its Cutoff (each app's store has one)."""
    while True:
        cutoff = cutoff_ref()
        if cutoff is None:
            return
        tick = cutoff.tick_s
        cutoff.expire(time.monotonic())
        del cutoff
        time.sleep(tick)
