"""Issue 16 item 2: one callback per person, and a caller who rings back is recognised.

The same number asking again while a callback is outstanding hears that it already has one
(no second request); a caller who rings back in while theirs is pending chooses: keep it
(the new call is never queued) or wait on the line (the callback is cancelled first). Never
both, in any order of such calls (hypothesis).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.signed_client import SignedClient
from app.storage.read import read_records_frame
from app.storage.schema import call_events, callbacks, calls
from tests.app.test_callbacks import CONFIG
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.fresh_app import fresh_app
from tests.support.locked_sqlite import locked_sqlite
from tests.support.request_budget import request_budget
from tests.support.sids import sid

WAIT = "/voice/wait?policy=callback&queue=support"
CHOICE = "/voice/choice?policy=callback&queue=support"
NUMBER = "+14155550100"


def engine_of(app):
    return app.extensions["holdwell"].store.engine


def outstanding(app) -> list[tuple[str, str]]:
    with engine_of(app).connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(callbacks.c.call_id, callbacks.c.number).where(
                callbacks.c.status.in_(["pending", "claimed", "on_line"])))]


def join(twilio: SignedClient, call: str, number: str = NUMBER, waited: int = 60):
    """Ring in; if the line enqueues the caller, poll once as Twilio would."""
    answer = twilio.post("/voice/incoming?queue=support", {"CallSid": call, "From": number})
    if parse(answer.data).find("Enqueue") is not None:
        twilio.post(WAIT, {"CallSid": call, "QueueTime": str(waited), "QueuePosition": "1",
                           "CurrentQueueSize": "1"})
    return answer


def ask_for_callback(twilio: SignedClient, call: str, number: str = NUMBER):
    """Ask, confirm, and leave the line as Twilio does after the <Leave/> (a callback rings
    only once its caller is off the queue call)."""
    gather = {"CallSid": call, "From": number, "Digits": "2"}
    offer = twilio.post(CHOICE, gather)
    confirmed = twilio.post(parse(offer.data).find("Gather").get("action"),
                            {**gather, "Digits": "1"})
    if b"<Leave" in confirmed.data:
        twilio.post(CHOICE.replace("/voice/choice", "/voice/queue-result"),
                    {"CallSid": call, "QueueResult": "leave"}).close()
    return confirmed


@pytest.fixture
def line(make_app):
    app = make_app(CONFIG)
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def test_a_second_request_from_the_same_number_books_nothing_and_says_so(line):
    app, twilio = line
    first, second = sid("first"), sid("second")
    join(twilio, first)
    join(twilio, second)  # both in line before either asked (one office number, two phones)
    assert top_verbs(ask_for_callback(twilio, first).data) == ["Say", "Leave"]
    again = ask_for_callback(twilio, second)
    assert top_verbs(again.data) == ["Say", "Leave"]
    assert "already have a call back booked" in spoken(again.data)
    assert outstanding(app) == [(first, NUMBER)]  # one promise, never two dials
    with engine_of(app).connect() as conn:
        exit_data = conn.execute(select(call_events.c.data).where(
            call_events.c.call_id == second, call_events.c.event == "EXITWITHKEY")).scalar_one()
        asked = conn.execute(select(func.count()).select_from(call_events).where(
            call_events.c.call_id == second,
            call_events.c.event == "CALLBACK_REQUESTED")).scalar_one()
    assert json.loads(exit_data)["already_booked"] == first and asked == 0


def test_another_number_still_gets_its_own_callback(line):
    app, twilio = line
    join(twilio, sid("a"))
    join(twilio, sid("b"), number="+14155550199")
    ask_for_callback(twilio, sid("a"))
    ask_for_callback(twilio, sid("b"), number="+14155550199")
    assert len(outstanding(app)) == 2


def booked_then_rings_back(line) -> tuple:
    app, twilio = line
    first, again = sid("booked"), sid("rings back")
    join(twilio, first)
    ask_for_callback(twilio, first)
    answer = join(twilio, again)
    return app, twilio, first, again, answer


def test_ringing_back_is_recognised_before_the_caller_is_queued(line):
    _, _, first, _, answer = booked_then_rings_back(line)
    assert parse(answer.data).find("Enqueue") is None
    assert "already have a call back booked" in spoken(answer.data)
    gather = parse(answer.data).find("Gather")
    assert gather.get("actionOnEmptyResult") == "true" and f"booked={first}" in gather.get("action")


@pytest.mark.parametrize("key", ["1", ""])
def test_keeping_the_callback_ends_the_new_call_without_queueing_or_abandoning_it(line, key):
    app, twilio, first, again, answer = booked_then_rings_back(line)
    action = parse(answer.data).find("Gather").get("action")
    kept = twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": key})
    assert top_verbs(kept.data) == ["Say", "Hangup"] and "as promised" in spoken(kept.data)
    twilio.post("/voice/status", {"CallSid": again, "CallStatus": "completed"})
    assert outstanding(app) == [(first, NUMBER)]
    with engine_of(app).connect() as conn:
        outcome = conn.execute(select(calls.c.outcome).where(calls.c.call_id == again)).scalar()
    assert outcome == "kept_callback"  # never an abandon, though they hung up
    records = read_records_frame(str(engine_of(app).url))
    assert again not in set(records["call_id"])  # no queue record: the person counts once


@pytest.mark.parametrize("key", ["9", "*", "#"])
def test_a_wrong_key_at_the_question_is_said_and_the_question_asked_once_more(line, key):
    """A key that does nothing is no decision: it had been answered "We will call you back as
    promised... Goodbye." and the call hung up (caller audit C6)."""
    app, twilio, first, again, answer = booked_then_rings_back(line)
    action = parse(answer.data).find("Gather").get("action")
    wrong = twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": key})
    assert top_verbs(wrong.data) == ["Say", "Gather"]  # no hang-up, nothing decided
    said = spoken(wrong.data)
    assert said.startswith("Sorry, that key does nothing here.")
    assert "To keep it, press 1" in said and "as promised" not in said
    gather = parse(wrong.data).find("Gather")
    assert gather.get("actionOnEmptyResult") == "true" and f"booked={first}" in gather.get("action")
    assert outstanding(app) == [(first, NUMBER)]
    waiting = twilio.post(gather.get("action"), {"CallSid": again, "From": NUMBER, "Digits": "2"})
    assert top_verbs(waiting.data) == ["Say", "Enqueue"]  # asked again, they chose to wait
    assert outstanding(app) == []


