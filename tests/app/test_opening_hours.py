"""Opening hours, live: a closed line says when it opens, books capped callbacks for that
opening, logs the call as closed (never an abandon), and dials no callback outside hours."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage import commands as c
from app.storage.deadline import Deadline
from app.storage.read import read_records_frame
from app.storage.schema import call_events, callbacks
from tests.app.test_voice_contract import call_row, logged_events
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.broken_store import break_store
from tests.support.locked_sqlite import locked_sqlite
from tests.support.request_budget import request_budget
from tests.support.sids import sid

LONDON = ZoneInfo("Europe/London")
SATURDAY = datetime(2026, 12, 5, 10, 0, tzinfo=LONDON)
MONDAY_8 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # GMT in December
CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
voice = "Polly.Amy"
[queues.support.hours]
timezone = "Europe/London"
monday = "08:00-18:00"
tuesday = "08:00-18:00"
wednesday = "08:00-18:00"
thursday = "08:00-18:00"
friday = ["08:00-12:00", "13:00-18:00"]
closed = ["2026-12-25", 2026-12-27]
callbacks_per_opening = 2
"""
FROM = "+14155550100"
BOOKED_WORDS = "We open on Monday at 8 AM, and we will call you back in turn from then."
"""What every booking for the Monday opening hears: in turn from the opening, not at it."""
BOOK = "/voice/closed/book?policy=callback&queue=support"


@pytest.fixture
def line(make_app, clock):
    clock.set(SATURDAY)
    app = make_app(CONFIG)
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def ring(twilio, name: str, caller: str = FROM):
    return twilio.post("/voice/incoming", {"CallSid": sid(name), "From": caller})


def press(twilio, name: str, digit: str = "1", caller: str = FROM):
    return twilio.post(BOOK, {"CallSid": sid(name), "From": caller, "Digits": digit})


def booked(app):
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(callbacks).order_by(callbacks.c.requested_at)).mappings().all()


def closed_events(app) -> list[dict]:
    """Every CLOSED event: its call and its data."""
    with app.extensions["holdwell"].store.engine.connect() as conn:
        rows = conn.execute(select(call_events.c.call_id, call_events.c.data).where(
            call_events.c.event == "CLOSED").order_by(call_events.c.id)).all()
    return [{"call_id": call_id, "data": json.loads(data)} for call_id, data in rows]


def test_a_saturday_caller_hears_when_the_line_opens_and_is_offered_a_callback(line):
    app, twilio = line
    answer = ring(twilio, "CA1")
    assert top_verbs(answer.data) == ["Say", "Gather", "Say", "Hangup"]  # never an Enqueue
    said = spoken(answer.data)
    assert "We are closed now. We open again on Monday at 8 AM." in said
    assert "number ending in 0 1 0 0 when we open, press 1" in said
    assert said.count("Thank you for calling") == 1 and said.endswith("Goodbye.")
    gather = parse(answer.data).find("Gather")
    assert gather.get("action") == ("/voice/closed/book?opens=2026-12-07T08%3A00%3A00%2B00%3A00"
                                    "&policy=callback&queue=support")  # the opening offered
    assert gather.get("numDigits") == "1"
    assert {s.get("voice") for s in parse(answer.data).iter("Say")} == {"Polly.Amy"}
    assert logged_events(app, sid("CA1")) == ["CLOSED"]
    assert call_row(app, sid("CA1"))["outcome"] == "closed"


def test_the_hang_up_after_the_message_is_never_an_abandon(line):
    app, twilio = line
    ring(twilio, "CA1")
    twilio.post("/voice/status", {"CallSid": sid("CA1"), "CallStatus": "completed"})
    row = call_row(app, sid("CA1"))
    assert row["outcome"] == "closed" and row["entered_at"] is None
    assert "ABANDON" not in logged_events(app, sid("CA1"))
    url = str(app.extensions["holdwell"].store.engine.url)
    assert sid("CA1") not in set(read_records_frame(url)["call_id"])  # no queue's call record


