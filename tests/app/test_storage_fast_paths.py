"""The call log's cheap paths answer exactly as the plain ones, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.dialects import sqlite

from app.signed_client import SignedClient
from app.storage import callback_queue
from app.storage import commands as c
from app.storage.callback_queue import HEAD_OF_LINE, OLDEST_ELIGIBLE
from app.storage.deadline import Deadline
from app.storage.events import log_event
from app.storage.prepared import QUEUE_VIEW
from tests.app.test_callbacks import CONFIG, dial_result, enter
from tests.app.test_voice_contract import call_row, logged_events, request_callback, wait_form
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WAIT = "/voice/wait?policy=checkin&queue=support"


def test_log_event_tells_a_first_insert_from_a_repeat(any_url):
    engine = create_engine(any_url)
    fresh = []
    for _ in range(2):
        with engine.begin() as conn:
            fresh.append(log_event(conn, dedupe_key="CA1:ANNOUNCE:60", time=NOW, call_id=sid("CA1"),
                                   queue="support", event="ANNOUNCE"))
    engine.dispose()
    assert fresh == [True, False]


def test_an_announcement_is_counted_once_on_postgresql(postgres_url, make_app):
    app = make_app(database_url=postgres_url)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    for _ in range(2):  # a retry carries the same QueueTime
        twilio.post(WAIT, wait_form(queue_time=60))
    row = call_row(app, sid("CA1"))
    assert row["announcements"] == 1 and row["last_announced_at"] is not None
    assert logged_events(app, sid("CA1")).count("ENTERQUEUE") == 1


def test_a_busy_callback_is_retried_later_on_postgresql(postgres_url, make_app, clock):
    app = make_app(CONFIG, database_url=postgres_url)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    twilio.post("/voice/agent", {"CallSid": sid("CAagent1")})
    dial_result(twilio, sid("CA1"), "busy", sid("CAleg1"))
    pending = callback_queue.pending(app.extensions["holdwell"].store.engine)
    assert [(cb.call_id, cb.attempts) for cb in pending] == [(sid("CA1"), 1)]


def note_poll(store, queue_time_s: float, now: datetime, position: int = 1):
    polled = store.poll(c.NotePoll(call_id=sid("CA1"), now=now, queue="support", policy="checkin",
                                   queue_time_s=queue_time_s, position=position),
                        Deadline.unbounded(), lambda poll: (None, None))
    return polled[0]


def test_the_first_poll_sees_the_log_as_it_was_before_its_own_entry(app):
    store = app.extensions["holdwell"].store
    poll = note_poll(store, 40, NOW)
    assert poll.flow.window_s == 0.0  # its ENTERQUEUE, 40 s back, does not start the window
    again = note_poll(store, 100, NOW + timedelta(seconds=60))
    assert again.flow.window_s == 100.0 and again.call.polls == 2
    assert again.call.entered_at == NOW - timedelta(seconds=40)


def test_a_retried_poll_counts_once(app):
    store = app.extensions["holdwell"].store
    counts = [note_poll(store, queue_time, NOW).call.polls for queue_time in (0, 60, 60, 120)]
    assert counts == [1, 2, 2, 3]  # polls = segments heard: a retry heard nothing new


def test_without_update_returning_polls_and_answers_still_land(app, monkeypatch):
    store = app.extensions["holdwell"].store
    monkeypatch.setattr(store.engine.dialect, "update_returning", False)
    for n, queue_time in enumerate((0, 60), start=1):
        assert note_poll(store, queue_time, NOW, position=2).call.polls == n
    store.write(c.Connect(call_id=sid("CA1"), now=NOW, queue="support", queue_time_s=70),
                Deadline.unbounded())
    assert call_row(app, sid("CA1"))["outcome"] == "answered"


def test_a_leave_after_a_kept_callback_leaves_it_kept(make_app, clock):
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    store = app.extensions["holdwell"].store
    claim = store.read(lambda conn: callback_queue.claim_next(conn, "support", sid("CAagent"),
                                                              clock.now()), Deadline.unbounded())
    store.write(c.CallbackConnected(call_id=sid("CA1"), now=clock.now(), claim=claim.claim),
                Deadline.unbounded())
    store.write(c.QueueResult(call_id=sid("CA1"), now=clock.now(), queue="support", result="leave",
                              queue_time_s=70), Deadline.unbounded())
    assert call_row(app, sid("CA1"))["outcome"] == "callback_connected"


def query_plan(engine, statement, **params) -> str:
    compiled = statement.compile(dialect=sqlite.dialect())
    values = tuple(compiled.construct_params(params)[name] for name in compiled.positiontup)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values).all()
    return " | ".join(row[-1] for row in rows)


def test_the_hot_reads_search_indexes_that_skip_settled_calls_and_other_events(sqlite_url):
    engine = create_engine(sqlite_url)
    head = query_plan(engine, HEAD_OF_LINE, queue="support", recent="2026-01-05")
    view = query_plan(engine, QUEUE_VIEW, queue="support", since="2026", now="2027",
                      entered="2027")
    claim = query_plan(engine, OLDEST_ELIGIBLE, queue="support", now="2027")
    engine.dispose()
    assert "USING INDEX ix_calls_waiting" in head  # callers in their first time in line
    assert "USING INDEX ix_calls_back_in_line" in head  # and those put back after an error
    assert "ix_calls_queue_departed" in view
    assert "ix_callbacks_queue_status_entered" in claim


def test_migration_0003_builds_the_partial_index(sqlite_url):
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        sql = conn.execute(text(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_calls_waiting'")).scalar_one()
    engine.dispose()
    assert "WHERE outcome IS NULL" in sql
