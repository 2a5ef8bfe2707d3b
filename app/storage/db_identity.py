"""Whether two database URLs name the same database, however each is spelled.

A simulation must never write its made-up calls into the line's live log, and comparing URL
text let every other spelling through: a relative or symlinked SQLite path, `localhost` for
`127.0.0.1`, the default port left out, a query parameter added (operator audit 33, D1).
"""

from __future__ import annotations

import os
import socket
from functools import cache

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}
IN_MEMORY = {"", ":memory:"}


def same_database(one: str, other: str) -> bool:
    """True when both URLs reach one database: SQLite by the file they open (resolved from
    this directory, links followed), a server by its address, port and database name (users,
    drivers and query parameters aside). An unreadable URL is never the same as another."""
    try:
        first, second = make_url(one), make_url(other)
    except (ArgumentError, ValueError):  # not a URL, or a port that is not a number
        return False
    if first.get_backend_name() != second.get_backend_name():
        return False
    if first.get_backend_name() == "sqlite":
        file = sqlite_file(first)
        return file is not None and file == sqlite_file(second)
    return (first.database == second.database
            and _port(first) == _port(second)
            and bool(_addresses(_host(first)) & _addresses(_host(second))))


IDENTIFYING_QUERY = ("host", "port", "uri", "mode")
"""The query parameters that say which database a URL reaches (libpq's host and port, a
SQLite URI's mode); every other one (`?password=`, `?sslpassword=`, ...) is left out."""


def which_database(url: str) -> str:
    """A URL naming the same database as `url` (`same_database` says so) and nothing else:
    no user, no password in the URL or its query, so it can be kept on disk; a SQLite file
    by its resolved path, so it names the same file from any directory. "" if `url` cannot
    be read (which is then the same as no database)."""
    try:
        given = make_url(url)
        if given.get_backend_name() == "sqlite" and (file := sqlite_file(given)) is not None:
            return URL.create(given.drivername, database=file).render_as_string()  # resolved
        return URL.create(given.drivername, host=given.host, port=given.port,
                          database=given.database, query={
                              key: value for key, value in given.query.items()
                              if key in IDENTIFYING_QUERY}).render_as_string()
    except (ArgumentError, ValueError):
        return ""


def sqlite_file(url: URL) -> str | None:
    """The file a SQLite URL opens (None: a database in memory, private to its connection),
    a `file:` URI (`?uri=true`) too."""
    name = url.database or ""
    if name.startswith("file:") and _given(url, "uri") in ("true", "1"):
        name = name.removeprefix("file:").split("?")[0]
    if name in IN_MEMORY or _given(url, "mode") == "memory":
        return None
    return os.path.realpath(name)


def _host(url: URL) -> str | None:
    """The host the driver connects to: libpq's `?host=` wins over the URL's own."""
    return _given(url, "host") or url.host


def _port(url: URL) -> int | None:
    given = _given(url, "port")
    port = int(given) if given and given.isdigit() else url.port
    return port or DEFAULT_PORTS.get(url.get_backend_name())


def _given(url: URL, key: str) -> str | None:
    """A query parameter's value (the last, if given more than once)."""
    value = url.query.get(key)
    return value[-1] if isinstance(value, tuple) else value


@cache
def _addresses(host: str | None) -> frozenset[str]:
    """The addresses a host name reaches; no host (a local socket) is this machine."""
    name = host or "localhost"
    try:
        return frozenset(info[4][0] for info in socket.getaddrinfo(name, None))
    except (OSError, UnicodeError):
        return frozenset({name.lower()})
