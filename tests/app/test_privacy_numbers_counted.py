"""`holdwell privacy redact` says how many of the chosen calls held the caller's number: it
counted events, callbacks and messages only, so an erasure that took a caller's number off
twelve calls read "0 of their events, 0 callbacks and 0 recorded messages held a number", as
if nothing had been found, and a second run read the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from sqlalchemy import create_engine, insert, select

from app.storage import audit
from app.storage.db import make_engine
from app.storage.privacy import redact
from app.storage.schema import calls
from cli.main import cli

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ANA = "+14155550100"


def _ended_calls(url: str, *froms: str | None) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for index, caller in enumerate(froms):
            arrived = NOW - timedelta(days=3)
            conn.execute(insert(calls).values(
                call_id=f"CA{index}", queue="support", policy="checkin", from_number=caller,
                arrived_at=arrived, entered_at=arrived, outcome="abandoned", wait_s=30.0))
    engine.dispose()


def test_the_numbers_taken_off_calls_are_counted_and_audited(app, sqlite_url):
    _ended_calls(sqlite_url, ANA, ANA, None)
    engine = make_engine(sqlite_url)
    asked = redact(engine, before=NOW, now=NOW, actor="cli", dry_run=True)
    assert (asked.calls, asked.numbers) == (3, 2)
    assert "3 ended calls chosen: 2 of them held the caller's number" in asked.said()
    done = redact(engine, before=NOW, now=NOW, actor="cli")
    assert (done.calls, done.numbers) == (3, 2)
    with engine.connect() as conn:
        assert set(conn.execute(select(calls.c.from_number)).scalars()) == {None}
    assert audit.page(engine, kind="privacy").entries[0].detail["numbers"] == 2
    again = redact(engine, before=NOW, now=NOW, actor="cli")
    assert (again.calls, again.numbers) == (3, 0)  # nothing left to take


def test_the_command_says_it(app, sqlite_url, monkeypatch):
    _ended_calls(sqlite_url, ANA, ANA)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    done = CliRunner().invoke(cli, ["privacy", "redact", "--number", ANA, "--yes"])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("redacted: 2 ended calls chosen: 2 of them held the "
                                  "caller's number")
