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

from app.booking_checks import CHECK_AHEAD_S, RECHECK_S
from app.callback_watch import watch_once
from app.callback_worker import report_line
from app.claim_checks import CHECK_LIMIT_S
from app.signed_client import SignedClient
from app.storage import audit
from app.storage.callback_requests import LEAVING_S
from app.storage.db import as_utc
from tests.app.test_callbacks import CONFIG, callback_rows, enter
from tests.app.test_voice_contract import request_callback
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CALLER = sid("CA1")
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
