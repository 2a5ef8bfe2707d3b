"""A write the database refuses for its own sake is not an outage (issue 11, Trust).

A caller whose From is a SIP address was longer than `calls.from_number` allowed. PostgreSQL
refused the insert with a DataError; the runner took that for an outage (tripping the breaker
for everyone), journaled the write, and the replay paused on it every round, forever, so every
later write of the host queued behind it and none reached the database. Now a value too long
or a broken constraint is the write's own error: no breaker, and the replay sets it aside and
goes on. The column also holds what the webhook keeps. The converse: a database that says
"not now" without an OperationalError (PostgreSQL read-only, a table missing until `holdwell
db upgrade`) keeps the journaled writes until it takes them, none set aside.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from app.signed_client import SignedClient
from app.storage.deadline import BoundedRunner, DatabaseUnavailable, Deadline
from app.storage.journal import Journal
from tests.app.test_journal import status
from tests.app.test_voice_contract import call_row, logged_events, wait_form
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

SIP_CALLER = "sip:alice.smith@example-support.sip.us1.twilio.com"  # 50 characters


@pytest.mark.parametrize("refused", [DataError, IntegrityError])
def test_a_write_that_would_fail_again_is_set_aside_and_the_rest_replays(tmp_path, refused):
    journal = Journal(tmp_path)
    for n in range(4):
        journal.append(status(n))
    applied = []

    def strict(command) -> None:  # noqa: ANN001
        if command == status(1):
            raise refused("INSERT", {}, Exception("value too long for type character varying"))
        applied.append(command)

    assert journal.replay(strict) == 3
    assert applied == [status(0), status(2), status(3)]
    assert journal.backlog() == 0 and journal.set_aside() == 1
    assert "value too long" in journal.rejected_path.read_text()


def test_the_runner_trips_for_an_outage_but_not_for_a_writes_own_error():
    runner = BoundedRunner(workers=1)

    def fails(error):  # noqa: ANN001, ANN202
        def work() -> None:
            raise error
        return work

    with pytest.raises(DataError):
        runner.run(fails(DataError("INSERT", {}, Exception("too long"))), Deadline(5.0))
    assert not runner.is_down()
    with pytest.raises(DatabaseUnavailable):
        runner.run(fails(OperationalError("INSERT", {}, Exception("refused"))), Deadline(5.0))
    assert runner.is_down()


def test_a_sip_caller_is_logged_on_postgresql_and_holds_up_no_one(postgres_url, make_app):
    app = make_app(database_url=postgres_url)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    sip, phone = sid("CA1"), sid("CA2")
    for call, caller in ((sip, SIP_CALLER), (phone, "+14155550100")):
        answer = twilio.post("/voice/incoming", {"CallSid": call, "From": caller})
        assert answer.status_code == 200 and b"<Enqueue" in answer.data
        assert twilio.post("/voice/wait", wait_form(call, 0, 1)).status_code == 200
    assert call_row(app, sip)["from_number"] == SIP_CALLER
    assert call_row(app, phone)["polls"] == 1
    assert "ENTERQUEUE" in logged_events(app, sip)
    store = app.extensions["holdwell"].store
    assert store.journal.backlog() == 0 and store.journal.set_aside() == 0


def test_healthz_counts_what_the_journal_set_aside(make_app):
    app = make_app()
    journal = app.extensions["holdwell"].store.journal
    journal.folder.mkdir(parents=True, exist_ok=True)
    with open(journal.rejected_path, "a") as rejected:
        rejected.write('{"line": "{}", "error": "DataError"}\n')
    assert app.test_client().get("/healthz").json["journal_set_aside"] == 1


def admin(url: str, sql: str) -> None:
    """`sql` as the server's administrator, from outside the test's database."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    engine = create_engine(make_url(url).set(database="postgres"),
                           isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def calls_in(url: str) -> list[str]:
    from sqlalchemy import create_engine, select
    from sqlalchemy.pool import NullPool

    from app.storage.schema import calls

    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        found = conn.execute(select(calls.c.call_id).order_by(calls.c.call_id)).scalars().all()
    engine.dispose()
    return list(found)


