"""Engines that fail fast: a voice route must answer within Twilio's 15 s, database or not."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

CONNECT_TIMEOUT_S = 3
STATEMENT_TIMEOUT_MS = 3000
LIBPQ_MIN_CONNECT_S = 2  # libpq rounds any shorter connect_timeout up to 2 s
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 1, "keepalives_interval": 1,
              "keepalives_count": 2, "tcp_user_timeout": 2000}
"""A black-holed server is noticed within about 2 s, so a thread stuck on it is freed."""


def make_engine(url: str, *, budget_s: float | None = None) -> Engine:
    """An engine for `url` that fails fast (and uses WAL on SQLite).

    With `budget_s` (the web app's per-request database budget) it waits at most that long
    for a pooled connection or a SQLite lock, and skips the pre-ping round trip: a dead
    pooled connection fails its statement, the request answers without the database, and
    the pool replaces it. Without it (commands, reports) the timeouts are a few seconds.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        busy_s = budget_s if budget_s is not None else CONNECT_TIMEOUT_S
        options = {"pool_timeout": budget_s} if budget_s is not None else {}
        engine = create_engine(url, connect_args={"timeout": busy_s}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        statement_ms = STATEMENT_TIMEOUT_MS if budget_s is None else max(
            int(budget_s * 4000), 1000)  # a backstop that frees threads; the budget is the rule
        options = {"pool_timeout": budget_s} if budget_s is not None else {}
        return create_engine(
            url,
            pool_pre_ping=budget_s is None,
            connect_args={
                "connect_timeout": CONNECT_TIMEOUT_S if budget_s is None
                else LIBPQ_MIN_CONNECT_S,
                "options": f"-c statement_timeout={statement_ms}",
                **KEEPALIVES,
            },
            **options,
        )
    return create_engine(url, pool_pre_ping=True)


def commit_without_flush_wait(conn: Connection) -> None:
    """Let PostgreSQL acknowledge this transaction's COMMIT before its WAL reaches the disk.

    The transaction stays atomic and the database consistent, but a crash of the database
    server (not of the app) within about 0.6 s (3 x wal_writer_delay) may lose it. Used only
    for what the next webhook re-establishes: a steady poll's count and its check-in record
    (app.storage.call_log). Waiting for the flush was about two thirds of a poll's database
    time under load (issue 11). Other databases: nothing changes.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
