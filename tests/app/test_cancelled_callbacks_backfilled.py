"""Callbacks cancelled before 0020 count as cancelled after the upgrade (migration 0021).

0020 added `calls.callback_cancelled`, projected from a CALLBACK_CANCELLED fact that only
cancellations since then log: a callback cancelled before (status "cancelled" in `callbacks`)
had no fact, so the report still counted its promise as open. The upgrade now logs the fact
the live cancel would (its key, by whom as the audit log says) and sets the column; a call
answered is left alone, as outcome_of ranks the answer first. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, insert, select

from analytics import metrics
from analytics.records import records_frame
from app.storage.callback_admin import cancellation_key
from app.storage.console_schema import audit_log
from app.storage.facts import project
from app.storage.migrate import downgrade, upgrade
from app.storage.read import read_records_frame
from app.storage.schema import call_events, callbacks, calls
from cli.main import cli

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROMISED_S = 600.0
IN_LINE_S = 60.0


@pytest.fixture(params=["sqlite", "postgres"])
def url_at_0019(request, tmp_path):
    """A database migrated to 0019, before callback_cancelled existed."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'holdwell.db'}"
        upgrade(url, "0019")
        yield url
        return
    from tests.support.postgres import PostgresUnavailable, fresh_database

    try:
        with fresh_database(migrate=False) as url:
            upgrade(url, "0019")
            yield url
    except PostgresUnavailable as error:
        pytest.skip(str(error))


def booked(conn, call_id: str, n: int, *, status: str, outcome: str = "left") -> None:
    """A call that booked a callback with a promised band and left the line on it, as the
    app at 0019 logged it (its facts, its projected row, its callbacks row)."""
    entered = T0 + timedelta(minutes=10 * n)
    requested = entered + timedelta(seconds=IN_LINE_S)
    number = f"+1415555010{n}"
    conn.execute(insert(call_events), [
        {"time": entered, "call_id": call_id, "queue": "support", "event": "ENTERQUEUE",
         "policy": "callback", "arm": "", "position": 3, "wait_s": 0.0,
         "data": json.dumps({"episode": 0}), "dedupe_key": f"{call_id}:ENTERQUEUE"},
        {"time": requested, "call_id": call_id, "queue": "support",
         "event": "CALLBACK_REQUESTED", "policy": "callback", "arm": "", "position": None,
         "wait_s": IN_LINE_S,
         "data": json.dumps({"episode": 0, "number": number, "promised_wait_s": PROMISED_S},
                            sort_keys=True),
         "dedupe_key": f"{call_id}:CALLBACK_REQUESTED"},
        {"time": requested, "call_id": call_id, "queue": "support", "event": "EXITWITHKEY",
         "policy": "callback", "arm": "", "position": None, "wait_s": IN_LINE_S,
         "data": json.dumps({"episode": 0, "key": "1"}, sort_keys=True),
         "dedupe_key": f"{call_id}:EXITWITHKEY"}])
    answered = outcome == "answered"
    if answered:  # answered in line after booking: the connect cancelled the callback
        conn.execute(insert(call_events).values(
            time=requested + timedelta(seconds=30), call_id=call_id, queue="support",
            event="CONNECT", policy="callback", arm="", wait_s=IN_LINE_S + 30,
            data=json.dumps({"agent_call_id": "CAagent"}), dedupe_key=f"{call_id}:CONNECT"))
    conn.execute(insert(calls).values(
        call_id=call_id, queue="support", policy="callback", arm="", arrived_at=entered,
        entered_at=entered, orig_position=3, polls=0, announcements=0,
        callback_requested=True, callback_promised_wait_s=IN_LINE_S + PROMISED_S,
        outcome=outcome, wait_s=IN_LINE_S + (30 if answered else 0),
        answered_at=requested + timedelta(seconds=30) if answered else None,
        ended_at=requested + timedelta(seconds=30) if answered else requested,
        departed_at=requested + timedelta(seconds=30) if answered else requested))
    conn.execute(insert(callbacks).values(
        call_id=call_id, queue="support", number=number, entered_at=entered,
        requested_at=requested, promised_by=requested + timedelta(seconds=PROMISED_S),
        status=status, attempts=0,
        last_result="cancelled" if status == "cancelled" else None,
        resolved_at=requested + timedelta(minutes=5) if status == "cancelled" else None))


def audited(conn, call_id: str, actor: str, detail: dict, at: datetime) -> None:
    conn.execute(insert(audit_log).values(time=at, actor=actor, action="callback.cancel",
                                          target=call_id, detail=json.dumps(detail)))


