"""Engines that fail fast: a voice route must answer within Twilio's 15 s, database or not."""

from __future__ import annotations

import os
import select
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError

from app.storage.direct import stale_plan, translated

CONNECT_TIMEOUT_S = 3
STATEMENT_TIMEOUT_MS = 3000
SQLITE_LOCK_ASK_MS = 1
SQLITE_FIRST_PAUSE_S = 0.00025
SQLITE_MAX_PAUSE_S = 0.001
BUSY_SET = "busy_timeout_set"
"""Where a connection's record keeps the SQLite lock wait set at its checkout (ms)."""
LIBPQ_MIN_CONNECT_S = 2  # libpq rounds any shorter connect_timeout up to 2 s
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 1, "keepalives_interval": 1,
              "keepalives_count": 2, "tcp_user_timeout": 2000}
"""A black-holed server is noticed within about 2 s, so a thread stuck on it is freed."""


IDLE_IN_TRANSACTION_MS = 10_000
"""A web app's session idle in a transaction this long is ended by the server, and its call
locks with it: a host that lost its network (or power) mid-write had left its session, and
the advisory lock of that call, for as long as the server's TCP keepalive took (2 h 11 min by
Linux's defaults); every other host's journal waited on it in order, and with it every later
write of every caller there."""


def make_engine(url: str, *, budget_s: float | None = None,
                statement_left: Callable[[], float] | None = None,
                creates_file: bool = True) -> Engine:
    """An engine for `url` that fails fast (and uses WAL on SQLite).

    With `budget_s` (the web app's per-request database budget) it waits at most that long
    for a pooled connection or a SQLite lock, and skips the pre-ping round trip: a pooled
    connection the server has closed is replaced at checkout without one
    (`_closed_by_server`). Without it (commands, reports) the timeouts are a few seconds;
    `statement_left` says how long each PostgreSQL statement may run instead, asked afresh
    before each one: the console's twin reads a month of calls under its own limit, not a
    webhook's, and its statements share that one limit (one round trip more each).
    `creates_file=False` opens only a SQLite file that exists (the web app: a mistyped
    DATABASE_URL is said by /healthz, not made into a new, empty database).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        busy_s = budget_s if budget_s is not None else CONNECT_TIMEOUT_S
        options: dict[str, object] = {"pool_timeout": budget_s} if budget_s is not None else {}
        if (path := sqlite_file_path(url)) is not None:
            options["creator"] = partial(open_sqlite_file, path, busy_s, creates_file)
        engine = create_engine(url, connect_args={"timeout": busy_s}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        statement_ms = STATEMENT_TIMEOUT_MS if budget_s is None else max(
            int(budget_s * 4000), 1000)  # a backstop that frees threads; the budget is the rule
        if statement_left is not None:
            statement_ms = _milliseconds(statement_left())
        options = {"pool_timeout": budget_s} if budget_s is not None else {}
        settings = f"-c statement_timeout={statement_ms} -c timezone=UTC"
        if budget_s is not None:  # the web app's transactions last a budget, never seconds
            settings += f" -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
        engine = create_engine(
            url,
            pool_pre_ping=budget_s is None,
            connect_args={
                "connect_timeout": CONNECT_TIMEOUT_S if budget_s is None
                else LIBPQ_MIN_CONNECT_S,
                # UTC sessions: timestamptz comes back in UTC whatever the server's zone
                "options": settings,
                **KEEPALIVES,
            },
            **options,
        )
        event.listen(engine, "handle_error", _stale_plan_is_a_disconnect)
        if budget_s is not None:
            event.listen(engine, "checkout", _closed_by_server)
        if statement_left is not None:
            event.listen(engine, "before_cursor_execute", _timeout_each_statement)
            return engine.execution_options(statement_left=statement_left)
        return engine
    return create_engine(url, pool_pre_ping=True)


def open_sqlite_file(path: str, busy_s: float, creates_file: bool) -> sqlite3.Connection:
    """A connection to the SQLite file at `path`. A file it makes is readable by its owner
    only (SQLite gives its -wal and -shm files the same mode): it holds callers' numbers and
    password hashes, and had been made readable by every user of the machine. Without
    `creates_file` a missing file fails ("unable to open database file")."""
    file = Path(path).resolve()
    if creates_file:  # there already, or no folder: SQLite's own error says which
        with suppress(OSError):
            os.close(os.open(file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    uri = f"file:{quote(str(file))}?mode=rw"
    return sqlite3.connect(uri, uri=True, timeout=busy_s, check_same_thread=False)


def _milliseconds(seconds: float) -> int:
    """A statement_timeout for `seconds` left: at least 1 ms (0 would mean no limit)."""
    return max(int(seconds * 1000), 1)


def _timeout_each_statement(conn: Connection, *_: object) -> None:
    """Before each statement, set the session's statement_timeout to what is left
    (`timeout_to_what_is_left`)."""
    timeout_to_what_is_left(conn)


def timeout_to_what_is_left(conn: Connection) -> None:
    """Set the session's statement_timeout to what its engine's `statement_left` says is left
    (nothing to do without one): a timeout fixed at connect bounds each statement alone, so a
    read of several had run for a multiple of its limit. A streamed read calls it again
    before each FETCH, which no statement hook sees (review 32 R3). Its own cursor: the
    statement's may be a server-side one."""
    left = conn.get_execution_options().get("statement_left")
    if left is not None:
        conn.connection.dbapi_connection.execute(
            f"SET statement_timeout = {_milliseconds(left())}")