def begin_calls(count: int) -> list:
    from datetime import UTC, datetime

    from app.storage import commands as c

    return [c.BeginCall(call_id=sid(f"CA{n}"), now=datetime(2026, 3, 2, 9, tzinfo=UTC),
                        queue="support", policy="checkin", from_number="+14155550100")
            for n in range(count)]


def journaled_until_fixed(url: str, tmp_path, break_it, fix_it) -> None:  # noqa: ANN001
    """Writes refused while the database is broken are journaled (not set aside: they would
    succeed later), kept through a replay that still fails, and all applied once fixed."""
    from app.storage.call_log import CallLogStore
    from app.storage.db import make_engine

    store = CallLogStore(make_engine(url, budget_s=2.0), journal=Journal(tmp_path / "j"))
    commands = begin_calls(3)
    try:
        break_it()
        store.engine.dispose()  # fresh connections see the change
        written = [store.write(command, Deadline(2.0)) for command in commands]
        assert [w.stored for w in written] == [False] * 3
        store.replay()  # still broken: the lines wait
        assert store.journal.set_aside() == 0 and store.journal.backlog() == 3
        fix_it()
        store.engine.dispose()
        assert store.replay() == 3
    finally:
        store.close()
        store.engine.dispose()
    assert calls_in(url) == sorted(command.call_id for command in commands)
    assert store.journal.set_aside() == 0


def test_a_read_only_database_keeps_writes_until_it_takes_them_again(postgres_url, tmp_path):
    """A standby after a failover, or writes switched off for maintenance."""
    from sqlalchemy.engine import make_url

    name = make_url(postgres_url).database
    try:
        journaled_until_fixed(
            postgres_url, tmp_path,
            lambda: admin(postgres_url,
                          f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'),
            lambda: admin(postgres_url,
                          f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
    finally:
        admin(postgres_url, f'ALTER DATABASE "{name}" RESET default_transaction_read_only')


def test_a_missing_table_keeps_writes_until_db_upgrade_makes_it_again(any_url, tmp_path):
    from sqlalchemy import create_engine, text

    from app.storage.migrate import recreate_missing_tables

    def drop() -> None:
        engine = create_engine(any_url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE calls"))
        engine.dispose()

    journaled_until_fixed(any_url, tmp_path, drop,
                          lambda: recreate_missing_tables(any_url))  # `holdwell db upgrade`


def test_a_poll_whose_write_fails_for_its_own_sake_is_journaled_not_lost(any_url, tmp_path,
                                                                         monkeypatch):
    """A database error that is not an outage (a bug; or, on SQLite, another poll's error
    failing the batch it shared) kept nothing of the poll: now the poll is journaled like
    any other write, and the replay applies it alone (or sets it aside if it fails again)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import create_engine, select

    from app.storage import call_log
    from app.storage import commands as c
    from app.storage.call_log import CallLogStore
    from app.storage.db import make_engine
    from app.storage.schema import calls

    store = CallLogStore(make_engine(any_url, budget_s=5.0), journal=Journal(tmp_path / "j"))
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    store.write(c.BeginCall(call_id=sid("CA1"), now=at, queue="support", policy="checkin"),
                Deadline(5.0))

    def refused(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise DataError("UPDATE calls", {}, Exception("value too long"))

    polls = [c.NotePoll(call_id=sid("CA1"), now=at + timedelta(seconds=t), queue="support",
                        policy="checkin", queue_time_s=t, position=2) for t in (0, 60)]
    try:
        for poll, part in zip(polls, ("note_poll", "count_steady_poll"), strict=True):
            if part == "count_steady_poll":  # the first poll counted: the next is steady
                assert store.poll(poll, Deadline(5.0), lambda seen: (seen, None)) is not None
                poll = replace(poll, queue_time_s=120, now=at + timedelta(seconds=120))
            with monkeypatch.context() as patched:
                patched.setattr(call_log, part, refused)
                assert store.poll(poll, Deadline(5.0), lambda seen: (seen, None)) is None
            assert store.journal.backlog() == 1
            assert store.replay() == 1  # the bug is gone: the poll is counted
    finally:
        store.close()
        store.engine.dispose()
    engine = create_engine(any_url)
    with engine.connect() as conn:
        assert conn.execute(select(calls.c.polls)).scalar_one() == 3
    engine.dispose()
