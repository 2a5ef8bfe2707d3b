"""The hottest statements run on the driver's own cursor, on SQLAlchemy's connection.

Why: every waiting caller's poll runs one or two statements, and SQLAlchemy's execution path
(its execution context, parameter and result objects) cost more of the web worker's CPU than
the driver's own execute of the same statement (issue 11; bench_request_cost). The statement
is still built with SQLAlchemy Core (app.storage.prepared) and compiled by SQLAlchemy once
per dialect; its values are converted by SQLAlchemy's own type processors (SQLite keeps
datetimes as text); it runs on the connection SQLAlchemy checked out (its transaction, its
deadline's cutoff); and an error comes out as SQLAlchemy's own (OperationalError for an
outage, the connection invalidated on a disconnect), as if it had gone through
Connection.execute. A driver not listed in DRIVERS, or a statement this cannot run as
SQLAlchemy would (expanding parameters, a type whose processor needs the database's type
code), takes Connection.execute.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeEngine

from app.storage.sqlstates import FEATURE_NOT_SUPPORTED, sqlstate_of

Processor = Callable[[Any], Any]
DRIVERS = ("psycopg", "pysqlite")
"""The drivers statements go direct on. psycopg prepares a statement on the server after its
fifth run on a connection, as it does for SQLAlchemy's; preparing at once would cost a round
trip after every rollback, which drops a connection's prepared statements."""


class Compiled:
    """A statement as SQLAlchemy compiled it for one dialect: its SQL, the values it binds
    itself (literals), the conversions of values in and out, the order of positional
    parameters, and the names of the columns it returns (known once it has run)."""

    __slots__ = ("binds", "fixed", "names", "order", "results", "sql")

    def __init__(self, sql: str, fixed: dict[str, Any], binds: dict[str, Processor],
                 results: list[Processor | None], order: tuple[str, ...] | None) -> None:
        self.sql, self.fixed, self.binds, self.order = sql, fixed, binds, order
        self.results = results if any(results) else None
        self.names: tuple[str, ...] | None = None

    def values(self, params: Mapping[str, Any]) -> dict[str, Any] | tuple[Any, ...]:
        """The driver's parameters, converted as SQLAlchemy converts them (None too)."""
        values = {**self.fixed, **params}
        for name, convert in self.binds.items():
            values[name] = convert(values[name])
        return values if self.order is None else tuple(values[name] for name in self.order)

    def row(self, row: tuple[Any, ...]) -> dict[str, Any]:
        if self.results is not None:
            row = tuple(value if convert is None else convert(value)
                        for convert, value in zip(self.results, row, strict=True))
        return dict(zip(self.names, row, strict=True))


class DirectStatement:
    """A Core statement that returns rows (a SELECT, or RETURNING), of which the first is
    read, run on the driver's cursor."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled | None] = {}

    def first(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The statement's first row as a dict of its columns (None: no row).

        Direct only inside a transaction SQLAlchemy began or on an AUTOCOMMIT connection: a
        first statement elsewhere goes through SQLAlchemy, which begins the transaction its
        caller will commit (the driver's own implicit one would be rolled back unseen)."""
        compiled = self._for(conn.dialect)
        if compiled is None or not (conn.in_transaction() or autocommits(conn)):
            row = conn.execute(self.statement, params).mappings().first()
            return None if row is None else dict(row)
        try:
            values = compiled.values(params)
        except (KeyError, TypeError, ValueError) as error:  # as SQLAlchemy would say it
            raise exc.StatementError(f"cannot bind {error!r}", compiled.sql, dict(params),
                                     error) from error
        if conn._echo:  # noqa: SLF001 - engine echo logs direct statements as its own
            conn._log_info("%s", compiled.sql)  # noqa: SLF001
            conn._log_info("[direct] %r", values)  # noqa: SLF001
        cursor = None
        try:
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute(compiled.sql, values)
            row = cursor.fetchone()
            if compiled.names is None:  # psycopg builds its description afresh on each ask
                compiled.names = tuple(column[0] for column in cursor.description)
        except conn.dialect.loaded_dbapi.Error as error:
            raise translated(conn, error, compiled.sql, values, cursor) from error
        finally:
            if cursor is not None:
                cursor.close()
        return None if row is None else compiled.row(row)

    def scalar(self, conn: Connection, params: Mapping[str, Any]) -> Any:  # noqa: ANN401
        """The first column of the first row (None: no row)."""
        row = self.first(conn, params)
        return None if row is None else next(iter(row.values()))

    def _for(self, dialect: Dialect) -> Compiled | None:
        key = f"{dialect.name}+{dialect.driver}:{dialect.paramstyle}"
        if key not in self._compiled:
            self._compiled[key] = compile_direct(self.statement, dialect)
        return self._compiled[key]


def compile_direct(statement: Executable, dialect: Dialect) -> Compiled | None:
    """The statement compiled for `dialect`, or None when it must go through SQLAlchemy."""
    if dialect.driver not in DRIVERS:
        return None
    compiled = statement.compile(dialect=dialect)
    if compiled.has_out_parameters or compiled.post_compile_params \
            or compiled.literal_execute_params:  # rendered per run by SQLAlchemy
        return None
    results = []
    for column in compiled._result_columns:  # noqa: SLF001 - its columns' types, read only
        convert = result_processor(column[3], dialect)
        if convert is False:
            return None
        results.append(convert)
    fixed = {name: bind.effective_value for bind, name in compiled.bind_names.items()
             if not bind.required}  # the literals the statement carries (`polls + 1`)
    binds = dict(compiled._bind_processors)  # noqa: SLF001 - SQLAlchemy's own conversions
    order = tuple(compiled.positiontup) if compiled.positional else None
    return Compiled(compiled.string, fixed, binds, results, order)


def result_processor(column_type: TypeEngine, dialect: Dialect) -> Processor | None | bool:
    """SQLAlchemy's conversion of the driver's values of this type (None: none), or False
    when it cannot say without the database's type code, which only a run statement has."""
    try:
        return column_type.dialect_impl(dialect).result_processor(dialect, None)
    except Exception:  # noqa: BLE001 - a processor that needs the type code
        return False


def stale_plan(error: BaseException) -> bool:
    """PostgreSQL refusing a statement prepared before a migration changed what it returns
    ("cached plan must not change result type"): it refuses it on that connection for good,
    so the connection is as good as dropped; a fresh one plans the statement afresh."""
    return sqlstate_of(error) == FEATURE_NOT_SUPPORTED and "cached plan" in str(error)


def autocommits(conn: Connection) -> bool:
    return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def translated(conn: Connection, error: Exception, sql: str, values: object,
               cursor: object) -> exc.DBAPIError:
    """The driver's error as SQLAlchemy would have raised it. When it says the connection is
    gone, as SQLAlchemy does: every connection the pool holds from before is replaced at its
    next checkout (a restarted server dropped them all; the web engine does not ping), and
    this one now."""
    dialect = conn.dialect
    disconnected = stale_plan(error) or dialect.is_disconnect(
        error, conn.connection.dbapi_connection, cursor)
    if disconnected:
        conn.engine.pool._invalidate(conn.connection, error)  # noqa: SLF001 - as SQLAlchemy
        conn.invalidate(error)
    return exc.DBAPIError.instance(sql, values, error, dialect.loaded_dbapi.Error,
                                   connection_invalidated=disconnected, dialect=dialect)
