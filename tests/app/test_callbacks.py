"""Callbacks: confirmed numbers, kept places, retries, failures, exactly-once claims."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage import callback_queue
from app.storage.schema import callbacks
from tests.app.test_voice_contract import call_row, logged_events, request_callback, wait_form
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[callbacks]
max_attempts = 2
retry_after_s = 300
[queues.support]
policy = "callback"
[queues.support.callback]
offer_without_estimate_after_s = 0
"""
WAIT = "/voice/wait?policy=callback&queue=support"
CHOICE = "/voice/choice?policy=callback&queue=support"


def enter(twilio, call_id: str, clock, at_s: float = 0, caller: str = "+14155550100"):
    twilio.post("/voice/incoming", {"CallSid": call_id, "From": caller})
    twilio.post(WAIT, {**wait_form(call_id, queue_time=0), "From": caller})


def callback_rows(app):
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(callbacks).order_by(callbacks.c.entered_at)).mappings().all()


def test_the_offer_reads_back_the_caller_id_and_confirming_commits_then_leaves(
    cb_app, twilio_cb, clock
):
    enter(twilio_cb, sid("CA1"), clock)
    offer = twilio_cb.post(CHOICE, {**wait_form(sid("CA1"), queue_time=70), "Digits": "2"})
    gather = parse(offer.data).find("Gather")
    assert "ending in 0 1 0 0" in spoken(offer.data)
    assert gather.get("numDigits") == "1"
    confirmed = twilio_cb.post(gather.get("action"), {**wait_form(sid("CA1"), 75), "Digits": "1"})
    assert top_verbs(confirmed.data) == ["Say", "Leave"]
    assert "at the number you are calling from" in spoken(confirmed.data)
    [row] = callback_rows(cb_app)
    assert row["number"] == "+14155550100" and row["status"] == "pending"
    assert {"CALLBACK_REQUESTED", "EXITWITHKEY"} <= set(logged_events(cb_app, sid("CA1")))


def test_no_caller_is_told_to_hang_up_before_the_callback_is_stored(cb_app, twilio_cb, clock):
    """The offer used to say "press 2, hang up, and we will call you back", but 2 only asks
    to confirm the number: a caller who did as told was never called back and was counted as
    an abandon. Only the confirmation, said once the request is stored, says to hang up."""
    enter(twilio_cb, sid("CA1"), clock)
    offer = spoken(twilio_cb.post(WAIT, wait_form(sid("CA1"), queue_time=70)).data)
    assert "press 2" in offer and "call you back" in offer
    question = twilio_cb.post(CHOICE, {**wait_form(sid("CA1"), queue_time=72), "Digits": "2"})
    confirmed = twilio_cb.post(parse(question.data).find("Gather").get("action"),
                               {**wait_form(sid("CA1"), 78), "Digits": "1"})
    assert "hang up" not in offer.lower() and "hang up" not in spoken(question.data).lower()
    assert "You can hang up now" in spoken(confirmed.data)
    assert [row["status"] for row in callback_rows(cb_app)] == ["pending"]


def test_caller_can_key_in_another_number(cb_app, twilio_cb, clock):
    enter(twilio_cb, sid("CA1"), clock)
    offer = twilio_cb.post(CHOICE, {**wait_form(sid("CA1"), queue_time=70), "Digits": "2"})
    entry = twilio_cb.post(parse(offer.data).find("Gather").get("action"),
                           {**wait_form(sid("CA1"), 72), "Digits": "2"})
    gather = parse(entry.data).find("Gather")
    assert gather.get("finishOnKey") == "#" and "area code" in spoken(entry.data)
    check = twilio_cb.post(gather.get("action"),
                           {**wait_form(sid("CA1"), 80), "Digits": "2125550199"})
    assert "call you back at 2 1 2, 5 5 5, 0 1 9 9. Press 1" in spoken(check.data)
    done = twilio_cb.post(parse(check.data).find("Gather").get("action"),
                          {**wait_form(sid("CA1"), 85), "Digits": "1"})
    assert top_verbs(done.data) == ["Say", "Leave"]
    confirmation = spoken(done.data)  # the number they keyed, not the one they call from
    assert "call you back at 2 1 2, 5 5 5, 0 1 9 9," in confirmation  # as keyed: no "1"
    assert "calling from" not in confirmation
    assert callback_rows(cb_app)[0]["number"] == "+12125550199"