def test_pressing_the_key_books_a_callback_due_at_the_opening(line):
    app, twilio = line
    ring(twilio, "CA1")
    confirmed = press(twilio, "CA1")
    assert top_verbs(confirmed.data) == ["Say", "Hangup"]
    assert BOOKED_WORDS in spoken(confirmed.data)
    [row] = booked(app)
    assert row["call_id"] == sid("CA1") and row["number"] == FROM and row["status"] == "pending"
    assert row["due_at"].replace(tzinfo=UTC) == MONDAY_8
    assert row["next_attempt_at"].replace(tzinfo=UTC) == MONDAY_8
    assert logged_events(app, sid("CA1")) == ["CLOSED", "CALLBACK_REQUESTED"]
    record = call_row(app, sid("CA1"))
    assert record["outcome"] == "closed" and record["callback_requested"]
    press(twilio, "CA1")  # Twilio retries the Gather action: still one booking
    assert len(booked(app)) == 1


def test_bookings_for_one_opening_are_told_they_are_called_in_turn_from_it_not_at_it(line):
    """Bookings are dialled one after another from the opening, so the last of a full
    opening is called long after it: every booking had been promised "We will call you back
    on Monday at 8 AM" (caller audit 34, D6). Each now hears words true for all of them."""
    app, twilio = line
    for n, caller in enumerate(["+14155550101", "+14155550102"]):
        ring(twilio, f"CA{n}", caller)
        said = spoken(press(twilio, f"CA{n}", caller=caller).data)
        assert said == f"Thank you. {BOOKED_WORDS} Goodbye."
        assert "call you back on Monday" not in said and "back at 8" not in said
    assert len(booked(app)) == 2
    ring(twilio, "CA9", "+14155550109")  # the cap of 2 is reached meanwhile
    full = spoken(press(twilio, "CA9", caller="+14155550109").data)
    assert full.startswith("Sorry, all the call backs we can make after we open on Monday at "
                           "8 AM are booked.")


def test_another_key_is_told_it_does_nothing_and_offered_once_more_then_told_nothing_is_booked(
        line):
    """A wrong key at the offer had heard only "Thank you for calling. Goodbye." (caller audit
    34, D7): it sounded like a confirmation, with nothing booked and no second try."""
    app, twilio = line
    ring(twilio, "CA1")
    answer = press(twilio, "CA1", digit="9")
    assert top_verbs(answer.data) == ["Say", "Gather", "Say", "Hangup"]
    assert spoken(answer.data).startswith("Sorry, that key does nothing here. If you would "
                                          "like us to call you back at the number ending in "
                                          "0 1 0 0 when we open, press 1 now.")
    assert "No call back has been booked." in spoken(answer.data)  # if no key follows
    assert "Thank you" not in spoken(answer.data) and booked(app) == []
    again = parse(answer.data).find("Gather").get("action")
    assert "again=1" in again and "opens=2026-12-07T08" in again
    last = twilio.post(again, {"CallSid": sid("CA1"), "From": FROM, "Digits": "2"})
    assert top_verbs(last.data) == ["Say", "Say", "Hangup"]
    assert spoken(last.data) == ("Sorry, that key does nothing here. No call back has been "
                                 "booked. If you would like one, please call again. Goodbye.")
    assert booked(app) == []
    ring(twilio, "CA2")  # the second try books as the first would have
    retry = parse(press(twilio, "CA2", digit="#").data).find("Gather").get("action")
    second = twilio.post(retry, {"CallSid": sid("CA2"), "From": FROM, "Digits": "1"})
    assert BOOKED_WORDS in spoken(second.data)
    assert [row["call_id"] for row in booked(app)] == [sid("CA2")]


def test_no_key_books_nothing(line):
    app, twilio = line
    ring(twilio, "CA1")
    answer = press(twilio, "CA1", digit="")
    assert top_verbs(answer.data) == ["Say", "Hangup"] and "Goodbye" in spoken(answer.data)
    assert booked(app) == []


def test_the_cap_per_opening_stops_the_offer_and_a_late_press_hears_it_is_full(line):
    app, twilio = line
    for name in ("CA1", "CA2", "CA3"):
        assert parse(ring(twilio, name).data).find("Gather") is not None
    press(twilio, "CA1")
    press(twilio, "CA2", caller="+14155550101")
    late = press(twilio, "CA3", caller="+14155550102")  # offered before the cap filled
    assert "are booked" in spoken(late.data)
    assert len(booked(app)) == 2
    fourth = ring(twilio, "CA4", caller="+14155550103")
    assert top_verbs(fourth.data) == ["Say", "Say", "Hangup"]  # told when, no offer
    assert logged_events(app, sid("CA4")) == ["CLOSED"]