@pytest.mark.parametrize("second", ["9", ""])
def test_a_second_wrong_key_or_none_keeps_the_callback_as_no_key_does(line, second):
    app, twilio, first, again, answer = booked_then_rings_back(line)
    action = parse(answer.data).find("Gather").get("action")
    wrong = twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": "5"})
    kept = twilio.post(parse(wrong.data).find("Gather").get("action"),
                       {"CallSid": again, "From": NUMBER, "Digits": second})
    assert top_verbs(kept.data) == ["Say", "Hangup"] and "as promised" in spoken(kept.data)
    assert "does nothing" not in spoken(kept.data)
    twilio.post("/voice/status", {"CallSid": again, "CallStatus": "completed"})
    assert outstanding(app) == [(first, NUMBER)]
    with engine_of(app).connect() as conn:
        outcome = conn.execute(select(calls.c.outcome).where(calls.c.call_id == again)).scalar()
    assert outcome == "kept_callback"


def test_hanging_up_at_the_question_leaves_the_call_logged_as_kept_never_abandoned(line):
    """No key and no action: Twilio only sends the number's status callback. The call is in
    the log, with who rang, and ends as kept_callback (the callback stands), never bare."""
    app, twilio, first, again, _ = booked_then_rings_back(line)
    twilio.post("/voice/status", {"CallSid": again, "CallStatus": "completed", "From": NUMBER})
    with engine_of(app).connect() as conn:
        row = conn.execute(select(calls.c.queue, calls.c.policy, calls.c.from_number,
                                  calls.c.outcome, calls.c.wait_s)
                           .where(calls.c.call_id == again)).one()
    assert tuple(row) == ("support", "callback", NUMBER, "kept_callback", None)
    assert outstanding(app) == [(first, NUMBER)]
    records = read_records_frame(str(engine_of(app).url))
    assert again not in set(records["call_id"])  # never queued: not an abandon


def test_a_caller_who_chose_to_wait_then_hung_up_before_the_line_is_abandoned_not_kept(line):
    app, twilio, first, again, answer = booked_then_rings_back(line)
    action = parse(answer.data).find("Gather").get("action")
    twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": "2"})  # callback cancelled
    twilio.post("/voice/status", {"CallSid": again, "CallStatus": "completed", "From": NUMBER})
    with engine_of(app).connect() as conn:
        outcome = conn.execute(select(calls.c.outcome).where(calls.c.call_id == again)).scalar()
    assert outcome == "abandoned" and outstanding(app) == []


def test_waiting_instead_cancels_the_callback_first_then_queues_the_call(line):
    app, twilio, first, again, answer = booked_then_rings_back(line)
    action = parse(answer.data).find("Gather").get("action")
    waiting = twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": "2"})
    assert top_verbs(waiting.data) == ["Say", "Enqueue"]
    assert "welcome=" not in parse(waiting.data).find("Enqueue").get("waitUrl")  # told already
    assert outstanding(app) == []
    with engine_of(app).connect() as conn:
        status = conn.execute(select(callbacks.c.status).where(
            callbacks.c.call_id == first)).scalar_one()
    assert status == "cancelled"
    twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": "2"})  # Twilio retries
    assert outstanding(app) == []


