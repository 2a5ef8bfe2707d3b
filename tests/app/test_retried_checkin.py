"""A retried check-in request is answered with the check-in again (audit C, item 2): Twilio
repeats a waitUrl request with the same QueueTime when it had no answer, and the retry had
been told "(silence)" as if the caller had heard the check-in, so they heard nothing until
the next minute. The check-in is still logged and counted once."""

from __future__ import annotations

from sqlalchemy import event, select

from app.signed_client import SignedClient
from app.storage.schema import call_events, calls
from tests.app import test_steady_polls as steady
from tests.app.test_steady_polls import poll, row
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = '[queues.support]\npolicy = "checkin"\n'
WAIT = "/voice/wait?policy=checkin&queue=support"
store = steady.store  # the call log on SQLite and on PostgreSQL (a fixture)


def announcements(app, call_id: str) -> tuple[int, int]:
    """(ANNOUNCE events logged, announcements counted on the call's row)."""
    with app.extensions["holdwell"].store.engine.connect() as conn:
        events = conn.execute(select(call_events.c.id).where(
            call_events.c.call_id == call_id, call_events.c.event == "ANNOUNCE")).all()
        counted = conn.execute(select(calls.c.announcements).where(
            calls.c.call_id == call_id)).scalar_one()
    return len(events), counted


def test_a_retried_check_in_is_the_check_in_again_counted_once(make_app, clock):
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    caller = sid("CA1")
    twilio.post("/voice/incoming", {"CallSid": caller, "From": "+14155550100"})
    twilio.post(f"{WAIT}&welcome=1", wait_form(caller, 0, 2, 2))
    clock.advance(60)
    first = spoken(twilio.post(WAIT, wait_form(caller, 60, 2, 2)).data)
    assert "Sorry to keep you waiting" in first
    clock.advance(2)
    retry = twilio.post(WAIT, wait_form(caller, 60, 2, 2))
    assert spoken(retry.data) == first  # it was silence
    assert announcements(app, caller) == (1, 1)
    clock.advance(38)  # a later poll before the next is due: silence
    assert spoken(twilio.post(WAIT, wait_form(caller, 100, 2, 2)).data) == ""
    clock.advance(20)  # and the next check-in comes a minute after the first
    assert "Sorry" in spoken(twilio.post(WAIT, wait_form(caller, 120, 2, 2)).data)
    assert announcements(app, caller) == (2, 2)


def test_a_poll_soon_after_a_check_in_is_not_taken_for_its_retry(make_app, clock):
    """A new QueueTime a few seconds after the check-in (the caller pressed 1, heard the
    thanks, and the wait document was asked for again) is no retry: silence, as before."""
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    caller = sid("CA2")
    twilio.post("/voice/incoming", {"CallSid": caller, "From": "+14155550100"})
    twilio.post(f"{WAIT}&welcome=1", wait_form(caller, 0, 2, 2))
    clock.advance(60)
    assert "Sorry" in spoken(twilio.post(WAIT, wait_form(caller, 60, 2, 2)).data)
    clock.advance(6)
    assert spoken(twilio.post(WAIT, wait_form(caller, 66, 2, 2)).data) == ""
    assert announcements(app, caller) == (1, 1)


def test_the_store_shows_a_retry_the_call_as_before_its_check_in(store):
    """On both databases, and on the steady poll's path as on the full one: the retried
    poll's view has no check-in yet (so the policy serves it again), and the call's row
    still counts one."""
    poll(store, "CA3", 0, 2)
    poll(store, "CA3", 60, 2, say=2)
    retried = poll(store, "CA3", 60, 2, say=2)
    assert (retried.call.announcements, retried.call.last_announced_at,
            retried.call.told_position) == (0, None, None)
    assert row(store, "CA3")["announcements"] == 1
    later = poll(store, "CA3", 66, 2)  # a new poll: the check-in is there
    assert (later.call.announcements, later.call.told_position) == (1, 2)


def test_only_a_poll_at_the_check_ins_queue_time_asks_the_log(store):
    """The retry question costs the steady poll nothing: polls after a check-in (a later
    QueueTime) read no events; a poll at the check-in's own QueueTime asks by its key."""
    asked: list[str] = []

    def statement(_conn, _cursor, text, *_args) -> None:  # noqa: ANN001 - SQLAlchemy's hook
        if "call_events.dedupe_key" in text or "call_events.call_id" in text:
            asked.append(text)  # a question about this call's events (not the queue's flow)

    poll(store, "CA4", 0, 3)
    poll(store, "CA4", 60, 3, say=3)
    event.listen(store.engine, "before_cursor_execute", statement)
    try:
        for queue_time in (66, 72, 78):
            poll(store, "CA4", queue_time, 3)
        assert asked == []
        poll(store, "CA4", 60, 3, say=3)  # a retry of the check-in's poll
        assert asked and "WHERE call_events.dedupe_key =" in asked[0]
    finally:
        event.remove(store.engine, "before_cursor_execute", statement)