def test_no_offer_for_a_withheld_number_or_a_queue_without_callbacks(make_app, clock):
    clock.set(SATURDAY)
    app = make_app(CONFIG.replace('policy = "callback"', 'policy = "checkin"')
                   .replace("callbacks_per_opening = 2", ""))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    assert parse(ring(twilio, "CA1").data).find("Gather") is None
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    assert parse(ring(twilio, "CA2", caller="anonymous").data).find("Gather") is None


def test_open_hours_enqueue_as_before(line, clock):
    _, twilio = line
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=LONDON))
    assert top_verbs(ring(twilio, "CA1").data)[-1] == "Enqueue"
    clock.set(datetime(2026, 12, 11, 12, 30, tzinfo=LONDON))  # Friday's lunch break
    assert "Enqueue" not in top_verbs(ring(twilio, "CA2").data)
    assert "today at 1 PM" in spoken(ring(twilio, "CA3").data)


def test_closed_dates_and_the_day_the_clocks_go_forward(line, clock):
    _, twilio = line
    clock.set(datetime(2026, 12, 24, 18, 30, tzinfo=LONDON))  # Christmas Eve, evening
    assert "on Saturday" not in spoken(ring(twilio, "CA1").data)
    assert "We open again on Monday at 8 AM" in spoken(ring(twilio, "CA2").data)
    # Saturday 28 March 2026, 21:00 GMT; the clocks go to BST on Sunday: Monday 8 AM is 07:00 UTC
    clock.set(datetime(2026, 3, 28, 21, 0, tzinfo=UTC))
    assert "on Monday at 8 AM" in spoken(ring(twilio, "CA3").data)
    press(twilio, "CA3")
    app = twilio.application
    [row] = [r for r in booked(app) if r["call_id"] == sid("CA3")]
    assert row["due_at"].replace(tzinfo=UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def agent_takes(twilio, name: str) -> bytes:
    return twilio.post("/voice/agent?queue=support", {"CallSid": sid(name),
                                                      "To": "+14155550000"}).data


def test_callbacks_are_never_dialled_outside_hours_or_before_they_are_due(line, clock):
    app, twilio = line
    ring(twilio, "CA1")
    press(twilio, "CA1")
    # a callback promised inside the queue on Friday evening, still pending when it closed
    store = app.extensions["holdwell"].store
    clock.set(datetime(2026, 12, 4, 17, 55, tzinfo=UTC))
    store.store_now(c.RequestCallback(call_id=sid("CA9"), now=clock.now(), queue="support",
                                      number="+14155550109", digit="2", queue_time_s=120),
                    Deadline(5.0))
    for moment in (datetime(2026, 12, 4, 18, 5, tzinfo=UTC), SATURDAY,
                   datetime(2026, 12, 7, 7, 59, 59, tzinfo=UTC)):
        clock.set(moment)
        taken = agent_takes(twilio, "CAagent1")
        assert parse(taken).find("Dial/Number") is None, moment
        assert parse(taken).find("Dial/Queue") is not None
    clock.set(MONDAY_8)
    first = agent_takes(twilio, "CAagent1")
    second = agent_takes(twilio, "CAagent2")
    assert parse(first).find("Dial/Number").text == "+14155550109"  # the older promise first
    assert parse(second).find("Dial/Number").text == FROM
    # a promise made in the queue: its wait since first calling; a booking made while the
    # line was shut never waited (its agent had heard "waiting 3,780 minutes since first
    # calling" and would have apologised for it; a reviewer's finding)
    assert "waiting" in spoken(first) and "since first calling" in spoken(first)
    assert "asked for this call back while we were closed" in spoken(second)
    assert "waiting" not in spoken(second)


def test_the_booking_is_logged_with_its_opening(line):
    app, twilio = line
    ring(twilio, "CA1")
    press(twilio, "CA1")
    with app.extensions["holdwell"].store.engine.connect() as conn:
        data = dict(conn.execute(select(call_events.c.event, call_events.c.data).where(
            call_events.c.call_id == sid("CA1"))).all())
    assert '"opens_at": "2026-12-07T08:00:00+00:00"' in data["CLOSED"]
    assert '"offered_callback": true' in data["CLOSED"]
    assert '"due_at": "2026-12-07T08:00:00+00:00"' in data["CALLBACK_REQUESTED"]


@pytest.fixture
def broken_line(line, monkeypatch):
    """A bug behind every store call, as in test_webhook_edges."""
    app, twilio = line
    break_store(app, monkeypatch)
    return app, twilio


def test_a_failing_incoming_route_still_says_the_line_is_closed(broken_line):
    _, twilio = broken_line
    answer = ring(twilio, "CA1")
    assert top_verbs(answer.data) == ["Say", "Say", "Hangup"]
    assert "We open again on Monday at 8 AM" in spoken(answer.data)


def test_a_booking_that_cannot_be_stored_is_not_confirmed(broken_line):
    _, twilio = broken_line
    answer = press(twilio, "CA1")
    assert top_verbs(answer.data) == ["Say", "Hangup"]
    assert "could not book a call back" in spoken(answer.data)


def test_concurrent_bookings_on_postgresql_never_pass_the_cap(make_app, clock, postgres_url):
    """Twelve callers press at the same moment for one opening with room for three."""
    from concurrent.futures import ThreadPoolExecutor

    clock.set(SATURDAY)
    app = make_app(CONFIG.replace("callbacks_per_opening = 2", "callbacks_per_opening = 3"),
                   database_url=postgres_url)
    store = app.extensions["holdwell"].store

    def book(n: int) -> bool:
        return store.store_now(c.BookCallback(
            call_id=sid(f"CA{n}"), now=clock.now(), queue="support",
            number=f"+1415555{n:04d}", digit="1", due_at=MONDAY_8.isoformat(), cap=3),
            Deadline(10.0))

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(book, range(12)))
    assert sum(results) == 3
    assert len(booked(app)) == 3


