"""Database work on the request's thread is cut off at its deadline (app.storage.cutoff).

The fault matrix (tests/integration/test_fault_matrix.py) proves the same through gunicorn;
these pin the mechanism: a hung PostgreSQL statement and a hung connect, a locked SQLite file,
and the pool's recovery once the database answers again.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from app.storage.cutoff import Cutoff
from app.storage.db import make_engine
from app.storage.deadline import BoundedRunner, DatabaseUnavailable, Deadline
from tests.support.locked_sqlite import locked_sqlite
from tests.support.tcp_proxy import proxied_url, tcp_proxy  # noqa: F401 - fixture

BUDGET_S = 0.3
LATE_S = 0.25  # the watchdog's tick plus a loaded 2-core box's scheduling
RECOVERY_S = 5.0  # room for a new connection once the database answers again


def select_one(engine):
    def work() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar_one()
    return work


def timed(runner: BoundedRunner, work, budget_s: float = BUDGET_S) -> tuple[object, float]:
    started = time.monotonic()
    try:
        result = runner.run(work, Deadline(budget_s))
    except DatabaseUnavailable as error:
        result = error
    return result, time.monotonic() - started


@pytest.fixture
def hung_postgres(postgres_url, tcp_proxy):  # noqa: F811
    engine = make_engine(proxied_url(postgres_url, tcp_proxy), budget_s=BUDGET_S)
    runner = BoundedRunner(cutoff=Cutoff().install(engine))
    yield engine, runner, tcp_proxy
    tcp_proxy.set_mode("pass")
    engine.dispose()


def test_a_hung_statement_is_cut_off_at_the_deadline_and_the_pool_recovers(hung_postgres):
    engine, runner, proxy = hung_postgres
    assert timed(runner, select_one(engine))[0] == 1  # a warm pooled connection
    proxy.set_mode("hang")
    failed, took = timed(runner, select_one(engine))
    assert isinstance(failed, DatabaseUnavailable) and took < BUDGET_S + LATE_S
    proxy.set_mode("pass")
    runner.down_until = 0.0  # past the breaker's moment
    # the cut connection was replaced (a fresh connect on a loaded CI box can take longer
    # than the budget; what matters is that the pool does not hand out the dead one)
    assert timed(runner, select_one(engine), RECOVERY_S)[0] == 1


def test_a_hung_connect_gives_up_within_the_budget(hung_postgres):
    engine, runner, proxy = hung_postgres
    proxy.set_mode("hang")  # libpq alone would wait at least 2 s
    failed, took = timed(runner, select_one(engine))
    assert isinstance(failed, DatabaseUnavailable) and took < BUDGET_S + LATE_S
    proxy.set_mode("pass")
    runner.down_until = 0.0
    assert timed(runner, select_one(engine), RECOVERY_S)[0] == 1


def test_a_locked_sqlite_file_is_interrupted_at_the_deadline(tmp_path):
    path = tmp_path / "locked.db"
    engine = make_engine(f"sqlite:///{path}", budget_s=5.0)  # a busy wait far past the budget
    runner = BoundedRunner(cutoff=Cutoff().install(engine))

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS t (n INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))

    runner.run(write, Deadline(5.0))
    with locked_sqlite(f"sqlite:///{path}", "EXCLUSIVE"):
        failed, took = timed(runner, write)
    assert isinstance(failed, DatabaseUnavailable) and took < BUDGET_S + LATE_S
    runner.down_until = 0.0
    runner.run(write, Deadline(5.0))  # the interrupted connection is still good
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    engine.dispose()


def test_a_pooled_connection_the_server_ended_is_replaced_at_checkout(postgres_url):
    """The budgeted engine skips the pre-ping round trip, yet a pooled connection whose
    server hung up (an administrator ended it, a restart, a failover) is not handed out: the
    next request's statement runs on a new one. (It had failed after it was sent, so a poll
    on it was journaled as maybe counted and the request answered without the database.)"""
    engine = make_engine(postgres_url, budget_s=2.0)
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with make_engine(postgres_url).connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}
                                 ).scalar_one()
        time.sleep(0.2)  # the server's goodbye reaches the pooled socket
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()