def log_before_0020(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        booked(conn, "CAoperator", 0, status="cancelled")
        audited(conn, "CAoperator", "olu", {"reason": "solved by email"}, T0)
        booked(conn, "CAcaller", 1, status="cancelled")
        audited(conn, "CAcaller", "caller", {"by_call": "CAagain", "reason": "chose to wait"},
                T0)
        booked(conn, "CApruned", 2, status="cancelled")  # its audit entry pruned since
        booked(conn, "CAanswered", 3, status="cancelled", outcome="answered")
        audited(conn, "CAanswered", "system", {"reason": "answered on their own call"}, T0)
        booked(conn, "CApending", 4, status="pending")
    engine.dispose()


def cancellation_facts(conn) -> list[tuple]:
    return sorted((row.call_id, row.dedupe_key, json.loads(row.data), row.wait_s)
                  for row in conn.execute(select(call_events).where(
                      call_events.c.event == "CALLBACK_CANCELLED")))


def stored(url: str) -> tuple:
    """Every event (but its id) and every call row, as stored."""
    engine = create_engine(url)
    with engine.connect() as conn:
        events = sorted(tuple(row)[1:] for row in conn.execute(select(call_events)))
        rows = sorted(tuple(row) for row in conn.execute(select(calls)))
    engine.dispose()
    return events, rows


def fates(url: str, call_id: str) -> dict[str, int]:
    """The call's promise fate as the report counts it (analytics.metrics)."""
    records = records_frame(read_records_frame(url))
    sums = metrics.promise_sums(records[records["call_id"] == call_id].reset_index(drop=True))
    return {name.removeprefix("callbacks_"): int(values.sum()) for name, values in sums.items()}


WITHDRAWN = {"given_band": 1, "promise_kept": 0, "promise_broken": 0, "promise_pending": 0,
             "promise_cancelled": 1}


def test_callbacks_cancelled_before_0020_are_logged_and_counted_cancelled(url_at_0019,
                                                                          monkeypatch):
    url = url_at_0019
    log_before_0020(url)
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        facts = cancellation_facts(conn)
        cancelled = dict(conn.execute(select(calls.c.call_id, calls.c.callback_cancelled)).all())
        times = dict(conn.execute(select(call_events.c.call_id, call_events.c.time).where(
            call_events.c.event == "CALLBACK_CANCELLED")).all())
    waited = IN_LINE_S + 300  # resolved 5 minutes after the request, 60 s in line
    assert facts == [
        ("CAcaller", cancellation_key("CAcaller"),
         {"by": "caller", "by_call": "CAagain", "backfilled": True}, waited),
        ("CAoperator", cancellation_key("CAoperator"),
         {"by": "operator", "backfilled": True}, waited),
        ("CApruned", cancellation_key("CApruned"), {"by": "unknown", "backfilled": True},
         waited)]
    assert times["CAoperator"].replace(tzinfo=UTC) == T0 + timedelta(seconds=IN_LINE_S + 300)
    assert cancelled == {"CAoperator": True, "CAcaller": True, "CApruned": True,
                         "CAanswered": False, "CApending": False}
    records = read_records_frame(url).set_index("call_id")
    assert records["callback_cancelled"].to_dict() == cancelled
    for call_id in ("CAoperator", "CAcaller", "CApruned"):
        assert fates(url, call_id) == WITHDRAWN, call_id
    assert fates(url, "CApending")["promise_pending"] == 1
    assert fates(url, "CAanswered")["promise_cancelled"] == 0

    before = stored(url)
    monkeypatch.setenv("DATABASE_URL", url)  # `holdwell db upgrade` again: nothing to do
    again = CliRunner().invoke(cli, ["db", "upgrade"])
    assert again.exit_code == 0, again.output
    assert stored(url) == before
    with engine.begin() as conn:  # the backfill itself, run again: logs nothing twice
        backfill = importlib.import_module(
            "app.migrations.versions.0021_backfill_cancelled_callbacks")
        with Operations.context(MigrationContext.configure(conn)):
            backfill.upgrade()
    assert stored(url) == before
    downgrade(url, "0020")  # and down and up again: the same facts and rows
    with engine.connect() as conn:
        assert cancellation_facts(conn) == []
        assert not any(conn.execute(select(calls.c.callback_cancelled)).scalars())
    upgrade(url)
    assert stored(url) == before

    with engine.begin() as conn:  # the next projection of each call keeps what it says
        for call_id in cancelled:
            project(conn, call_id)
        assert dict(conn.execute(select(calls.c.call_id, calls.c.callback_cancelled)
                                 ).all()) == cancelled
    engine.dispose()


def test_a_cancellation_already_logged_is_kept_as_it_is(url_at_0019):
    """A fact with the cancellation's key already there (logged by the live code) is not
    logged again nor changed, and the call still says cancelled."""
    url = url_at_0019
    engine = create_engine(url)
    with engine.begin() as conn:
        booked(conn, "CAlive", 0, status="cancelled")
        conn.execute(insert(call_events).values(
            time=T0 + timedelta(minutes=3), call_id="CAlive", queue="support",
            event="CALLBACK_CANCELLED", policy="callback", arm="", wait_s=180.0,
            data=json.dumps({"by": "operator"}), dedupe_key=cancellation_key("CAlive")))
    upgrade(url)
    with engine.connect() as conn:
        assert cancellation_facts(conn) == [("CAlive", cancellation_key("CAlive"),
                                             {"by": "operator"}, 180.0)]
        assert conn.execute(select(calls.c.callback_cancelled)).scalar_one() is True
    assert fates(url, "CAlive") == WITHDRAWN
    engine.dispose()
