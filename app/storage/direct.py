"""The hottest statements run on psycopg's own cursor, on SQLAlchemy's connection.

Why: every waiting caller's poll runs one statement, and on PostgreSQL SQLAlchemy's execution
path (its execution context, parameter and result objects) cost more of the web worker's CPU
than psycopg's own execute of the same prepared statement (issue 11; bench_request_cost).
The statement is still built with SQLAlchemy Core (app.storage.prepared), compiled once per
dialect, and run on the connection SQLAlchemy checked out (its transaction, its deadline's
cutoff); an error comes out as SQLAlchemy's own (OperationalError for an outage, the
connection invalidated on a disconnect), as if it had gone through Connection.execute.

Only statements whose parameters and columns need no SQLAlchemy type processing on the
dialect are run this way (checked when compiled); anything else, and every other driver,
takes Connection.execute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeEngine

DRIVERS = ("psycopg",)


class Compiled:
    """A statement's SQL for one dialect, and the values it binds itself (literals)."""

    __slots__ = ("fixed", "sql")

    def __init__(self, sql: str, fixed: dict[str, Any]) -> None:
        self.sql = sql
        self.fixed = fixed


class DirectStatement:
    """A Core statement that returns at most one row, run on the driver's cursor."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled | None] = {}

    def first(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The statement's first row as a dict of its columns (None: no row)."""
        compiled = self._for(conn.dialect)
        if compiled is None:
            row = conn.execute(self.statement, params).mappings().first()
            return None if row is None else dict(row)
        values = {**compiled.fixed, **params}
        dbapi_connection = conn.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, values, prepare=True)
            row = cursor.fetchone() if cursor.description else None
            names = [column.name for column in cursor.description or ()]
        except conn.dialect.loaded_dbapi.Error as error:
            raise translated(conn, error, compiled.sql, values, cursor) from error
        finally:
            cursor.close()
        return None if row is None else dict(zip(names, row, strict=True))

    def _for(self, dialect: Dialect) -> Compiled | None:
        key = f"{dialect.name}+{dialect.driver}"
        if key not in self._compiled:
            self._compiled[key] = compile_direct(self.statement, dialect)
        return self._compiled[key]


def compile_direct(statement: Executable, dialect: Dialect) -> Compiled | None:
    """The statement compiled for `dialect`, or None when it must go through SQLAlchemy (a
    driver not known to take it as it is, or types that convert values either way)."""
    if dialect.driver not in DRIVERS:
        return None
    compiled = statement.compile(dialect=dialect)
    if compiled._bind_processors or compiled.positional:  # noqa: SLF001 - read-only check
        return None
    for column in compiled._result_columns:  # noqa: SLF001 - read-only check
        if converts_results(column[3], dialect):
            return None
    fixed = {name: bind.effective_value for bind, name in compiled.bind_names.items()
             if not bind.required}  # the literals the statement carries (`polls + 1`)
    return Compiled(compiled.string, fixed)


def converts_results(column_type: TypeEngine, dialect: Dialect) -> bool:
    """Whether SQLAlchemy converts the driver's values of this type (or cannot say without
    the database's type code, which a statement not yet run does not have)."""
    try:
        return column_type.dialect_impl(dialect).result_processor(dialect, None) is not None
    except Exception:  # noqa: BLE001 - a processor that needs the type code: it converts
        return True


def translated(conn: Connection, error: Exception, sql: str, values: Mapping[str, Any],
               cursor: object) -> exc.DBAPIError:
    """The driver's error as SQLAlchemy would have raised it, invalidating the connection
    when the error says it is gone (the pool then connects afresh)."""
    dialect = conn.dialect
    disconnected = dialect.is_disconnect(error, conn.connection.dbapi_connection, cursor)
    if disconnected:
        conn.invalidate(error)
    return exc.DBAPIError.instance(sql, dict(values), error, dialect.loaded_dbapi.Error,
                                   connection_invalidated=disconnected, dialect=dialect)
