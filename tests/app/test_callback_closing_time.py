"""Near closing time, live: no callback is offered or confirmed whose window ends after the
line closes (callbacks are never placed while it is closed), and the caller who presses the
key anyway keeps their place and hears why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.signed_client import SignedClient
from tests.app.test_callback_window import ESTIMATING
from tests.app.test_callbacks import CONFIG, WAIT, callback_rows, enter
from tests.app.test_voice_contract import logged_events, request_callback, wait_form
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CLOSES_AT_SIX = ESTIMATING + ('[queues.support.hours]\ntimezone = "Europe/London"\n'
                              'monday = "08:00-18:00"\n')
CHOICE = "/voice/choice?policy=callback&queue=support"
NO_ESTIMATE_CLOSES_AT_SIX = CONFIG + ('[queues.support.hours]\ntimezone = "Europe/London"\n'
                                      'monday = "08:00-18:00"\n')


def checkin_at(twilio, clock, name: str, moment: datetime):
    """Four departures in the quarter of an hour before the check-in (a 30-minute window
    for the first caller in line, 45 minutes for the second), then `name` joins, and hears
    the first check-in a minute later, 16 minutes after `moment`."""
    clock.set(moment)
    for n in range(5):  # the first only starts the log: it is out of the window by then
        clock.advance(225 if n else 0)
        twilio.post("/voice/connect?queue=support", {"CallSid": sid(f"{name}old{n}"),
                                                     "QueueTime": "9"})
    enter(twilio, sid(name), clock)
    clock.advance(60)
    return twilio.post(WAIT, wait_form(sid(name), queue_time=60))


def test_ten_minutes_before_closing_a_30_minute_callback_is_neither_offered_nor_confirmed(
        make_app, clock):
    app = make_app(CLOSES_AT_SIX)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    # Monday 7 December 2026 (GMT: London time is UTC); the line closes at 18:00
    early = checkin_at(twilio, clock, "CAearly", datetime(2026, 12, 7, 16, 44, tzinfo=UTC))
    assert "we will call you back within 30 minutes" in spoken(early.data)  # time enough
    confirmed = request_callback(twilio, sid("CAearly"), queue_time=65)
    assert top_verbs(confirmed.data) == ["Say", "Leave"]
    assert "within 30 minutes" in spoken(confirmed.data)

    late = checkin_at(twilio, clock, "CAlate", datetime(2026, 12, 7, 17, 34, tzinfo=UTC))
    assert clock.now() == datetime(2026, 12, 7, 17, 50, tzinfo=UTC)  # 10 minutes to go
    assert "call you back" not in spoken(late.data)
    assert "Sorry to keep you waiting" in spoken(late.data)  # the check-in itself goes on
    pressed = twilio.post(CHOICE, {**wait_form(sid("CAlate"), queue_time=65), "Digits": "2"})
    said = spoken(pressed.data)
    assert "we close too soon to promise you a call back" in said
    assert "You keep your place in line" in said
    assert parse(pressed.data).find("Gather") is None  # no number read back to confirm
    assert "Leave" not in top_verbs(pressed.data)
    assert [row["call_id"] for row in callback_rows(app)] == [sid("CAearly")]
    assert "CALLBACK_REQUESTED" not in logged_events(app, sid("CAlate"))


def test_a_confirmation_that_comes_too_close_to_closing_keeps_the_caller_in_line(
        make_app, clock, caplog):
    """Offered at 17:28 (a 30-minute window ends at 17:58); the caller confirms their number
    at 17:31, when the window would end after 18:00: no promise, no error, their place kept."""
    app = make_app(CLOSES_AT_SIX)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    offered = checkin_at(twilio, clock, "CAslow", datetime(2026, 12, 7, 17, 12, tzinfo=UTC))
    assert "we will call you back within 30 minutes" in spoken(offered.data)
    form = {**wait_form(sid("CAslow"), queue_time=65), "Digits": "2"}
    read_back = twilio.post(CHOICE, form)
    action = parse(read_back.data).find("Gather").get("action")
    clock.advance(180)  # they listen to their number read back, then press 1
    confirmed = twilio.post(action, {**form, "Digits": "1"})
    assert confirmed.status_code == 200
    assert "we close too soon to promise you a call back" in spoken(confirmed.data)
    assert "Leave" not in top_verbs(confirmed.data)
    assert callback_rows(app) == []
    assert "could not take" not in spoken(confirmed.data)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_caller_still_in_line_after_closing_is_told_the_line_has_closed(make_app, clock):
    """Callers in line at closing time stay in line (nothing ends their wait), but one who
    pressed for a callback at 19:00 had heard "we close too soon" an hour after closing."""
    app = make_app(CLOSES_AT_SIX)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    checkin_at(twilio, clock, "CAstays", datetime(2026, 12, 7, 17, 30, tzinfo=UTC))
    clock.set(datetime(2026, 12, 7, 19, 0, tzinfo=UTC))
    pressed = twilio.post(CHOICE, {**wait_form(sid("CAstays"), queue_time=3600), "Digits": "2"})
    said = spoken(pressed.data)
    assert "our line has closed now, so we cannot promise you a call back" in said
    assert "close too soon" not in said and "You keep your place in line" in said
    assert "Leave" not in top_verbs(pressed.data)
    assert callback_rows(app) == []


def test_each_check_in_after_closing_says_the_line_has_closed_and_callers_are_still_answered(
        make_app, clock):
    """A caller still in line when the hours end had heard check-ins as if the line were
    open: nothing told them it had closed around them, nor that they would still be
    answered (caller audit 37, C1)."""
    app = make_app(CLOSES_AT_SIX)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    before = checkin_at(twilio, clock, "CAlate", datetime(2026, 12, 7, 17, 40, tzinfo=UTC))
    assert clock.now() == datetime(2026, 12, 7, 17, 56, tzinfo=UTC)
    assert "Sorry to keep you waiting" in spoken(before.data)
    assert "closed" not in spoken(before.data)
    for minutes_after_six in (1, 2):
        clock.set(datetime(2026, 12, 7, 18, minutes_after_six, tzinfo=UTC))
        poll = twilio.post(WAIT, wait_form(sid("CAlate"), queue_time=60 * (5 + minutes_after_six)))
        said = spoken(poll.data)
        assert ("Sorry to keep you waiting. Our line is now closed to new calls, but we will "
                "still answer everyone who is already waiting.") in said
        assert "call you back" not in said and "Leave" not in top_verbs(poll.data)


@pytest.mark.parametrize("words", ["We have closed. Please call again tomorrow from 8 AM.", ""])
def test_an_operator_whose_agents_leave_at_closing_words_it_otherwise_or_says_nothing(
        make_app, clock, words):
    app = make_app(CLOSES_AT_SIX
                   + f'\n[queues.support.prompts]\nclosed_while_waiting = "{words}"\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    checkin_at(twilio, clock, "CAlate", datetime(2026, 12, 7, 17, 40, tzinfo=UTC))
    clock.set(datetime(2026, 12, 7, 18, 1, tzinfo=UTC))
    said = spoken(twilio.post(WAIT, wait_form(sid("CAlate"), queue_time=360)).data)
    assert said.startswith("Sorry to keep you waiting. " + (words + " " if words else "")
                           + "You are next in line.")
    assert "closed to new calls" not in said


def test_a_callback_offered_near_closing_is_never_refused_to_the_caller_who_takes_it(
        make_app, clock):
    """An offer is made only where its promise still holds once the caller has taken it. A
    check-in at 16:59:50 had offered "we will call you back when your turn comes" (with no
    estimate the line must stay open an hour), and the caller who pressed 2 fifteen seconds
    later heard "Sorry, we close too soon to promise you a call back" (caller audit)."""
    app = make_app(NO_ESTIMATE_CLOSES_AT_SIX)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    offers = 0
    for n, offset_s in enumerate(range(-120, 31, 10)):  # check-ins 16:58 to 17:00:30
        name, number = f"CAtakes{n}", f"+141555501{n:02d}"
        clock.set(datetime(2026, 12, 7, 16, 59, tzinfo=UTC) + timedelta(seconds=offset_s))
        enter(twilio, sid(name), clock, caller=number)
        clock.advance(60)
        checkin = twilio.post(WAIT, {**wait_form(sid(name), queue_time=60), "From": number})
        if "call you back" not in spoken(checkin.data):
            continue
        offers += 1
        clock.advance(15)  # the offer's last words, then the key
        form = {**wait_form(sid(name), queue_time=75), "From": number, "Digits": "2"}
        pressed = twilio.post(CHOICE, form)
        assert "close too soon" not in spoken(pressed.data), clock.now()
        clock.advance(8)  # their number read back, then 1
        confirmed = twilio.post(parse(pressed.data).find("Gather").get("action"),
                                {**form, "Digits": "1"})
        assert top_verbs(confirmed.data) == ["Say", "Leave"], (clock.now(), spoken(confirmed.data))
    assert offers >= 3  # with over an hour to go the check-ins do offer
    assert len(callback_rows(app)) == offers
