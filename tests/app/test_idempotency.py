"""Twilio retries and reorders callbacks: every write lands once, and final outcomes stand."""

from __future__ import annotations

from sqlalchemy import func, select

from app.storage.schema import call_events
from tests.app.test_voice_contract import call_row, logged_events, request_callback, wait_form
from tests.support.sids import sid

QR = "/voice/queue-result?policy=checkin&queue=support"


def count(app, event: str, call_id: str = sid("CA1")) -> int:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(func.count()).where(
            call_events.c.event == event, call_events.c.call_id == call_id)).scalar_one()


def test_repeated_hangup_queue_result_logs_one_abandon(app, twilio):
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    for _ in range(3):
        twilio.post(QR, {"CallSid": sid("CA1"), "QueueResult": "hangup", "QueueTime": "95"})
    assert count(app, "ABANDON") == 1
    assert call_row(app, sid("CA1"))["wait_s"] == 95


def test_repeated_connect_logs_one_connect(app, twilio):
    for _ in range(2):
        twilio.post("/voice/connect?queue=support", {"CallSid": sid("CA1"), "QueueTime": "30"})
    assert count(app, "CONNECT") == 1


def test_late_hangup_never_overwrites_an_answer(app, twilio):
    twilio.post("/voice/connect?queue=support", {"CallSid": sid("CA1"), "QueueTime": "30"})
    twilio.post(QR, {"CallSid": sid("CA1"), "QueueResult": "hangup", "QueueTime": "31"})
    twilio.post("/voice/status", {"CallSid": sid("CA1"), "CallStatus": "completed"})
    row = call_row(app, sid("CA1"))
    assert row["outcome"] == "answered" and row["wait_s"] == 30
    assert count(app, "ABANDON") == 0


def test_bridged_result_before_connect_still_ends_answered_once(app, twilio):
    twilio.post(QR, {"CallSid": sid("CA1"), "QueueResult": "bridged", "QueueTime": "30"})
    twilio.post("/voice/connect?queue=support", {"CallSid": sid("CA1"), "QueueTime": "30"})
    assert call_row(app, sid("CA1"))["outcome"] == "answered"
    assert count(app, "CONNECT") == 1 and count(app, "COMPLETE") == 1


def test_status_completed_before_queue_result_then_queue_time_refines_the_wait(
    app, twilio, clock
):
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(queue_time=0))
    clock.advance(80)
    twilio.post("/voice/status", {"CallSid": sid("CA1"), "CallStatus": "completed"})
    assert call_row(app, sid("CA1"))["outcome"] == "abandoned"
    twilio.post(QR, {"CallSid": sid("CA1"), "QueueResult": "hangup", "QueueTime": "78"})
    assert count(app, "ABANDON") == 1
    assert call_row(app, sid("CA1"))["wait_s"] == 78


def test_retried_wait_poll_does_not_repeat_the_announcement_in_the_log(app, twilio):
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    for _ in range(2):  # a retry carries the same QueueTime
        twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(queue_time=60))
    assert count(app, "ANNOUNCE") == 1
    assert call_row(app, sid("CA1"))["announcements"] == 1
    assert count(app, "ENTERQUEUE") == 1


def test_callback_request_pressed_twice_is_one_request(make_app):
    from app.signed_client import SignedClient
    from tests.app.test_voice_contract import config_for
    from tests.conftest import AUTH_TOKEN

    app = make_app(config_for("callback"))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    for _ in range(2):
        request_callback(twilio)
    events = logged_events(app, sid("CA1"))
    assert events.count("CALLBACK_REQUESTED") == 1 and events.count("EXITWITHKEY") == 1


def test_first_announced_wait_is_kept_with_the_queue_time_it_was_told(make_app, clock):
    """Departures make an estimate possible; the first announced band is stored once."""
    from app.signed_client import SignedClient
    from tests.conftest import AUTH_TOKEN

    app = make_app('[estimate]\nmin_departures = 2\n[queues.support]\npolicy = "checkin"\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(4):
        twilio.post("/voice/connect?queue=support",
                    {"CallSid": sid(f"CAold{n}"), "QueueTime": "20"})
        clock.advance(30)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(queue_time=60, position=2))
    clock.advance(60)
    twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(queue_time=120, position=1))
    row = call_row(app, sid("CA1"))
    assert row["announcements"] == 2
    assert row["first_announced_at_s"] == 60 and row["first_announced_wait_s"] >= 60


def test_a_caller_answered_before_any_poll_still_entered_the_queue_once(app, twilio, clock):
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    for _ in range(2):
        twilio.post("/voice/connect?queue=support", {"CallSid": sid("CA1"), "QueueTime": "0"})
    twilio.post(QR, {"CallSid": sid("CA1"), "QueueResult": "bridged", "QueueTime": "0"})
    assert count(app, "ENTERQUEUE") == 1
    row = call_row(app, sid("CA1"))
    assert row["orig_position"] == 1 and row["entered_at"] is not None


def test_a_hang_up_before_the_first_poll_is_an_abandon_from_the_queue(app, twilio):
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    twilio.post(QR, {"CallSid": sid("CA1"), "QueueResult": "hangup", "QueueTime": "2"})
    assert count(app, "ENTERQUEUE") == 1 and count(app, "ABANDON") == 1
    assert call_row(app, sid("CA1"))["outcome"] == "abandoned"


def test_a_retried_key_press_is_logged_once_by_twilios_idempotency_token(app, twilio, clock):
    """A Gather action carries no QueueTime: its key came from the clock, so Twilio's retry
    of the same press two seconds later logged a second KEYPRESS. The retry carries the same
    I-Twilio-Idempotency-Token; another press carries another."""
    choice = "/voice/choice?policy=checkin&queue=support"
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(sid("CA1"), 0))
    for token in ("RQ-first", "RQ-first", "RQ-second"):
        clock.advance(2)
        answer = twilio.post(choice, {"CallSid": sid("CA1"), "Digits": "1"},
                             **{"I-Twilio-Idempotency-Token": token})
        assert answer.status_code == 200
    assert count(app, "KEYPRESS") == 2


def test_a_replayed_press_with_its_queue_time_is_one_press_whatever_token_it_carries(
        app, twilio, clock):
    """The token header is not covered by Twilio's signature: a captured signed press that
    carries QueueTime, replayed with a fresh token each time, had logged a press each time
    (API audit 35, D4). Its signed QueueTime keys it; the token keys only presses without."""
    choice = "/voice/choice?policy=checkin&queue=support"
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(sid("CA1"), 0))
    for token in ("RQ-a", "RQ-b", "RQ-c", ""):
        clock.advance(2)
        answer = twilio.post(choice, {"CallSid": sid("CA1"), "Digits": "1", "QueueTime": "40"},
                             **({"I-Twilio-Idempotency-Token": token} if token else {}))
        assert answer.status_code == 200
    assert count(app, "KEYPRESS") == 1
    twilio.post(choice, {"CallSid": sid("CA1"), "Digits": "1", "QueueTime": "101"})
    assert count(app, "KEYPRESS") == 2  # another press, later in the wait