def test_the_rest_watch_never_rings_a_callback_while_its_queue_is_closed(make_app, clock,
                                                                         mocker):
    from app.callback_placer import RestPlacer
    from app.callback_watch import watch_once
    from hold_policies.config import CallbacksConfig
    from tests.app.test_callback_rest import PUBLIC, REST_CONFIG
    from tests.app.test_callbacks import enter
    from tests.app.test_voice_contract import request_callback

    clock.set(datetime(2026, 12, 7, 17, 50, tzinfo=UTC))  # Monday, ten minutes before closing
    app = make_app(REST_CONFIG + '[queues.support.hours]\ntimezone = "Europe/London"\n'
                   'monday = "08:00-18:00"\n', account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    for n in range(3):  # departures, so the offer promises a time (as in test_callback_rest)
        twilio.post("/voice/connect?queue=support", {"CallSid": sid(f"CAold{n}"),
                                                     "QueueTime": "9"})
        clock.advance(20)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    services = app.extensions["holdwell"]
    create = mocker.patch.object(services.rest_client.calls, "create")
    settings = CallbacksConfig(at_risk_margin_s=3600)
    placer = RestPlacer.configured(services.rest_client, PUBLIC, "+14155550000", settings)
    clock.set(datetime(2026, 12, 7, 18, 30, tzinfo=UTC))  # at risk, but closed
    report = watch_once(services.store.engine, settings, clock.now(), placer,
                        services.config.is_open)
    assert report.overdue == [sid("CA1")] or report.at_risk == [sid("CA1")]
    assert report.placed == [] and not create.called
    clock.set(datetime(2026, 12, 14, 8, 0, tzinfo=UTC))  # the next opening: next Monday
    report = watch_once(services.store.engine, settings, clock.now(), placer,
                        services.config.is_open)
    assert report.placed == [sid("CA1")] and create.call_count == 1


def test_closed_line_commands_survive_the_journal():
    now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    for command in (c.Closed(call_id=sid("CA1"), now=now, queue="support", policy="callback",
                             from_number=FROM, opens_at=MONDAY_8.isoformat(),
                             offered_callback=True),
                    c.BookCallback(call_id=sid("CA1"), now=now, queue="support", number=FROM,
                                   digit="1", due_at=MONDAY_8.isoformat(), cap=3)):
        assert c.from_json(command.to_json()) == command


def test_the_wallboard_rates_leave_closed_calls_out(app):
    from sqlalchemy import insert

    from app.console.live_state import start_of_day, today_stats
    from app.storage.schema import calls
    from app.storage.wallboard import day_counts

    now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    rows = [{"call_id": f"C{n}", "queue": "support", "policy": "checkin", "arrived_at": now,
             "entered_at": None if outcome == "closed" else now, "outcome": outcome,
             "wait_s": 10} for n, outcome in enumerate(
                 ["answered"] * 5 + ["abandoned"] + [None] * 2 + ["closed"] * 4)]
    engine = app.extensions["holdwell"].store.engine
    with engine.begin() as conn:
        conn.execute(insert(calls), rows)
        since = start_of_day(now)
        stats = today_stats(day_counts(conn, "support", since, 20.0), since, "UTC")
    assert stats.calls == 6 and stats.unserved_rate == pytest.approx(1 / 6)


def test_one_callback_per_person_holds_for_bookings_while_closed_too(line):
    """Ringing twice while closed and pressing the key both times books one callback (the
    second press comes from the first call's offer, heard before the booking)."""
    app, twilio = line
    ring(twilio, "first try")
    ring(twilio, "second try")
    press(twilio, "first try")
    again = press(twilio, "second try")
    assert BOOKED_WORDS in spoken(again.data)
    assert [row["call_id"] for row in booked(app)] == [sid("first try")]


def test_a_caller_whose_callback_stands_hears_so_and_is_not_offered_another(line):
    """Ringing again after booking: no second offer (a key pressed would only have said
    "booked" again), but what stands and when it comes; other numbers are still offered."""
    app, twilio = line
    ring(twilio, "first try")
    press(twilio, "first try")
    again = ring(twilio, "second try")
    said = spoken(again.data)
    assert "You already have a call back booked for this number. We open on Monday at 8 AM, " \
           "and we will call you back in turn from then." in said
    assert parse(again.data).find(".//Gather") is None and "press" not in said.lower()
    assert top_verbs(again.data) == ["Say", "Say", "Say", "Hangup"]
    other = ring(twilio, "someone else", caller="+14155550199")
    assert parse(other.data).find(".//Gather") is not None
    offered = {e["call_id"]: e["data"]["offered_callback"] for e in closed_events(app)}
    assert offered == {sid("first try"): True, sid("second try"): False,
                       sid("someone else"): True}


def test_the_standing_callback_words_are_the_operators(make_app, clock):
    clock.set(SATURDAY)
    words = '[queues.support.hours.words]\nalready_booked = "Still booked: {opens}."\n'
    app = make_app(CONFIG + words)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    ring(twilio, "first try")
    press(twilio, "first try")
    assert "Still booked: on Monday at 8 AM." in spoken(ring(twilio, "again").data)


def test_an_unreadable_log_still_offers_when_no_cap_needs_checking(make_app, clock, sqlite_url):
    """The lookup missing its budget costs no offer where no cap is at stake: pressing the
    key then books, or finds theirs standing, and says which."""
    clock.set(SATURDAY)
    app = make_app(CONFIG.replace("callbacks_per_opening = 2\n", ""))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    ring(twilio, "warm up", caller="+14155550199")
    with locked_sqlite(sqlite_url, "EXCLUSIVE"), request_budget(app, 0.2):
        answer = ring(twilio, "first try")  # nobody reads or writes the file
    assert parse(answer.data).find(".//Gather") is not None
    app.extensions["holdwell"].store.runner.down_until = 0.0  # past the breaker's moment
    assert BOOKED_WORDS in spoken(press(twilio, "first try").data)


OVERFLOWING = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
[queues.support.hours]
timezone = "UTC"
monday = "08:00-18:00"
[queues.support.overflow]
max_wait_s = 300
when_full = true
voicemail = true
"""


@pytest.mark.parametrize(("at", "offered"), [((17, 59), False), ((16, 30), True)])
def test_the_overflow_offers_a_callback_only_while_the_line_stays_open_to_keep_it(
        make_app, clock, at, offered):
    """A callback or message "when your turn comes" has no window: like the callback
    policy's, it needs the line open an hour. At 17:59 the offer, the keys and queue-full
    promise nothing; at 16:30 all three offer it."""
    app = make_app(OVERFLOWING)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    clock.set(datetime(2026, 12, 7, at[0], at[1], tzinfo=UTC))
    form = {"CallSid": sid("late"), "From": "+14155550123", "QueuePosition": "4",
            "CurrentQueueSize": "4"}
    twilio.post("/voice/incoming?queue=support", form)
    wait = twilio.post("/voice/wait?policy=checkin&queue=support", {**form, "QueueTime": "420"})
    assert ("Press 2" in spoken(wait.data)) is offered
    pressed = twilio.post("/voice/choice?policy=checkin&queue=support",
                          {**form, "QueueTime": "425", "Digits": "2"})
    assert ("close too soon" in spoken(pressed.data)) is not offered
    if offered:  # the number read back, then confirmed
        confirm = parse(pressed.data).find("Gather").get("action")
        done = twilio.post(confirm, {**form, "QueueTime": "430", "Digits": "1"})
        assert "Leave" in top_verbs(done.data)
    full = twilio.post("/voice/queue-result?policy=checkin&queue=support",
                       {"CallSid": sid("full"), "From": "+14155550124",
                        "QueueResult": "queue-full"})
    assert ("Press 2" in spoken(full.data)) is offered
    with app.extensions["holdwell"].store.engine.connect() as conn:
        booked = conn.execute(select(callbacks.c.call_id)).scalars().all()
    assert booked == ([sid("late")] if offered else [])


def test_a_key_pressed_just_after_the_opening_books_for_the_opening_it_was_offered(line):
    """Offered at 07:59:50 for 08:00, pressed at 08:00:02: booked for 08:00, and counted in
    that opening's cap (stored as due 08:00:02 it was a bucket of its own, so the opening
    took 3 bookings for a cap of 2)."""
    app, twilio = line
    clock = app.extensions["holdwell"].clock
    clock.set(MONDAY_8.replace(hour=7, minute=59, second=50))
    offers = {}
    for name in ("CA1", "CA2", "CA3"):
        offers[name] = parse(ring(twilio, name).data).find("Gather").get("action")
    assert "opens=2026-12-07T08%3A00%3A00%2B00%3A00" in offers["CA1"]
    twilio.post(offers["CA1"], {"CallSid": sid("CA1"), "From": FROM, "Digits": "1"})
    twilio.post(offers["CA2"], {"CallSid": sid("CA2"), "From": "+14155550101", "Digits": "1"})
    clock.set(MONDAY_8.replace(second=2))  # the line has just opened
    late = twilio.post(offers["CA3"], {"CallSid": sid("CA3"), "From": "+14155550102",
                                       "Digits": "1"})
    assert "are booked" in spoken(late.data)  # the opening's cap of 2 holds
    rows = booked(app)
    assert len(rows) == 2 and {r["due_at"].replace(tzinfo=UTC) for r in rows} == {MONDAY_8}


def test_a_key_pressed_after_the_opening_is_booked_for_it_not_for_the_press(line):
    app, twilio = line
    clock = app.extensions["holdwell"].clock
    clock.set(MONDAY_8.replace(hour=7, minute=59, second=55))
    offer = parse(ring(twilio, "CA1").data).find("Gather").get("action")
    clock.set(MONDAY_8.replace(second=3))
    confirmed = twilio.post(offer, {"CallSid": sid("CA1"), "From": FROM, "Digits": "1"})
    assert "call you back" in spoken(confirmed.data)
    [row] = booked(app)
    assert row["due_at"].replace(tzinfo=UTC) == MONDAY_8


@pytest.mark.parametrize("told", ["2026-12-07T09:00:00+00:00", "2026-12-07T08:00:00",
                                  "not a time", "2026-12-01T08:00:00+00:00"])
def test_an_opening_in_the_url_that_is_not_the_offered_one_books_the_real_next(line, told):
    """Not an opening, naive, garbage, or long past: the booking is for the line's next
    opening as it always was."""
    app, twilio = line
    ring(twilio, "CA1")
    twilio.post(f"{BOOK}&opens={told}", {"CallSid": sid("CA1"), "From": FROM, "Digits": "1"})
    [row] = booked(app)
    assert row["due_at"].replace(tzinfo=UTC) == MONDAY_8
