"""The fault proxy itself, with real psycopg connections to PostgreSQL through it.

Timings are asserted as orders of magnitude (a loaded 2-core box must not make these flaky).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL
from tests.support.tcp_proxy import TcpProxy, proxied_url, running_proxy

FAST_S = 1.5  # "at once", with room for a loaded box


def libpq(url: str) -> str:
    """psycopg speaks libpq URIs: the SQLAlchemy URL without the +driver part."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    try:
        psycopg.connect(libpq(POSTGRES_URL), connect_timeout=3).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {make_url(POSTGRES_URL)!r}: {error}")
    with running_proxy() as running:
        yield running
    assert not [t for t in threading.enumerate() if t.name.startswith("tcp-proxy")]


def connect(proxy: TcpProxy, timeout_s: int = 3) -> psycopg.Connection:
    return psycopg.connect(libpq(proxied_url(POSTGRES_URL, proxy)), connect_timeout=timeout_s,
                           autocommit=True)


def select_one(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT 1").fetchone()[0]


def test_pass_forwards_queries_both_ways(proxy):
    with connect(proxy) as conn:
        assert select_one(conn) == 1
        assert proxy.active_connections == 1
    assert proxy.accepted == 1


def test_refuse_refuses_new_connections_fast_and_breaks_open_ones(proxy):
    conn = connect(proxy)
    proxy.set_mode("refuse")
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        connect(proxy)
    assert time.monotonic() - started < FAST_S
    with pytest.raises(psycopg.OperationalError):
        select_one(conn)
    conn.close()
    proxy.set_mode("pass")  # listens again on the same port
    with connect(proxy) as again:
        assert select_one(again) == 1


def test_hang_is_a_black_hole_for_open_and_new_connections(proxy):
    conn = connect(proxy)
    proxy.set_mode("hang")
    answers: list[int] = []
    query = threading.Thread(target=lambda: answers.append(select_one(conn)), daemon=True)
    query.start()
    query.join(0.5)  # the client-side timeout
    assert query.is_alive() and not answers
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        connect(proxy, timeout_s=2)  # libpq's smallest connect timeout
    assert 1.0 < time.monotonic() - started < 10
    proxy.set_mode("pass")  # the network comes back: the held query goes through
    query.join(10)
    assert answers == [1]
    conn.close()


def test_slow_adds_the_delay_to_every_chunk(proxy):
    with connect(proxy) as conn:
        select_one(conn)
        proxy.set_mode("slow", delay_ms=300)
        started = time.monotonic()
        select_one(conn)  # one chunk each way: at least 0.6 s, far from a hang
        assert 0.5 < time.monotonic() - started < 5


def test_drop_resets_open_connections_mid_stream_then_passes(proxy):
    conn = connect(proxy)
    select_one(conn)
    proxy.set_mode("drop")
    assert proxy.mode == "pass" and proxy.active_connections == 0
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        select_one(conn)
    assert time.monotonic() - started < FAST_S
    conn.close()
    with connect(proxy) as fresh:
        assert select_one(fresh) == 1


def test_modes_are_checked():
    proxy = TcpProxy(("127.0.0.1", 9))
    with pytest.raises(ValueError, match="unknown proxy mode"):
        proxy.set_mode("flaky")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="delay_ms"):
        proxy.set_mode("slow")