def test_a_wrong_key_at_the_number_check_is_said_and_the_check_asked_once_more(
        cb_app, twilio_cb, clock):
    """A key that does nothing at "press 1 to confirm, or 2 for another number" is no
    decision: it had been answered "No problem. You keep your place in line." and the
    callback silently dropped (caller audit C6)."""
    enter(twilio_cb, sid("CA1"), clock)
    offer = twilio_cb.post(CHOICE, {**wait_form(sid("CA1"), queue_time=70), "Digits": "2"})
    wrong = twilio_cb.post(parse(offer.data).find("Gather").get("action"),
                           {**wait_form(sid("CA1"), 75), "Digits": "5"})
    said = spoken(wrong.data)
    assert said.startswith("Sorry, that key does nothing here.")
    assert "We will call you back at the number ending in 0 1 0 0. Press 1" in said
    assert top_verbs(wrong.data) == ["Say", "Gather", "Say"]  # no key: keeps their place
    confirmed = twilio_cb.post(parse(wrong.data).find("Gather").get("action"),
                               {**wait_form(sid("CA1"), 80), "Digits": "1"})
    assert top_verbs(confirmed.data) == ["Say", "Leave"]
    assert [row["number"] for row in callback_rows(cb_app)] == ["+14155550100"]


@pytest.mark.parametrize("second", ["7", "#", ""])
def test_a_second_wrong_key_or_none_at_the_number_check_keeps_the_callers_place(
        cb_app, twilio_cb, clock, second):
    enter(twilio_cb, sid("CA1"), clock)
    offer = twilio_cb.post(CHOICE, {**wait_form(sid("CA1"), queue_time=70), "Digits": "2"})
    wrong = twilio_cb.post(parse(offer.data).find("Gather").get("action"),
                           {**wait_form(sid("CA1"), 75), "Digits": "9"})
    form = {**wait_form(sid("CA1"), 80), **({"Digits": second} if second else {})}
    again = twilio_cb.post(parse(wrong.data).find("Gather").get("action"), form)
    assert top_verbs(again.data) == ["Say"]  # back to the wait, asked no more
    assert spoken(again.data) == "No problem. You keep your place in line."
    assert callback_rows(cb_app) == []


def test_a_wrong_key_at_a_keyed_numbers_check_reads_that_number_again(cb_app, twilio_cb,
                                                                      clock):
    enter(twilio_cb, sid("CA1"), clock)
    offer = twilio_cb.post(CHOICE, {**wait_form(sid("CA1"), queue_time=70), "Digits": "2"})
    entry = twilio_cb.post(parse(offer.data).find("Gather").get("action"),
                           {**wait_form(sid("CA1"), 72), "Digits": "2"})
    check = twilio_cb.post(parse(entry.data).find("Gather").get("action"),
                           {**wait_form(sid("CA1"), 80), "Digits": "2125550199"})
    wrong = twilio_cb.post(parse(check.data).find("Gather").get("action"),
                           {**wait_form(sid("CA1"), 85), "Digits": "3"})
    said = spoken(wrong.data)
    assert said.startswith("Sorry, that key does nothing here.")
    assert "call you back at 2 1 2, 5 5 5, 0 1 9 9. Press 1" in said
    assert "ending in" not in said
    done = twilio_cb.post(parse(wrong.data).find("Gather").get("action"),
                          {**wait_form(sid("CA1"), 90), "Digits": "1"})
    assert top_verbs(done.data) == ["Say", "Leave"]
    assert [row["number"] for row in callback_rows(cb_app)] == ["+12125550199"]