def _closed_by_server(dbapi_connection, _record, _proxy) -> None:  # noqa: ANN001 - DB-API
    """Replace a pooled connection the server has closed (restarted, failed over, the
    connection ended by a proxy or an administrator), seen without a round trip: an idle
    PostgreSQL connection has nothing to read unless the server has hung up (or said
    something unasked, and then a new connection costs no more). Why: without it the first
    statement on each dead connection failed after it was sent, so a poll on one was taken as
    maybe counted, and journaled so, although the server never had it (and a request answered
    without the database while a new connection would have got through)."""
    try:
        watch = select.poll()
        watch.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
        hung_up = bool(watch.poll(0))
    except Exception as error:  # noqa: BLE001 - closed on this side already (each driver
        # says so its own way: psycopg an OperationalError, a socket an OSError)
        raise DisconnectionError(f"pooled connection unusable: {error}") from error
    if hung_up:
        raise DisconnectionError("the server closed this pooled connection")


def _stale_plan_is_a_disconnect(context) -> None:  # noqa: ANN001 - ExceptionContext
    """A statement psycopg prepared before a migration changed its result fails on that
    connection for good: SQLAlchemy replaces the pool's connections as after a drop."""
    if stale_plan(context.original_exception):
        context.is_disconnect = True


class WriterTurns:
    """One SQLite writer at a time in this process, waiting at most until a deadline.

    A process's writers queue here (woken at once when the turn is free) rather than in
    SQLite's lock wait, so only the other processes' writers meet that; readers are not held
    up (WAL). Other databases take writes concurrently: no turns.
    """

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock() if engine.dialect.name == "sqlite" else None

    @contextmanager
    def turn(self, until: float | None) -> Iterator[None]:
        if self._lock is None:
            yield
            return
        wait_s = -1 if until is None else max(until - time.monotonic(), 0.0)
        if not self._lock.acquire(timeout=wait_s):
            raise WriterTurnTimeout("no turn to write to the database within the budget")
        try:
            yield
        finally:
            self._lock.release()


