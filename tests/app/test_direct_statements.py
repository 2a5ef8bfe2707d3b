"""The hottest statements on psycopg's own cursor (app.storage.direct) answer exactly as
SQLAlchemy's Connection.execute does, fail as it does, and are only taken where no value
needs SQLAlchemy's conversion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Numeric,
    Table,
    bindparam,
    create_engine,
    exc,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import NullPool

from app.storage.direct import DirectStatement, compile_direct
from app.storage.prepared import (
    ANNOUNCE_AT_ONCE,
    CALLBACKS_AHEAD,
    COUNT_ANNOUNCEMENT,
    COUNT_STEADY_POLL,
    COUNT_STEADY_POLL_VIEW,
)
from tests.support.sids import sid

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CALL = sid("CA1")


def with_one_call(url: str, *, callback_requested: bool = False) -> Engine:
    """An engine on `url` whose log holds one waiting call, counted once."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO calls (call_id, queue, policy, arm, arrived_at, entered_at, polls, "
            "announcements, callback_requested, last_poll_queue_time_s) VALUES "
            "(:call, 'support', 'checkin', '', :t, :t, 1, 0, :asked, 0)"),
            {"call": CALL, "t": NOW, "asked": callback_requested})
    return engine


@pytest.fixture
def engine(postgres_url):
    engine = with_one_call(postgres_url)
    yield engine
    engine.dispose()


def poll(queue_time_s: float) -> dict:
    return {"call": CALL, "entered": NOW, "position": None, "queue_time_s": queue_time_s,
            "now": NOW + timedelta(seconds=queue_time_s), "last_position": 3}


def test_a_steady_poll_counts_and_reads_as_sqlalchemy_would(engine):
    """The same statement, once on psycopg's cursor and once through SQLAlchemy: the same
    row (time zones and all), each counted once, in one transaction-free statement."""
    direct = COUNT_STEADY_POLL_VIEW[True]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        ours = direct.first(conn, poll(60))
        theirs = dict(conn.execute(direct.statement, poll(120)).mappings().one())
        again = direct.first(conn, poll(120))  # a retried poll: counted once
    assert ours["polls"] == 2 and theirs["polls"] == 3 and again["polls"] == 3
    assert {k: v for k, v in again.items() if k != "polls"} == \
        {k: v for k, v in theirs.items() if k != "polls"}
    assert set(ours) == set(theirs)
    assert ours["entered_at"] == NOW and ours["entered_at"].utcoffset() is not None
    assert ours["callbacks_ahead"] == 0


def test_a_statement_without_a_row_answers_none(engine):
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        assert COUNT_STEADY_POLL_VIEW[False].first(conn, {**poll(60), "call": sid("CA2")}) \
            is None


def test_a_check_in_is_logged_and_counted_at_once_and_a_retry_is_not(engine):
    statement = ANNOUNCE_AT_ONCE[COUNT_ANNOUNCEMENT]
    said = {"call": CALL, "now": NOW, "told": 3, "fact_key": f"{CALL}:ANNOUNCE:0:60",
            "fact_queue": "support", "fact_event": "ANNOUNCE", "fact_policy": "checkin",
            "fact_arm": "", "queue_time_s": 60.0, "fact_data": "{}"}
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        assert statement.first(conn, said) == {"call_id": CALL}
        assert statement.first(conn, said) is None  # the fact is there: nothing counted
        row = conn.execute(text("SELECT announcements, told_position FROM calls")).one()
    assert tuple(row) == (1, 3)


def test_errors_are_sqlalchemys_and_a_dropped_connection_is_replaced(engine):
    """A broken constraint is the statement's own error (not an outage); a connection the
    server dropped comes out as OperationalError with the connection invalidated, and the
    next checkout connects afresh."""
    broken = DirectStatement(update(Table("calls", MetaData(), Column("polls", Integer)))
                             .values(polls=None).returning(text("polls")))
    with engine.connect() as conn, pytest.raises(exc.IntegrityError):
        broken.first(conn, {})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as killer:
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(exc.OperationalError) as raised:
            COUNT_STEADY_POLL_VIEW[False].first(conn, poll(60))
        assert raised.value.connection_invalidated
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        assert COUNT_STEADY_POLL_VIEW[False].first(conn, poll(60))["polls"] == 2


def test_on_sqlite_values_are_converted_as_sqlalchemy_converts_them(sqlite_url):
    """SQLite keeps datetimes as text and booleans as integers: the direct run converts
    them with SQLAlchemy's own processors, both ways, and reads what SQLAlchemy reads."""
    engine = with_one_call(sqlite_url, callback_requested=True)
    with engine.begin() as conn:
        ours = COUNT_STEADY_POLL.first(conn, poll(60))
        theirs = dict(conn.execute(COUNT_STEADY_POLL.statement, poll(120)).mappings().one())
        ahead = CALLBACKS_AHEAD[True].scalar(conn, {"queue": "support", "entered": NOW})
    engine.dispose()
    assert (ours["polls"], theirs["polls"]) == (2, 3)
    assert {k: v for k, v in ours.items() if k != "polls"} == \
        {k: v for k, v in theirs.items() if k != "polls"}
    assert ours["callback_requested"] is True and isinstance(ours["arrived_at"], datetime)
    assert ahead == 0