def test_a_bad_number_is_asked_again_and_never_stored(cb_app, twilio_cb, clock):
    enter(twilio_cb, sid("CA1"), clock, caller="anonymous")
    offer = twilio_cb.post(CHOICE,
                           {**wait_form(sid("CA1"), 70), "Digits": "2", "From": "anonymous"})
    action = parse(offer.data).find("Gather").get("action")
    for _ in range(3):
        again = twilio_cb.post(action, {**wait_form(sid("CA1"), 80), "Digits": "123"})
        assert "not a number we can call" in spoken(again.data)
        gather = parse(again.data).find("Gather")
        if gather is None:
            break
        action = gather.get("action")
    assert gather is None and "keep your place" in spoken(again.data)
    # after the third, what was done is said plainly: "No problem" after a failure rang false
    assert spoken(again.data).endswith("not a number we can call. No call back is booked, "
                                       "and you keep your place in line.")
    assert callback_rows(cb_app) == []
    assert "CALLBACK_REQUESTED" not in logged_events(cb_app, sid("CA1"))


@pytest.mark.parametrize("keyed", ["004479111234561234567", "*" * 21, "1" * 200],
                         ids=["with-extension", "stars", "two-hundred-keys"])
def test_a_number_keyed_too_long_is_asked_again_not_refused(cb_app, twilio_cb, clock, keyed):
    """A Gather ended by # posts every key pressed (an extension, a fidgeting caller): more
    than a number can hold is a wrong number, asked again, not a 400 inside the wait."""
    enter(twilio_cb, sid("CA1"), clock, caller="anonymous")
    offer = twilio_cb.post(CHOICE,
                           {**wait_form(sid("CA1"), 70), "Digits": "2", "From": "anonymous"})
    again = twilio_cb.post(parse(offer.data).find("Gather").get("action"),
                           {**wait_form(sid("CA1"), 80), "Digits": keyed})
    assert again.status_code == 200
    assert "not a number we can call" in spoken(again.data)
    assert "tries=2" in parse(again.data).find("Gather").get("action")
    assert callback_rows(cb_app) == []


def test_no_key_at_the_confirmation_keeps_the_caller_waiting(cb_app, twilio_cb, clock):
    enter(twilio_cb, sid("CA1"), clock)
    offer = twilio_cb.post(CHOICE, {**wait_form(sid("CA1"), queue_time=70), "Digits": "2"})
    assert parse(offer.data)[-1].tag == "Say"  # after the Gather times out: keep waiting
    kept = twilio_cb.post(parse(offer.data).find("Gather").get("action"),
                          {**wait_form(sid("CA1"), 75), "Digits": "9"})
    assert "Leave" not in {v.tag for v in parse(kept.data).iter()}
    assert callback_rows(cb_app) == []


def test_an_older_callback_is_served_before_later_callers_in_the_queue(
    cb_app, twilio_cb, clock
):
    enter(twilio_cb, sid("CA-early"), clock)
    clock.advance(30)
    enter(twilio_cb, sid("CA-later"), clock)
    clock.advance(30)
    request_callback(twilio_cb, sid("CA-early"), queue_time=60)
    twilio_cb.post(WAIT, wait_form(sid("CA-later"), queue_time=30))
    agent = twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent1"), "To": "+14155550000"})
    assert top_verbs(agent.data) == ["Say", "Dial"]
    assert "waiting 1 minute since first calling" in spoken(agent.data)
    dial = parse(agent.data).find("Dial")
    assert dial.get("callerId") == "+14155550000"
    number = dial.find("Number")
    assert number.text == "+14155550100" and number.get("machineDetection") == "Enable"
    second = twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent2")})
    assert parse(second.data).find("Dial/Queue").text == "support"


def test_a_caller_who_entered_before_the_callback_is_served_first(cb_app, twilio_cb, clock):
    enter(twilio_cb, sid("CA-first"), clock)
    clock.advance(20)
    enter(twilio_cb, sid("CA-cb"), clock)
    request_callback(twilio_cb, sid("CA-cb"), queue_time=5)
    twilio_cb.post(WAIT, wait_form(sid("CA-first"), queue_time=20))
    agent = twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent1")})
    assert parse(agent.data).find("Dial/Queue") is not None


def answer(twilio, call_id: str, answered_by: str = "human"):
    return twilio.post(f"/voice/callback/answer?call={call_id}&queue=support",
                       {"CallSid": sid("CAleg"), "AnsweredBy": answered_by})


def dial_result(twilio, call_id: str, status: str, leg: str):
    return twilio.post(f"/voice/callback/dial-result?call={call_id}&queue=support",
                       {"CallSid": sid("CAagent"), "DialCallStatus": status, "DialCallSid": leg})


