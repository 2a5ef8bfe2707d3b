"""A caller answered on their own call while their callback confirmation played is not dialled
(issue 11, exactly-once callbacks; F2 of the fault audits).

The answer (/voice/connect) reached only a host cut off from the database and sits in its
journal, so the stored log says the caller booked a callback and nothing since. Before,
another host's agent dialled them once the booking's LEAVING_S hold ended: the phone they
were talking on, or, after they hung up, a customer just helped. With REST credentials the
worker now reads the booking call before the hold ends (app.booking_checks); without them,
the caller's `bridged` queue result, heard by any connected host, cancels the callback as
the answer itself does. Twilio's REST API is mocked at the client boundary with real
CallInstance objects."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest.api.v2010.account.call import CallContext, CallInstance

from app.booking_checks import CHECK_AHEAD_S, RECHECK_S, past_confirmation_for
from app.callback_watch import watch_once, watch_round
from app.callback_worker import report_line
from app.claim_checks import CHECK_LIMIT_S
from app.signed_client import SignedClient
from app.storage import audit, users
from app.storage import commands as c
from app.storage.apply import apply
from app.storage.callback_requests import LEAVING_S
from app.storage.db import as_utc
from tests.app.test_callbacks import CONFIG, callback_rows, enter
from tests.app.test_overflow_voicemail import LINE as FULL_LINE
from tests.app.test_overflow_voicemail import RESULT as FULL_RESULT
from tests.app.test_overflow_voicemail import call as full_call
from tests.app.test_resume_after_drop import Line
from tests.app.test_voice_contract import request_callback
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.console.conftest import PASSWORD, Console, bearer
from tests.support.sids import sid

CALLER = sid("CA1")
CUSTOMER = "+14155550100"  # enter()'s caller
FULL_CHOICE = "/voice/overflow/choice?policy=checkin&queue=support"
ROUND_S = 15.0  # `holdwell callbacks --interval`'s default


class BookingCall:
    """The booking call as Twilio's Call resource tells it; `calls(sid).fetch()` answers
    with its status as the test sets it, or raises `error`."""

    def __init__(self, clock, mocker) -> None:
        self.status, self.ended_at, self.error = "in-progress", None, None
        self.asked: list[str] = []
        self.fetch = mocker.patch.object(CallContext, "fetch", autospec=True,
                                         side_effect=self.fetched)
        self.clock = clock

    def ends(self, at: datetime, status: str = "completed") -> None:
        self.status, self.ended_at = status, at

    def fetched(self, context) -> CallInstance:
        self.asked.append(context._solution["sid"])
        if self.error is not None:
            raise self.error
        payload = {"sid": context._solution["sid"], "status": self.status,
                   "date_created": format_datetime(self.clock.now() - timedelta(minutes=5))}
        if self.ended_at is not None:
            payload["end_time"] = format_datetime(self.ended_at)
        return CallInstance(None, payload, "AC123")


@pytest.fixture
def booked(make_app, clock, mocker):
    """Credentials configured; CA1 booked a callback at `booked_at` and was answered in line
    during the confirmation, on a host that journaled it (so nothing more is stored)."""
    app = make_app(CONFIG, account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, CALLER, clock)
    request_callback(twilio, CALLER, queue_time=60, leave=False)
    return app, twilio, BookingCall(clock, mocker), clock.now()


def worker_round(app, clock, advance_s: float = ROUND_S):
    clock.advance(advance_s)
    svc = app.extensions["holdwell"]
    return watch_once(svc.store.engine, svc.config.callbacks, clock.now(),
                      client=svc.rest_client)


def rounds_until(app, clock, at: datetime) -> list:
    return [worker_round(app, clock) for _ in range(int((at - clock.now()).total_seconds()
                                                        // ROUND_S))]


def agent_dials_customer(twilio, agent: str = "CAagentB") -> bool:
    answer = parse(twilio.post("/voice/agent", {"CallSid": sid(agent)}).data)
    return answer.find(".//Number") is not None


def hold_ends(app) -> datetime:
    return as_utc(callback_rows(app)[0]["next_attempt_at"])


def test_a_caller_still_on_their_call_is_not_dialled_when_the_hold_ends(booked, clock):
    app, twilio, booking, booked_at = booked
    reports = rounds_until(app, clock, booked_at + timedelta(seconds=LEAVING_S))
    assert booking.asked and set(booking.asked) == {CALLER}, "the booking call is read"
    assert any(r.bookings.still_on == [CALLER] for r in reports)
    assert hold_ends(app) > booked_at + timedelta(seconds=LEAVING_S)
    clock.advance(LEAVING_S + 1 - (clock.now() - booked_at).total_seconds())
    assert not agent_dials_customer(twilio), "an agent dialled the phone they are talking on"
    # host 1's journal comes back: the answer cancels the callback, never rung
    twilio.post("/voice/connect?queue=support", {"CallSid": CALLER, "QueueTime": "70"})
    assert callback_rows(app)[0]["status"] == "cancelled"
    assert not agent_dials_customer(twilio, "CAagentC")


def test_a_call_that_outlasted_its_confirmation_waits_for_the_journal_then_is_never_lost(
        booked, clock):
    """They talked to an agent for three minutes; their hang-up reached a connected host
    (which had made the callback due at once). Held an hour after the call's end for the
    journaled answer; if it never comes, the callback rings: a promise is not lost."""
    app, twilio, booking, booked_at = booked
    ended = booked_at + timedelta(seconds=200)
    rounds_until(app, clock, ended)
    clock.advance((ended - clock.now()).total_seconds())
    booking.ends(ended)
    twilio.post("/voice/status", {"CallSid": CALLER, "CallStatus": "completed"})
    assert not agent_dials_customer(twilio), "their hang-up made the callback due"
    report = worker_round(app, clock)
    assert report.bookings.stayed_on == [CALLER]
    assert "stayed on past the confirmation: 1" in report_line(report)
    assert hold_ends(app) == ended + timedelta(seconds=CHECK_LIMIT_S)
    clock.advance(CHECK_LIMIT_S - 60)
    assert not agent_dials_customer(twilio)
    asked = len(booking.asked)
    rounds_until(app, clock, ended + timedelta(seconds=CHECK_LIMIT_S + 90))
    assert len(booking.asked) - asked <= (CHECK_AHEAD_S + 60) // ROUND_S + 1, (
        "a callback waiting for an agent is not read every round")
    assert agent_dials_customer(twilio), "the callback was lost"


def test_a_caller_who_left_in_time_is_rung_when_the_hold_ends_as_before(booked, clock):
    app, twilio, booking, booked_at = booked
    booking.ends(booked_at + timedelta(seconds=12))
    reports = rounds_until(app, clock, booked_at + timedelta(seconds=LEAVING_S))
    assert booking.asked and not any(r.bookings.still_on or r.bookings.stayed_on
                                     for r in reports)
    assert hold_ends(app) == booked_at + timedelta(seconds=LEAVING_S)
    clock.advance((booked_at - clock.now()).total_seconds() + LEAVING_S)
    assert agent_dials_customer(twilio)


@pytest.mark.parametrize("error", [
    ConnectionError("Twilio unreachable"),
    TwilioRestException(500, "https://api.twilio.com", "server error"),
    TwilioRestException(401, "https://api.twilio.com", "authenticate"),
    TwilioRestException(404, "https://api.twilio.com", "not found"),
])
def test_twilio_unable_to_say_leaves_the_callback_as_without_credentials(booked, clock,
                                                                         error):
    app, twilio, booking, booked_at = booked
    booking.error = error
    rounds_until(app, clock, booked_at + timedelta(seconds=LEAVING_S))
    assert booking.asked
    assert hold_ends(app) == booked_at + timedelta(seconds=LEAVING_S)
    clock.advance((booked_at - clock.now()).total_seconds() + LEAVING_S)
    assert agent_dials_customer(twilio)


def test_a_caller_heard_leaving_is_not_asked_about(booked, clock):
    app, twilio, booking, booked_at = booked
    twilio.post("/voice/queue-result?policy=callback&queue=support",
                {"CallSid": CALLER, "QueueResult": "leave", "QueueTime": "60"})
    rounds_until(app, clock, booked_at + timedelta(seconds=LEAVING_S + 90))
    assert booking.asked == []


def test_a_hold_is_audited_for_the_operator(booked, clock):
    app, _, _, booked_at = booked
    rounds_until(app, clock, booked_at + timedelta(seconds=LEAVING_S))
    entry = audit.latest_of(app.extensions["holdwell"].store.engine, "callback.hold",
                            [CALLER])[CALLER]
    assert "still on the call" in entry.detail["reason"]
    assert hold_ends(app) <= clock.now() + timedelta(seconds=RECHECK_S)


def test_a_bridged_result_cancels_the_callback_without_credentials(make_app, clock):
    """No REST client: the caller's queue result `bridged` (their conversation over), heard
    by a connected host, says they were answered in line; it had made the callback due."""
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, CALLER, clock)
    request_callback(twilio, CALLER, queue_time=60, leave=False)
    clock.advance(20)
    twilio.post("/voice/queue-result?policy=callback&queue=support",
                {"CallSid": CALLER, "QueueResult": "bridged", "QueueTime": "62"})
    assert callback_rows(app)[0]["status"] == "cancelled"
    clock.advance(LEAVING_S)
    assert not agent_dials_customer(twilio)


# What a review of the first version found (each failed on it).

def test_an_answer_whose_conversation_ended_before_45s_is_still_not_rung(booked, clock):
    """Seen on the line at +30 s (past the confirmation); the short conversation ended at
    +40 s, inside LEAVING_S: it had counted as "ended in time" and the customer was rung."""
    app, twilio, booking, booked_at = booked
    worker_round(app, clock)  # +15: not yet read
    assert worker_round(app, clock).bookings.still_on == [CALLER]  # +30
    clock.advance(10)  # +40
    booking.ends(clock.now())
    twilio.post("/voice/status", {"CallSid": CALLER, "CallStatus": "completed"})
    assert worker_round(app, clock, 5).bookings.stayed_on == [CALLER]  # +45
    worker_round(app, clock)
    clock.advance(1)
    assert not agent_dials_customer(twilio), f"held until {hold_ends(app)} only"
    assert hold_ends(app) == booked_at + timedelta(seconds=40 + CHECK_LIMIT_S)


def leave(twilio, queue_time: int, result: str = "leave") -> None:
    twilio.post("/voice/queue-result?policy=callback&queue=support",
                {"CallSid": CALLER, "QueueResult": result, "QueueTime": str(queue_time)})


@pytest.mark.parametrize("result", ["leave", "hangup"])
def test_their_leaving_the_queue_heard_after_a_hold_makes_the_callback_due(booked, clock,
                                                                          result):
    """A long confirmation: still on the line at +30 s (held), then their `leave` (or a
    hang-up in the queue) is heard: they were not being helped, so it is due at once."""
    app, twilio, booking, booked_at = booked
    worker_round(app, clock)
    assert worker_round(app, clock).bookings.still_on == [CALLER]
    clock.advance(3)
    leave(twilio, 93, result)
    booking.ends(clock.now())
    clock.advance(1)
    assert agent_dials_customer(twilio), f"held until {hold_ends(app)} after a heard leave"


def test_a_leave_replayed_from_a_journal_ends_the_hour_hold(booked, clock):
    """Held an hour for the journal; the journal comes back and says they LEFT the queue
    (they stayed on for something else): rung then, not an hour late."""
    app, twilio, booking, booked_at = booked
    for _ in range(4):
        worker_round(app, clock)  # +15 .. +60, in progress
    booking.ends(clock.now())
    assert worker_round(app, clock).bookings.stayed_on == [CALLER]  # +75: held ~1 h
    leave(twilio, 80)
    clock.advance(60)
    assert agent_dials_customer(twilio), f"held until {hold_ends(app)} after the journal"


def test_a_leave_heard_while_twilio_is_read_is_not_overwritten(booked, clock):
    app, twilio, booking, booked_at = booked
    worker_round(app, clock)  # +15
    read = booking.fetch.side_effect

    def leave_meanwhile(context):
        answer = read(context)  # read while still in the queue ...
        leave(twilio, 85)  # ... their leave is stored before the hold is
        return answer
    booking.fetch.side_effect = leave_meanwhile
    assert worker_round(app, clock).bookings.still_on == []  # +30
    clock.advance(1)
    assert agent_dials_customer(twilio), f"held until {hold_ends(app)} after a heard leave"


def test_a_call_that_ended_in_time_is_read_once(booked, clock):
    app, _, booking, booked_at = booked
    booking.ends(booked_at + timedelta(seconds=12))
    for _ in range(10):
        worker_round(app, clock)
    assert booking.asked == [CALLER]
    assert callback_rows(app)[0]["booking_check"] == "left"


def test_a_longer_round_reads_the_booking_before_its_hold_ends(booked, clock):
    """`holdwell callbacks --interval 30`: its round reads 35 s ahead, so the one round
    before the hold ends reads it (at +24 s: perhaps still hearing the confirmation, held
    until the next round has read it again), and nobody dials them at +46 s."""
    app, twilio, booking, booked_at = booked
    svc = app.extensions["holdwell"]
    clock.advance(24)
    watch_round(svc.store.engine, svc.config, clock.now(), None, client=svc.rest_client,
                interval_s=30)
    assert callback_rows(app)[0]["booking_check"] == "asked"
    clock.advance(22)  # +46
    assert not agent_dials_customer(twilio), "dialled the phone they are talking on"
    clock.advance(8)  # +54: their next round; the confirmation is long over
    report = watch_round(svc.store.engine, svc.config, clock.now(), None,
                         client=svc.rest_client, interval_s=30)
    assert report.bookings.still_on == [CALLER]


def test_an_asked_caller_who_left_in_time_is_due_at_once(booked, clock):
    app, twilio, booking, booked_at = booked
    svc = app.extensions["holdwell"]
    clock.advance(24)
    watch_round(svc.store.engine, svc.config, clock.now(), None, client=svc.rest_client,
                interval_s=30)
    booking.ends(booked_at + timedelta(seconds=26))
    clock.advance(30)  # +54
    watch_round(svc.store.engine, svc.config, clock.now(), None, client=svc.rest_client,
                interval_s=30)
    assert callback_rows(app)[0]["booking_check"] == "left"
    assert agent_dials_customer(twilio)


LONG_CONFIRMATION = CONFIG.replace("[callbacks]", """[queues.support.prompts]
callback_confirm = "Thank you. {words} We will call you back within {{wait}}."
[callbacks]""".format(words="Your call matters to us and we will be with you soon. " * 10))


def test_a_long_confirmation_is_waited_out_before_a_caller_on_the_line_counts_as_answered(
        make_app, clock, mocker):
    """A queue whose confirmation takes about 45 s to say: still on the line at +30 s is
    still hearing it (`asked`), not answered; their leave, heard at +55 s, makes it due."""
    assert "[queues.support.prompts]" in LONG_CONFIRMATION
    app = make_app(LONG_CONFIRMATION, account_sid="AC123")
    svc = app.extensions["holdwell"]
    assert past_confirmation_for(svc.config)("support") > 55
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, CALLER, clock)
    request_callback(twilio, CALLER, queue_time=60, leave=False)
    BookingCall(clock, mocker)
    for _ in range(3):
        clock.advance(ROUND_S)
        watch_round(svc.store.engine, svc.config, clock.now(), None, client=svc.rest_client)
    assert callback_rows(app)[0]["booking_check"] == "asked"
    clock.advance(10)  # +55
    leave(twilio, 115)
    assert agent_dials_customer(twilio)


RESUME_CALLBACKS = CONFIG.replace("[callbacks]", """[queues.support.resume]
within_s = 300
after_checkin_s = 15
[callbacks]""")


def booked_after_a_drop(app, clock, drop) -> tuple[str, str]:  # noqa: ANN001
    """(first call, leg): a caller in line 65 s whose line dropped (`drop(line, first)` says
    how the log heard it), who rang back 10 s later and booked a callback on the new leg."""
    line = Line(app, clock)
    first, leg, number = sid("first"), sid("leg"), "+14155550102"
    queued = parse(line.ring(first, number).data).find("Enqueue")
    line.poll(queued.get("waitUrl"), first, 0, position=3)
    clock.advance(60)
    line.poll(queued.get("waitUrl"), first, 60, position=3)
    clock.advance(5)
    drop(line, queued, first)
    clock.advance(10)
    back = parse(line.ring(leg, number).data).find("Enqueue")
    assert "resumes=" in back.get("waitUrl")
    form = {"CallSid": leg, "From": number, "QueueTime": "80", "QueuePosition": "1",
            "CurrentQueueSize": "1", "Digits": "2"}
    asked = line.twilio.post(f"/voice/choice?{back.get('waitUrl').split('?', 1)[1]}", form)
    confirmed = line.twilio.post(parse(asked.data).find(".//Gather").get("action"),
                                 {**form, "Digits": "1"})
    assert b"<Leave" in confirmed.data, confirmed.data
    assert [row["call_id"] for row in callback_rows(app)] == [first]
    return first, leg


def test_a_caller_who_rang_back_is_read_on_the_leg_they_booked_on(make_app, clock, mocker):
    """A booking made after a dropped line is the first call's (it keeps that place); the
    caller is on the leg they rang back on, which is the call to read."""
    app = make_app(RESUME_CALLBACKS, account_sid="AC123")
    _, leg = booked_after_a_drop(app, clock, lambda line, queued, first: line.twilio.post(
        queued.get("action"), {"CallSid": first, "QueueResult": "hangup", "QueueTime": "65"}))
    booking = BookingCall(clock, mocker)
    svc = app.extensions["holdwell"]
    for _ in range(3):
        clock.advance(ROUND_S)
        watch_once(svc.store.engine, svc.config.callbacks, clock.now(), client=svc.rest_client)
    assert booking.asked and set(booking.asked) == {leg}
    assert callback_rows(app)[0]["booking_check"] == "on_line"


# What a second review found (each failed on the version before it).

def round_of(app, clock, interval_s: float):
    svc = app.extensions["holdwell"]
    return watch_round(svc.store.engine, svc.config, clock.now(), None,
                       client=svc.rest_client, interval_s=interval_s)


def test_a_check_ending_its_hold_never_cuts_short_a_caller_ringing_back(booked, clock):
    """`asked` at +24 s; they hang up at +26 s and ring back at +30 s, asked about their
    callback (held until +75 s: the phone it would ring is the one they call from). The read
    at +54 s finds the booking call ended in time: it had set the hold to +54 s."""
    app, twilio, booking, booked_at = booked
    clock.advance(24)
    round_of(app, clock, 30)
    assert callback_rows(app)[0]["booking_check"] == "asked"
    clock.advance(2)
    booking.ends(clock.now())
    twilio.post("/voice/status", {"CallSid": CALLER, "CallStatus": "completed"})
    clock.advance(4)
    again = twilio.post("/voice/incoming?queue=support", {"CallSid": sid("again"),
                                                           "From": CUSTOMER})
    assert parse(again.data).find("Gather") is not None, again.data
    asked_until = clock.now() + timedelta(seconds=LEAVING_S)
    assert hold_ends(app) == asked_until
    clock.advance(24)
    round_of(app, clock, 30)
    assert callback_rows(app)[0]["booking_check"] == "left"
    clock.advance(1)
    assert not agent_dials_customer(twilio), f"hold cut to {hold_ends(app)}"
    assert hold_ends(app) == asked_until


def test_an_earlier_legs_hang_up_replayed_after_the_booking_ends_no_hold(make_app, clock,
                                                                         mocker):
    """The first leg dropped (its `hangup` journaled on a host cut off); the caller rang back,
    booked on the new leg and was answered there. The journal's replay of the first leg's
    hang-up, from before the booking, had ended the hold and made the callback due."""
    app = make_app(RESUME_CALLBACKS, account_sid="AC123")
    journaled = []

    def dropped(line, _queued, first) -> None:  # noqa: ANN001
        journaled.append(c.QueueResult(call_id=first, now=clock.now(), queue="support",
                                       policy="callback", result="hangup", queue_time_s=65.0,
                                       episode=0))
        line.twilio.post("/voice/status", {"CallSid": first, "CallStatus": "completed"})
    booked_after_a_drop(app, clock, dropped)
    BookingCall(clock, mocker)
    svc = app.extensions["holdwell"]
    for _ in range(3):
        clock.advance(ROUND_S)
        watch_once(svc.store.engine, svc.config.callbacks, clock.now(), client=svc.rest_client)
    assert callback_rows(app)[0]["booking_check"] == "on_line"
    with svc.store.engine.begin() as conn:  # the cut-off host's journal, replayed
        apply(conn, journaled[0])
    clock.advance(1)
    assert callback_rows(app)[0]["booking_check"] == "on_line"
    assert not agent_dials_customer(SignedClient(app.test_client(), AUTH_TOKEN))


def test_a_caller_on_the_line_stays_held_between_rounds_a_minute_apart(booked, clock):
    app, twilio, booking, booked_at = booked
    clock.advance(10)
    round_of(app, clock, 60)  # +10: asked
    clock.advance(60)
    assert round_of(app, clock, 60).bookings.still_on == [CALLER]  # +70
    clock.advance(35)  # +105; the next round is at +130
    assert not agent_dials_customer(twilio), f"held only until {hold_ends(app)}"


def test_an_operator_sees_why_a_held_callback_waits_and_the_audit_says_it_once(
        booked, clock):
    """Ten minutes on the line with the agent who answered them: the callbacks list (API and
    page) says until when and why it is held; the audit log says so once, not every round."""
    app, _, _, _ = booked
    svc = app.extensions["holdwell"]
    for _ in range(40):
        worker_round(app, clock)
    engine = svc.store.engine
    holds = [entry for entry in audit.page(engine).entries if entry.action == "callback.hold"]
    assert len(holds) == 1 and "past the confirmation" in holds[0].detail["reason"]
    users.add_user(engine, "operator", "operator", PASSWORD, clock.now())
    token = users.issue_token(engine, "operator", clock.now())
    client = app.test_client()
    (item,) = client.get("/api/v1/callbacks", headers=bearer(token)).get_json()["callbacks"]
    assert item["status"] == "pending"
    assert datetime.fromisoformat(item["held_until"]) == hold_ends(app) > clock.now()
    assert "still on the call they booked it from" in item["held_because"]
    page = Console(app, "operator").get("/console/callbacks").get_data(as_text=True)
    assert "data-held>held until" in page and "still on the call they booked it from" in page


def test_a_booking_at_a_full_queue_is_not_read(make_app, clock, mocker):
    """Booked at Twilio's queue-full (the overflow's offer): never in a queue where an agent
    could take them, so there is nothing to read."""
    app = make_app(FULL_LINE, account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=support", full_call("c1", From=CUSTOMER))
    twilio.post(FULL_RESULT, full_call("c1", From=CUSTOMER, QueueResult="queue-full"))
    pressed = twilio.post(FULL_CHOICE, full_call("c1", From=CUSTOMER, Digits="2"))
    confirm = parse(pressed.data).find("Gather").get("action")
    twilio.post(confirm, full_call("c1", From=CUSTOMER, Digits="1"))
    assert [row["number"] for row in callback_rows(app)] == [CUSTOMER]
    booking = BookingCall(clock, mocker)
    rounds_until(app, clock, clock.now() + timedelta(seconds=LEAVING_S + 30))
    assert booking.asked == []


def refusals_logged(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if "cannot say whether its caller left" in record.getMessage()]


def test_a_refusing_account_is_warned_of_once_and_then_every_ten_minutes(make_app, clock,
                                                                         mocker, caplog):
    """A rotated auth token: every round met Twilio's 401 and said so again, 240 lines an
    hour; now once, then every ten minutes with how many were held back, and at once again
    after a read that worked."""
    app = make_app(CONFIG, account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    booking = BookingCall(clock, mocker)
    booking.error = TwilioRestException(401, "https://api.twilio.com", "authenticate")
    caplog.set_level("WARNING", logger="holdwell.callbacks")
    for n in range(8):  # a booking each round, read within the round (each hold 45 s)
        enter(twilio, sid(f"CA{n + 10}"), clock)
        request_callback(twilio, sid(f"CA{n + 10}"), queue_time=60, leave=False)
        worker_round(app, clock, advance_s=LEAVING_S)
    assert len(booking.asked) == 8
    assert len(refusals_logged(caplog)) == 1
    clock.advance(600)
    enter(twilio, sid("CA30"), clock)
    request_callback(twilio, sid("CA30"), queue_time=60, leave=False)
    worker_round(app, clock, advance_s=LEAVING_S)
    said = refusals_logged(caplog)
    assert len(said) == 2 and "held back 7 more times since" in said[1]
    booking.error = None  # the token is put right: reads work again
    enter(twilio, sid("CA31"), clock)
    request_callback(twilio, sid("CA31"), queue_time=60, leave=False)
    worker_round(app, clock, advance_s=LEAVING_S)
    booking.error = TwilioRestException(403, "https://api.twilio.com", "forbidden")
    enter(twilio, sid("CA32"), clock)
    request_callback(twilio, sid("CA32"), queue_time=60, leave=False)
    worker_round(app, clock, advance_s=LEAVING_S)
    assert len(refusals_logged(caplog)) == 3