class WriterTurnTimeout(OperationalError):
    """Another writer of this process held the turn past the deadline (SQLite)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, None, RuntimeError(message))


def begin_write(conn: Connection, until: float | None) -> None:
    """Start `conn`'s transaction as a writer at once (SQLite: BEGIN IMMEDIATE).

    SQLite's own wait for a locked file backs off to 100 ms naps, so under steady load from
    two processes a writer could lose its turn for a quarter second and miss its budget (the
    cause of the SQLite tail in issue 11's throughput benchmark). This asks again every
    SQLITE_FIRST_PAUSE_S to SQLITE_MAX_PAUSE_S until `until` (monotonic seconds; None: the
    connection's own busy timeout),
    and taking the lock first means no statement later in the transaction waits. A no-op on
    other databases, whose writers do not lock the whole file.
    """
    if conn.dialect.name != "sqlite":
        return
    if until is None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    raw = conn.connection.driver_connection  # straight to sqlite3: a fifth the cost
    waited_ms = conn.connection.info.get(BUSY_SET)  # what the cutoff set at checkout
    if waited_ms is None:
        waited_ms = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute(f"PRAGMA busy_timeout = {SQLITE_LOCK_ASK_MS}")
    try:
        pause = SQLITE_FIRST_PAUSE_S
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.Error as error:  # raised as SQLAlchemy's, as exec_driver_sql did
                retry = isinstance(error, sqlite3.OperationalError) and "locked" in str(error)
                if not retry or time.monotonic() + pause >= until:
                    raise translated(conn, error, "BEGIN IMMEDIATE", (), None) from error
            time.sleep(pause)
            pause = min(pause * 2, SQLITE_MAX_PAUSE_S)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {waited_ms}")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


CANNOT_OPEN = ("unable to open database file", "readonly database")
"""SQLite's words for a file it cannot open or write: a folder that is not there or not
writable names neither."""


def sqlite_file_path(url: str) -> str | None:
    """The file a SQLite URL names (None: not SQLite, in memory, or a `file:` URI or a URL
    with options, `?timeout=`, `?mode=ro`, which this code does not read: SQLAlchemy opens
    those as written)."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" \
            or path.startswith("file:") or parsed.query:
        return None
    return path


def absent_sqlite_file(url: str) -> str | None:
    """The path of a SQLite URL's file when it does not exist (None: it does, or the URL
    names no file)."""
    path = sqlite_file_path(url)
    return None if path is None or Path(path).exists() else path


def sqlite_file_problem(url: str, error: BaseException) -> str | None:
    """Why SQLite cannot open or write the file at `url`, in words SQLite does not give
    ("unable to open database file" of a file that exists): the path names a folder, or a
    file stands where a folder of it should be; its folder is missing, the file or its folder
    is read-only (SQLite writes -wal and -shm files beside it; a read-only folder was once
    called a mistyped path), or the file is not there (an engine that does not create it).
    None when the error is not that, the URL is not a SQLite file, or no such cause shows."""
    if not any(words in str(error) for words in CANNOT_OPEN):
        return None
    try:
        path = sqlite_file_path(url)
    except (ArgumentError, ValueError):  # not a URL at all: nothing here to say of a file
        return None
    if path is None:
        return None
    file = Path(path).resolve()
    folder = file.parent
    if file.is_dir():
        return (f"{file} is a folder, not a database file; name a file in it, e.g. "
                f"{file / 'holdwell.db'}")
    above = next((part for part in file.parents if part.exists()), None)
    if above is not None and not above.is_dir():
        return f"{above} is a file, not a folder, so nothing can be made under it"
    if not folder.is_dir():
        return f"its folder {folder} does not exist"
    if not os.access(folder, os.W_OK):  # before "does not exist": it cannot be made there
        return (f"its folder {folder} is read-only (SQLite writes its -wal and -shm files "
                "beside the database" + ("" if file.exists() else
                                         ", and cannot make the database file there") + ")")
    if not file.exists():
        return (f"{file} does not exist (a mistyped DATABASE_URL? `holdwell db upgrade` "
                "creates the database there)")
    if file.exists() and not os.access(file, os.W_OK):
        return f"{file} is read-only"
    for beside in (Path(f"{file}-wal"), Path(f"{file}-shm")):  # left by a read-only open:
        if beside.exists() and not os.access(beside, os.W_OK):  # every write failed, unsaid
            return f"{beside} is read-only (SQLite's file beside the database)"
    return None


def as_utc(moment: datetime | None) -> datetime | None:
    """`moment` in UTC: SQLite returns naive datetimes (everything stored is UTC), and a
    PostgreSQL session in another zone returns aware ones in that zone."""
    if moment is None:
        return moment
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