def test_busy_then_retry_after_spacing_then_connected(cb_app, twilio_cb, clock):
    enter(twilio_cb, sid("CA1"), clock)
    request_callback(twilio_cb, sid("CA1"), queue_time=60)
    twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent1")})
    busy = dial_result(twilio_cb, sid("CA1"), "busy", sid("CAleg1"))
    assert top_verbs(busy.data) == ["Say", "Redirect"]
    assert callback_rows(cb_app)[0]["status"] == "pending"
    early = twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent2")})
    assert parse(early.data).find("Dial/Queue") is not None  # retry waits for its spacing
    clock.advance(301)
    retry = twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent3")})
    assert parse(retry.data).find("Dial/Number") is not None
    greeting = answer(twilio_cb, sid("CA1"))
    assert "call back you asked for" in spoken(greeting.data)
    row = call_row(cb_app, sid("CA1"))
    assert row["outcome"] == "callback_connected" and row["callback_wait_s"] >= 301
    events = logged_events(cb_app, sid("CA1"))
    assert events.count("CALLBACK_ATTEMPT") == 2 and "CALLBACK_CONNECT" in events
    assert "ABANDON" not in events


def test_a_kept_callbacks_end_is_logged_once_for_the_twins_talk_times(cb_app, twilio_cb, clock):
    """The agent's Dial of the customer completes when their talk ends: CALLBACK_ENDED, from
    which the twin reads the agent busy (it had seen a free agent, and fitted too few)."""
    enter(twilio_cb, sid("CA1"), clock)
    request_callback(twilio_cb, sid("CA1"), queue_time=60)
    twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent1")})
    answer(twilio_cb, sid("CA1"))
    clock.advance(300)
    for _ in range(2):  # a retried Dial action logs it once
        done = dial_result(twilio_cb, sid("CA1"), "completed", sid("CAleg"))
        assert top_verbs(done.data) == ["Redirect"]  # on to the next caller, nothing said
    events = logged_events(cb_app, sid("CA1"))
    assert events.count("CALLBACK_ENDED") == 1 and events[-1] == "CALLBACK_ENDED"
    assert call_row(cb_app, sid("CA1"))["outcome"] == "callback_connected"
    from app.storage.read import record_batches
    from simulator.twin_log import with_talk_from_ends

    url = str(cb_app.extensions["holdwell"].store.engine.url)
    talk = pd.concat(map(with_talk_from_ends, record_batches(url, for_twin=True)))
    talk = talk.set_index("call_id")
    assert talk.loc[sid("CA1"), "talk_s"] == pytest.approx(300, abs=1)


def test_no_end_is_logged_for_a_dial_that_kept_no_promise(cb_app, twilio_cb, clock):
    """A machine (hung up on), or a customer answered on their own call meanwhile: the Dial
    completes, but no callback was kept under it."""
    enter(twilio_cb, sid("CA1"), clock)
    request_callback(twilio_cb, sid("CA1"), queue_time=60)
    twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent1")})
    answer(twilio_cb, sid("CA1"), answered_by="machine_start")
    dial_result(twilio_cb, sid("CA1"), "completed", sid("CAleg"))
    assert "CALLBACK_ENDED" not in logged_events(cb_app, sid("CA1"))


def test_voicemail_counts_as_an_unanswered_attempt(cb_app, twilio_cb, clock):
    enter(twilio_cb, sid("CA1"), clock)
    request_callback(twilio_cb, sid("CA1"), queue_time=60)
    twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent1")})
    machine = answer(twilio_cb, sid("CA1"), answered_by="machine_start")
    assert top_verbs(machine.data) == ["Hangup"]
    assert callback_rows(cb_app)[0]["last_result"] == "voicemail"
    assert call_row(cb_app, sid("CA1"))["outcome"] == "left"


