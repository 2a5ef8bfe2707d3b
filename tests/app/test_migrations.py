"""Alembic's migrations create exactly the tables the code uses."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from app.storage import console_schema  # noqa: F401 - the console's tables share the MetaData
from app.storage.migrate import MIGRATING, downgrade, upgrade
from app.storage.schema import callback_messages, metadata

ROOT = Path(__file__).resolve().parents[2]


def test_upgraded_schema_matches_the_models(sqlite_url):
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_downgrade_to_base_and_back(sqlite_url):
    downgrade(sqlite_url, "base")
    assert "calls" not in inspect(create_engine(sqlite_url)).get_table_names()
    upgrade(sqlite_url)
    assert "calls" in inspect(create_engine(sqlite_url)).get_table_names()


@pytest.fixture(params=["sqlite", "postgres"])
def any_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'holdwell.db'}"
        return
    yield request.getfixturevalue("postgres_url")


def test_the_messages_migration_keeps_each_callbacks_message_both_ways(any_url):
    """0013 moves a callback's one message into callback_messages, and back again."""
    url = any_url
    if "postgresql" in url:  # the fixture's database is migrated to head: start over
        downgrade(url, "base")
    upgrade(url, "0012")
    when = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    recording = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE" + "1" * 32
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO callbacks (call_id, queue, number, entered_at, requested_at, status, "
            "attempts, recording_url, recording_sid, recording_s, transcript) VALUES "
            "('CA1', 'support', '+14155550100', :t, :t, 'pending', 0, :url, :sid, 14, 'hi'), "
            "('CA2', 'support', '+14155550101', :t, :t, 'pending', 0, NULL, NULL, NULL, NULL), "
            "('CA3', 'support', '+14155550100', :t, :later, 'pending', 0, :url, :sid, 14, "
            "'hi')"),  # the same recording on a second callback: a Record action retried
            {"t": when, "later": when + timedelta(minutes=5), "url": recording,
             "sid": "RE" + "1" * 32})
    upgrade(url)
    with engine.connect() as conn:
        moved = conn.execute(select(callback_messages)).mappings().all()
    assert [(m["callback_id"], m["call_id"], m["recording_url"], m["recording_s"],
             m["transcript"]) for m in moved] == [("CA1", "CA1", recording, 14, "hi")]
    downgrade(url, "0012")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT call_id, recording_url, recording_s, transcript "
                                 "FROM callbacks ORDER BY call_id")).all()
    assert [tuple(row) for row in back] == [("CA1", recording, 14, "hi"),
                                            ("CA2", None, None, None), ("CA3", None, None, None)]
    engine.dispose()


def upgrade_together(url: str, processes: int) -> None:
    """`processes` processes each run `upgrade(url)` at once (web workers, the callback
    worker, a second host starting together); every one must succeed."""
    starts = [subprocess.Popen(
        [sys.executable, "-c", "import sys; from app.storage.migrate import upgrade; "
                               "upgrade(sys.argv[1])", url],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(processes)]
    outputs = [start.communicate(timeout=120)[0] for start in starts]
    assert [start.returncode for start in starts] == [0] * processes, outputs


def test_processes_starting_together_migrate_a_new_postgres_database_once():
    """Web workers, the callback worker and a second host each migrate at start; on a new
    PostgreSQL database they used to collide creating the same tables (UniqueViolation)."""
    from tests.support.postgres import PostgresUnavailable, fresh_database

    try:
        with fresh_database(migrate=False) as url:
            upgrade_together(url, 4)
            engine = create_engine(url)
            with engine.connect() as conn:
                differences = compare_metadata(MigrationContext.configure(conn), metadata)
            engine.dispose()
            assert differences == []
    except PostgresUnavailable as error:
        pytest.skip(str(error))


def test_an_upgrade_waits_out_a_migration_longer_than_the_apps_statement_timeout():
    """A process starting while another migrates a large log waits for it, however long;
    it had been cut off at the app's 3 s statement timeout (QueryCanceled) and failed to
    start. Here the other migrator is a session holding the migration lock for longer."""
    import threading
    import time

    from app.storage.db import STATEMENT_TIMEOUT_MS
    from app.storage.locks import hold
    from tests.support.postgres import PostgresUnavailable, fresh_database

    try:
        with fresh_database(migrate=False) as url:
            engine = create_engine(url)
            outcome: list[BaseException | None] = []

            def later_start() -> None:
                try:
                    upgrade(url)
                    outcome.append(None)
                except BaseException as error:  # noqa: BLE001 - reported by the assert
                    outcome.append(error)

            with engine.begin() as conn:
                hold(conn, MIGRATING)
                starter = threading.Thread(target=later_start)
                starter.start()
                time.sleep(STATEMENT_TIMEOUT_MS / 1000 + 1.5)
                assert not outcome, outcome  # still waiting, not failed
            starter.join(timeout=60)
            assert outcome == [None], outcome
            assert "calls" in set(inspect(engine).get_table_names())
            engine.dispose()
    except PostgresUnavailable as error:
        pytest.skip(str(error))


def test_processes_starting_together_migrate_a_new_sqlite_file_once(tmp_path):
    """`serve` and `callbacks` each migrate at start. SQLite's table rebuilds run in several
    transactions, so two processes interleaved them (7 rounds in 8 failed) and one left a
    `_alembic_tmp_calls` that failed every later upgrade."""
    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'race{round_}.db'}"
        upgrade_together(url, 3)
        engine = create_engine(url)
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
            leftovers = conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE "
                                          "'_alembic_tmp%'")).all()
        engine.dispose()
        assert differences == [] and leftovers == []


def refused_while_stored(url: str, column: str, value: str, below: str, says: str) -> None:
    """With one call whose `column` holds `value` (too long for revision `below`), the
    downgrade to `below` says why it cannot go on and changes nothing; with the call gone,
    it goes through (and back up)."""
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO calls (call_id, queue, policy, arrived_at, polls, "
                          "announcements, callback_requested) VALUES ('CA1', 'support', "
                          "'checkin', :t, 0, 0, false)"), {"t": datetime(2026, 3, 2, tzinfo=UTC)})
        conn.execute(text(f"UPDATE calls SET {column} = :value"), {"value": value})
    with pytest.raises(RuntimeError, match=says):
        downgrade(url, below)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT {column} FROM calls")).scalar_one() == value
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM calls"))
    downgrade(url, below)
    upgrade(url)
    engine.dispose()


def test_downgrading_below_longer_froms_is_refused_while_one_is_stored(any_url):
    """0010 held 32 characters of a From (PostgreSQL failed with a bare truncation error)."""
    sip = "sip:alice.smith@example.sip.us1.twilio.com"
    assert len(sip) > 32
    refused_while_stored(any_url, "from_number", sip, "0010",
                         r"1 call\(s\) have a From longer than 32")


def test_downgrading_below_longer_arm_names_is_refused_while_one_is_stored(any_url):
    """0013 held 32 characters of an arm's name."""
    refused_while_stored(any_url, "arm", "a_variant_with_a_name_of_forty_chars_xyz", "0013",
                         r"1 stored arm or policy name\(s\) are longer")