def test_a_callback_already_being_dialled_is_not_traded_away(line):
    """Claimed by an agent just before its caller rang in (once they are asked, it is held
    back from claims: tests/app/test_returning_caller_honest.py)."""
    app, twilio = line
    first, again = sid("booked"), sid("rings back")
    join(twilio, first)
    ask_for_callback(twilio, first)
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent")})
    assert parse(agent.data).find(".//Number") is not None  # claimed: being dialled now
    answer = join(twilio, again)
    action = parse(answer.data).find("Gather").get("action")
    reply = twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": "2"})
    assert top_verbs(reply.data) == ["Say", "Hangup"] and "on its way" in spoken(reply.data)
    assert outstanding(app) == [(first, NUMBER)]


def test_a_slow_database_at_the_wait_instead_key_keeps_the_callback_and_says_so(make_app,
                                                                               sqlite_url):
    """The cancellation missing its budget is not "an agent is dialling you": the caller hears
    that their callback could not be changed and stands, and it does stand."""
    app = make_app(CONFIG)
    line = (app, SignedClient(app.test_client(), AUTH_TOKEN))
    _, twilio, first, again, answer = booked_then_rings_back(line)
    action = parse(answer.data).find("Gather").get("action")
    with locked_sqlite(sqlite_url), request_budget(app, 0.3):  # another writer holds it
        reply = twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": "2"})
    said = spoken(reply.data)
    assert top_verbs(reply.data) == ["Say", "Hangup"]
    assert "cannot change your call back just now" in said and "on its way" not in said
    assert outstanding(app) == [(first, NUMBER)]


# -- the property: never two outstanding callbacks for a number, never a callback and a wait --
NUMBERS = ("+14155550100", "+14155550101", "+14155550102")
OPS = st.one_of(st.tuples(st.just("ring"), st.integers(0, 2), st.sampled_from(["1", "2", ""])),
                st.tuples(st.just("ask"), st.integers(0, 2)),
                st.tuples(st.just("hang up"), st.integers(0, 2)),
                st.tuples(st.just("agent"), st.just(0)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=3, max_size=30))
def test_a_person_never_has_two_callbacks_nor_a_callback_and_a_place_on_the_line(ops):
    with fresh_app(CONFIG) as (app, clock):
        twilio = SignedClient(app.test_client(), AUTH_TOKEN)
        on_the_line: dict[str, str] = {}  # number -> the call of theirs waiting in the queue
        for n, (op, who, *rest) in enumerate(ops):
            clock.advance(30)
            number = NUMBERS[who]
            if op == "ring" and number not in on_the_line:  # one phone per person
                call = sid(f"call{n}")
                answer = join(twilio, call, number)
                gather = parse(answer.data).find("Gather")
                if parse(answer.data).find("Enqueue") is not None:
                    on_the_line[number] = call
                elif gather is not None and "booked=" in (gather.get("action") or ""):
                    reply = twilio.post(gather.get("action"),
                                        {"CallSid": call, "From": number, "Digits": rest[0]})
                    if parse(reply.data).find("Enqueue") is not None:
                        on_the_line[number] = call
            elif op == "ask" and number in on_the_line:
                left = ask_for_callback(twilio, on_the_line[number], number)
                if parse(left.data).find("Leave") is not None:
                    del on_the_line[number]
            elif op == "hang up" and number in on_the_line:
                twilio.post("/voice/queue-result?queue=support", {
                    "CallSid": on_the_line.pop(number), "QueueResult": "hangup",
                    "QueueTime": "30"})
            elif op == "agent":
                twilio.post("/voice/agent?queue=support", {"CallSid": sid(f"agent{n}")})
            held = [number for _, number in outstanding(app)]
            assert len(held) == len(set(held)), held  # never two for one person
            assert not set(held) & set(on_the_line), (held, on_the_line)  # never both


def test_two_calls_from_one_number_confirming_at_once_book_one_callback_on_postgresql(
    postgres_url
):
    """The check and the booking are serialised per number (an advisory lock): however the
    two transactions interleave, one books and the other finds it."""
    import threading
    from datetime import UTC, datetime

    from app.storage import commands as c
    from app.storage.apply import apply
    from app.storage.db import make_engine

    engine = make_engine(postgres_url)
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    results: dict[str, object] = {}
    start = threading.Barrier(8)

    def confirm(n: int) -> None:
        call = sid(f"together{n}")
        start.wait()
        with engine.begin() as conn:
            results[call] = apply(conn, c.RequestCallback(
                call_id=call, now=now, queue="support", number=NUMBER, digit="2",
                queue_time_s=60.0))

    threads = [threading.Thread(target=confirm, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as conn:
        booked = conn.execute(select(callbacks.c.call_id).where(
            callbacks.c.number == NUMBER)).scalars().all()
    engine.dispose()
    assert len(booked) == 1
    assert [call for call, found in results.items() if found.new] == booked
    assert all(found.already_booked == booked[0]
               for call, found in results.items() if call != booked[0])