def test_the_agent_hears_try_again_only_when_there_is_another_try(cb_app, twilio_cb, clock):
    """max_attempts = 2: after the first miss the agent is told it will be tried again,
    after the last that it was the last try (not a promise nobody keeps)."""
    enter(twilio_cb, sid("CA1"), clock)
    request_callback(twilio_cb, sid("CA1"), queue_time=60)
    twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent1")})
    first = spoken(dial_result(twilio_cb, sid("CA1"), "no-answer", sid("CAleg1")).data)
    assert "We will try again later" in first
    clock.advance(301)
    twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent2")})
    last = dial_result(twilio_cb, sid("CA1"), "busy", sid("CAleg2"))
    assert callback_rows(cb_app)[0]["status"] == "failed"
    assert "try again" not in spoken(last.data) and "last try" in spoken(last.data)
    assert top_verbs(last.data) == ["Say", "Redirect"]


def test_after_the_last_attempt_the_callback_fails_and_an_sms_is_sent(
    make_app, clock, mocker
):
    app = make_app(CONFIG.replace("retry_after_s = 300", "retry_after_s = 300\n"
                                  "sms_on_failure = true"), account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    client = app.extensions["holdwell"].rest_client
    create = mocker.patch.object(client.messages, "create")
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    twilio.post("/voice/agent", {"CallSid": sid("CAagent1")})
    dial_result(twilio, sid("CA1"), "no-answer", sid("CAleg1"))
    dial_result(twilio, sid("CA1"), "no-answer", sid("CAleg1"))  # a retried webhook counts once
    clock.advance(301)
    twilio.post("/voice/agent", {"CallSid": sid("CAagent2")})
    dial_result(twilio, sid("CA1"), "busy", sid("CAleg2")).close()  # texted once answered
    assert callback_rows(app)[0]["status"] == "failed"
    assert call_row(app, sid("CA1"))["outcome"] == "callback_failed"
    assert logged_events(app, sid("CA1")).count("CALLBACK_FAILED") == 1
    create.assert_called_once()
    assert create.call_args.kwargs["to"] == "+14155550100"
    assert create.call_args.kwargs["from_"] == "+14155550000"


def test_a_stale_claim_is_released_to_its_old_place(cb_app, twilio_cb, clock):
    enter(twilio_cb, sid("CA1"), clock)
    request_callback(twilio_cb, sid("CA1"), queue_time=60)
    twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent-died")})
    engine = cb_app.extensions["holdwell"].store.engine
    assert callback_queue.release_stale_claims(engine, clock.now(), 180) == 0
    clock.advance(181)
    assert callback_queue.release_stale_claims(engine, clock.now(), 180) == 1
    again = twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent2")})
    assert parse(again.data).find("Dial/Number") is not None


def test_a_restart_loses_no_callback(make_app, clock):
    first = make_app(CONFIG)
    twilio = SignedClient(first.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    restarted = make_app(CONFIG)  # same database, new process state
    agent = SignedClient(restarted.test_client(), AUTH_TOKEN).post(
        "/voice/agent", {"CallSid": sid("CAagent")})
    assert parse(agent.data).find("Dial/Number").text == "+14155550100"


def test_the_watch_flags_callbacks_at_risk_of_missing_their_promise(make_app, clock):
    from app.callback_watch import watch_once
    from hold_policies.config import CallbacksConfig

    app = make_app(CONFIG + "[estimate]\nmin_departures = 1\n")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(3):  # departures, so the offer can promise a time
        twilio.post("/voice/connect?queue=support", {"CallSid": sid(f"CAold{n}"), "QueueTime": "9"})
        clock.advance(20)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    row = callback_rows(app)[0]
    assert row["promised_by"] is not None
    engine = app.extensions["holdwell"].store.engine
    settings = CallbacksConfig(at_risk_margin_s=60)
    assert watch_once(engine, settings, clock.now()).at_risk == []
    promised_by = row["promised_by"].replace(tzinfo=clock.now().tzinfo)
    clock.set(promised_by - timedelta(seconds=30))
    report = watch_once(engine, settings, clock.now())
    assert report.at_risk == [sid("CA1")] and report.pending == 1
    watch_once(engine, settings, clock.now())
    assert logged_events(app, sid("CA1")).count("CALLBACK_AT_RISK") == 1


def test_gather_actions_without_queue_time_take_the_wait_from_the_log(cb_app, twilio_cb, clock):
    enter(twilio_cb, sid("CA1"), clock)
    clock.advance(95)
    bare = {"CallSid": sid("CA1"), "From": "+14155550100"}  # no Queue* parameters at all
    offer = twilio_cb.post(CHOICE, {**bare, "Digits": "2"})
    twilio_cb.post(parse(offer.data).find("Gather").get("action"), {**bare, "Digits": "1"})
    row = call_row(cb_app, sid("CA1"))
    assert row["outcome"] == "left" and row["wait_s"] == 95


def test_the_operator_page_lists_promises_and_flags_those_at_risk(make_app, clock):
    locked = make_app(CONFIG, ops_token="s3cret")
    twilio = SignedClient(locked.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    assert make_app(CONFIG).test_client().get("/ops/callbacks").status_code == 404  # off
    client = locked.test_client()
    assert client.get("/ops/callbacks").status_code == 401
    assert client.get("/ops/callbacks", headers={"Authorization": "Bearer wrong"}).status_code \
        == 401
    # the token is never taken from the query string, where it would reach access logs
    assert client.get("/ops/callbacks?token=s3cret").status_code == 401
    page = client.get("/ops/callbacks", headers={"Authorization": "Bearer s3cret"})
    assert page.status_code == 200 and sid("CA1").encode() in page.data
    assert b"Callbacks not yet kept (1)" in page.data
    # it shows callers' numbers: kept by no browser or proxy, never framed, as the console
    assert page.headers["Cache-Control"] == "no-store"  # (reviewer's finding: it had none)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_a_caller_answered_in_line_after_booking_is_never_also_called_back(
    cb_app, twilio_cb, clock
):
    """At the head of the line an agent can take a caller while their confirmation plays (they
    are still in the queue until its <Leave/>): the emulator saw them rung again later."""
    enter(twilio_cb, sid("CA1"), clock)
    twilio_cb.post(CHOICE, {**wait_form(sid("CA1"), queue_time=70), "Digits": "2"})
    confirmed = request_callback(twilio_cb, sid("CA1"), leave=False)
    assert top_verbs(confirmed.data) == ["Say", "Leave"]
    twilio_cb.post("/voice/connect?queue=support", {"CallSid": sid("CA1"), "QueueTime": "76"})
    [row] = callback_rows(cb_app)
    assert row["status"] == "cancelled" and row["last_result"] == "cancelled"
    assert call_row(cb_app, sid("CA1"))["outcome"] == "answered"
    agent = twilio_cb.post("/voice/agent?queue=support", {"CallSid": sid("CAagent")})
    assert "+14155550100" not in agent.data.decode()  # nobody dials them again


@pytest.mark.parametrize("gone", ["leave", "hangup", "status", None])
def test_a_callback_rings_only_once_its_caller_is_off_the_queue_call(cb_app, twilio_cb, clock,
                                                                      gone):
    """While the confirmation plays the caller is still on the queue call: an agent freed
    then had rung their own phone (busy: an attempt spent, and with one attempt the promise
    failed seconds after it was made; a reviewer's finding). The agent takes the line
    instead; the callback rings once their leaving or hang-up is heard, or, if neither is,
    LEAVING_S after the request."""
    from app.storage.callback_requests import LEAVING_S

    enter(twilio_cb, sid("CA1"), clock)
    confirmed = request_callback(twilio_cb, sid("CA1"), leave=False)
    assert top_verbs(confirmed.data) == ["Say", "Leave"]
    clock.advance(5)
    during = parse(twilio_cb.post("/voice/agent?queue=support",
                                  {"CallSid": sid("CAagent1")}).data)
    assert during.find(".//Number") is None and during.find(".//Queue") is not None
    assert callback_rows(cb_app)[0]["status"] == "pending"
    result = "/voice/queue-result?policy=callback&queue=support"
    if gone == "leave":
        twilio_cb.post(result, {"CallSid": sid("CA1"), "QueueResult": "leave",
                                "QueueTime": "75"})
    elif gone == "hangup":  # they hung up during the confirmation
        twilio_cb.post(result, {"CallSid": sid("CA1"), "QueueResult": "hangup",
                                "QueueTime": "75"})
    elif gone == "status":  # only the call's end was heard
        twilio_cb.post("/voice/status", {"CallSid": sid("CA1"), "CallStatus": "completed"})
    else:  # neither: the callback waits out LEAVING_S
        clock.advance(LEAVING_S - 5 - 1)
        still = twilio_cb.post("/voice/agent?queue=support", {"CallSid": sid("CAagent2")})
        assert b"<Number" not in still.data
        clock.advance(2)
    rung = parse(twilio_cb.post("/voice/agent?queue=support",
                                {"CallSid": sid("CAagent3")}).data)
    assert rung.find(".//Number").text == "+14155550100"
    assert callback_rows(cb_app)[0]["status"] == "claimed"
    assert call_row(cb_app, sid("CA1"))["outcome"] == "left"  # kept their place: not abandoned


@pytest.mark.parametrize("ended_by", [
    ("/voice/connect?queue=support", {"QueueTime": "76"}),  # an agent took them meanwhile
    ("/voice/status", {"CallStatus": "completed"}),  # hung up; or a confirmation replayed
])
def test_a_confirmation_handled_after_the_wait_ended_books_nothing(
    cb_app, twilio_cb, clock, ended_by
):
    """The other order of the race above: the confirmation handled after the agent's answer
    had booked a callback, and the next agent rang the customer just served."""
    enter(twilio_cb, sid("CA1"), clock)
    twilio_cb.post(CHOICE, {**wait_form(sid("CA1"), queue_time=70), "Digits": "2"})
    path, form = ended_by
    twilio_cb.post(path, {"CallSid": sid("CA1"), **form})
    outcome = call_row(cb_app, sid("CA1"))["outcome"]
    late = request_callback(twilio_cb, sid("CA1"))
    assert late.status_code == 200 and top_verbs(late.data) == []  # nobody to tell
    assert callback_rows(cb_app) == []
    assert "CALLBACK_REQUESTED" not in logged_events(cb_app, sid("CA1"))
    assert call_row(cb_app, sid("CA1"))["outcome"] == outcome
    agent = twilio_cb.post("/voice/agent?queue=support", {"CallSid": sid("CAagent")})
    assert "+14155550100" not in agent.data.decode()


@pytest.mark.parametrize(("keyed", "countries", "stored", "said_back"), [
    ("19002223333", None, None, None),  # US premium rate: the line would pay for it
    ("011448712345678", '["US", "GB"]', None, None),  # UK 0871: premium, wherever
    ("011442079460000", None, None, None),  # a UK landline: only the line's own country by
    ("011442079460000", '["US", "GB"]', "+442079460000",  # default, unless the operator
     "4 4, 2 0 7, 9 4 6, 0 0 0 0"),  # adds it; said as its country code, then the rest
    ("2125550199", None, "+12125550199", "2 1 2, 5 5 5, 0 1 9 9"),
    ("12125550199", None, "+12125550199", "2 1 2, 5 5 5, 0 1 9 9"),  # long-distance 1
    ("4165550123", None, "+14165550123", "4 1 6, 5 5 5, 0 1 2 3"),  # Toronto: the US and
    ("4155550000", None, None, None),  # Canada go together; the line's own number: an
])  # agent sent to dial the IVR
def test_a_keyed_number_the_line_must_not_dial_is_asked_again_never_stored(
        make_app, clock, keyed, countries, stored, said_back):
    app = make_app(CONFIG.replace("[callbacks]\n", f"[callbacks]\ncountries = {countries}\n")
                   if countries else CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock, caller="anonymous")
    offer = twilio.post(CHOICE, {**wait_form(sid("CA1"), 70), "Digits": "2", "From": "anonymous"})
    check = twilio.post(parse(offer.data).find("Gather").get("action"),
                        {**wait_form(sid("CA1"), 80), "Digits": keyed})
    if stored is None:
        assert "not a number we can call" in spoken(check.data)
        assert callback_rows(app) == []
        return
    said = spoken(check.data)  # a keyed number is said back whole, not as "ending in"
    assert f"call you back at {said_back}. Press 1" in said
    assert "ending in" not in said
    done = twilio.post(parse(check.data).find("Gather").get("action"),
                       {**wait_form(sid("CA1"), 85), "Digits": "1", "From": "anonymous"})
    assert top_verbs(done.data) == ["Say", "Leave"]
    assert f"call you back at {said_back}," in spoken(done.data)  # the confirmation alike
    assert [row["number"] for row in callback_rows(app)] == [stored]


def test_a_call_from_the_lines_own_number_is_asked_for_a_number_to_call(make_app, clock):
    """The callback leg coming back into the IVR (or a spoofed caller ID) is no number to
    call back: it is asked for one, and is no returning caller with a callback booked."""
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    own = "+14155550000"
    enter(twilio, sid("CA1"), clock, caller=own)
    offer = twilio.post(CHOICE, {**wait_form(sid("CA1"), 70), "Digits": "2", "From": own})
    assert "key in the number we should call" in spoken(offer.data)
    assert "ending in" not in spoken(offer.data)


def test_a_caller_in_a_long_wait_document_still_counts_ahead_of_a_younger_callback(
        make_app, clock):
    """With a five-minute check-in interval Twilio polls about every 275 s: 160 s after their
    last poll the older caller is still in line, so no agent dials the younger callback
    ahead of them."""
    app = make_app(CONFIG + "interval_s = 300\n")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    old, young = sid("CAold"), sid("CAyoung")
    twilio.post("/voice/incoming", {"CallSid": old, "From": "+14155550101"})
    twilio.post(WAIT, {**wait_form(old, queue_time=0), "From": "+14155550101"})
    clock.advance(20)
    enter(twilio, young, clock)
    clock.advance(5)
    document = twilio.post(WAIT, {**wait_form(old, queue_time=25, position=1, size=2),
                                  "From": "+14155550101"})
    assert int(parse(document.data).find(".//Pause").get("length")) > 150
    offer = twilio.post(CHOICE, {**wait_form(young, queue_time=5, position=2), "Digits": "2"})
    twilio.post(parse(offer.data).find("Gather").get("action"),
                {**wait_form(young, queue_time=6, position=2), "Digits": "1"})
    assert len(callback_rows(app)) == 1
    clock.advance(160)
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAagent")})
    assert parse(agent.data).find(".//Number") is None  # the older caller goes first
    assert parse(agent.data).find(".//Queue").text == "support"
    assert callback_rows(app)[0]["status"] == "pending"


def test_a_queues_own_number_check_is_said_for_a_keyed_number_too(make_app, clock):
    """A Spanish queue words its number check: a keyed number had been read back in the new
    keyed check's English default."""
    app = make_app(CONFIG.replace('policy = "callback"\n', 'policy = "callback"\n'
                                  'language = "es-MX"\nvoice = "Polly.Mia"\n')
                   + '[queues.support.prompts]\ncallback_number_check = '
                   '"Le llamaremos al {number}. Pulse 1 para confirmar o 2 para otro número."\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock, caller="anonymous")
    offer = twilio.post(CHOICE, {**wait_form(sid("CA1"), 70), "Digits": "2", "From": "anonymous"})
    check = twilio.post(parse(offer.data).find("Gather").get("action"),
                        {**wait_form(sid("CA1"), 80), "Digits": "2125550199"})
    assert "Le llamaremos al 2 1 2, 5 5 5, 0 1 9 9." in spoken(check.data)
    assert "We will call you back" not in spoken(check.data)


@pytest.mark.parametrize("number", ["+12125550199", "+442079460000", "+4915112345678",
                                    "+881612345678901", "+123456789012345"])
def test_a_number_said_back_in_groups_fits_the_prompts_length_check(number):
    """The prompts' length check counts {number} at its longest: grouped with pauses, a
    15-digit number is longer than its digits alone."""
    from app.voice.callers import spoken_number
    from hold_policies.prompts import LONGEST_FILL

    said = spoken_number(number)
    assert len(said) <= LONGEST_FILL["number"]
    assert said.replace(", ", " ").replace(" ", "") in number  # every digit, in order


def test_a_caller_id_longer_than_any_number_is_none_and_never_cached():
    """The number cache is keyed on the raw From: a signed request's 60 KB From had been kept
    there, 4,096 of them about 250 MB a worker (hostile-environment session)."""
    from app.voice import callers

    callers._e164.cache_clear()
    assert callers.callback_number("+1415555" + "0" * 60_000) is None
    assert callers.callback_number(" +1 (415) 555-0101 ") == "+14155550101"
    cached = callers._e164.cache_info().currsize
    assert cached == 1  # the number only: the long one was never a key