def test_only_statements_sqlalchemy_would_run_unchanged_go_direct():
    table = Table("t", MetaData(), Column("id", Integer), Column("at", DateTime(timezone=True)),
                  Column("amount", Numeric(asdecimal=False)))
    pg = postgresql.psycopg.dialect()
    plain = select(table.c.id, table.c.at).where(table.c.id == 1)
    assert compile_direct(plain, pg).fixed == {"id_1": 1}
    assert compile_direct(plain, sqlite.dialect()).order == ("id_1",)  # qmark: positional
    # SQLAlchemy makes this a float, by the type code only a run statement has
    assert compile_direct(select(table.c.amount), pg) is None
    assert compile_direct(plain, postgresql.psycopg2.dialect()) is None  # not known to work
    listed = select(table.c.id).where(table.c.id.in_(bindparam("ids", expanding=True)))
    assert compile_direct(listed, pg) is None  # expanded per run by SQLAlchemy


def test_a_restarted_server_costs_one_failed_statement_not_one_per_pooled_connection(engine):
    """Every pooled connection dropped at once (a restart): as SQLAlchemy does, the first
    failure marks the whole pool stale, so the next checkouts connect afresh instead of each
    failing its statement in turn (the web engine does not ping)."""
    held = [engine.connect() for _ in range(3)]
    pids = [conn.execute(text("SELECT pg_backend_pid()")).scalar_one() for conn in held]
    for conn in held:
        conn.close()  # back in the pool, alive
    outside = create_engine(engine.url, poolclass=NullPool)  # not one of the pool's
    with outside.connect() as killer:
        for pid in pids:
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    outside.dispose()
    outcomes = []
    for n in range(3):
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                COUNT_STEADY_POLL_VIEW[False].first(conn, poll(60 * (n + 1)))
            outcomes.append("ok")
        except exc.OperationalError:
            outcomes.append("failed")
    assert outcomes == ["failed", "ok", "ok"]


def test_a_first_statement_outside_a_transaction_is_committed_by_its_caller(any_url):
    """Not in a transaction and not in autocommit, the statement goes through SQLAlchemy,
    which begins the transaction `commit()` then commits (the driver's own would have been
    rolled back unseen at the connection's return)."""
    engine = with_one_call(any_url)
    with engine.connect() as conn:
        assert COUNT_STEADY_POLL_VIEW[False].first(conn, poll(60))["polls"] == 2
        conn.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT polls FROM calls")).scalar_one() == 2
    engine.dispose()


def test_a_missing_parameter_is_sqlalchemys_statement_error(engine):
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn, \
            pytest.raises(exc.StatementError):
        COUNT_STEADY_POLL_VIEW[False].first(conn, {"call": CALL})



def test_a_statement_prepared_before_a_migration_costs_one_poll_not_every_poll(postgres_url):
    """psycopg prepares a statement run five times on a connection; a migration that changes
    what it returns (0011 lengthened `from_number`) then makes PostgreSQL refuse it on that
    connection for good ("cached plan must not change result type"). Both ways of running
    it now take that as a dropped connection: an outage (the write is journaled, not lost)
    that replaces the pool's connections, so the next poll is planned afresh."""
    from app.storage.db import make_engine
    from app.storage.deadline import is_outage

    with_one_call(postgres_url).dispose()
    engine = make_engine(postgres_url, budget_s=5.0)  # the web app's
    direct = COUNT_STEADY_POLL_VIEW[False]
    ways = {"direct": lambda conn, n: direct.first(conn, poll(n)),
            "core": lambda conn, n: conn.execute(direct.statement, poll(n)).first()}
    outside = create_engine(postgres_url, poolclass=NullPool)
    seconds = iter(range(60, 6000, 60))
    for name, run in ways.items():
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for _ in range(6):  # prepared on the server from the fifth run
                run(conn, next(seconds))
        width = 80 if name == "direct" else 96
        with outside.begin() as conn:
            conn.execute(text(f"ALTER TABLE calls ALTER COLUMN from_number TYPE varchar({width})"))
        outcomes = []
        for _ in range(3):
            try:
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    run(conn, next(seconds))
                outcomes.append("ok")
            except exc.DBAPIError as error:
                assert "cached plan" in str(error) and is_outage(error), error
                outcomes.append("refused")
        assert outcomes == ["refused", "ok", "ok"], name
    outside.dispose()
    engine.dispose()


def test_an_echoing_engine_logs_direct_statements_as_its_own(any_url, caplog):
    """`echo` (a DBA's first look at what the app sends) shows the hot statements too."""
    engine = with_one_call(any_url)
    engine.echo = True
    caplog.set_level("INFO", logger="sqlalchemy.engine.Engine")
    with engine.begin() as conn:
        assert COUNT_STEADY_POLL_VIEW[False].first(conn, poll(60))["polls"] == 2
    logged = [record.getMessage() for record in caplog.records]
    assert any(message.lstrip().startswith("UPDATE calls") for message in logged), logged
    assert any(message.startswith("[direct]") and CALL in message for message in logged)
    engine.dispose()
