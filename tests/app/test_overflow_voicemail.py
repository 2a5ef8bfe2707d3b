"""Issue 16 items 4-5, live: overflow instead of a drop, and messages from the queue.

Through the real routes: past the queue's maximum wait the wait document offers a callback or
a message; the message key leaves the line and the Enqueue action answers with <Record>; the
recording becomes a callback task its agent hears before the customer rings; Twilio's
queue-full is answered with the same offer. Overflow is its own outcome, never an abandon.
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select, update

from app.signed_client import SignedClient
from app.storage.schema import callback_messages, callbacks
from hold_policies.config import ConfigError, parse_config
from tests.app.test_voice_contract import call_row, logged_events
from tests.app.twiml_reading import WAIT_VERBS, all_verbs, parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.locked_sqlite import locked_sqlite
from tests.support.request_budget import request_budget
from tests.support.sids import sid

LINE = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
voice = "Polly.Amy"
[queues.support.overflow]
max_wait_s = 1800
when_full = true
voicemail = true
"""
FROM = "+14155550100"
WAIT = "/voice/wait?policy=checkin&queue=support"
CHOICE = "/voice/choice?policy=checkin&queue=support"
RESULT = "/voice/queue-result?policy=checkin&queue=support"
RECORDED = "/voice/voicemail/recorded?queue=support"
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/" + sid("msg", "RE")


@pytest.fixture
def line(make_app):
    app = make_app(LINE)
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def call(name: str, **extra: str) -> dict[str, str]:
    return {"CallSid": sid(name), "From": FROM, **extra}


def wait(twilio, name: str, queue_time: int, position: int = 4):
    return twilio.post(WAIT, call(name, QueueTime=str(queue_time), QueuePosition=str(position),
                                  CurrentQueueSize="9"))


def record(twilio, name: str, recording_sid: str = sid("msg", "RE"), url: str = RECORDING):
    return twilio.post(RECORDED, call(name, RecordingUrl=url, RecordingSid=recording_sid,
                                      RecordingDuration="14", Digits="#"))


def rows(app):
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(callbacks)).mappings().all()


def messages(app):
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(callback_messages).order_by(
            callback_messages.c.left_at)).mappings().all()


def test_before_the_maximum_wait_the_policy_speaks_and_past_it_the_offer_does(line, clock):
    app, twilio = line
    before = wait(twilio, "c1", 1790)
    assert "Press 3" not in spoken(before.data)
    clock.advance(20)  # the app's clock and Twilio's QueueTime move together, as they do live
    past = wait(twilio, "c1", 1810)
    said = spoken(past.data)
    assert "waited so long" in said and "Press 2 and we will call you back" in said
    assert "Press 3 to leave a message" in said and "stay on the line" in said
    gather = parse(past.data).find("Gather")
    assert gather.get("action").endswith(CHOICE) and gather.get("numDigits") == "1"
    assert all_verbs(past.data) <= WAIT_VERBS  # still the wait document's verbs only
    clock.advance(60)
    again = spoken(wait(twilio, "c1", 1870).data)  # a minute later: the check-in goes on,
    assert "You are number 4 in line" in again and "Press 3 to leave a message" in again
    assert "waited so long" not in again  # with the offer's keys, not the offer word for word
    assert logged_events(app, sid("c1")).count("OVERFLOW") == 1


def test_a_message_from_the_queue_becomes_a_callback_its_agent_hears_first(line, clock):
    app, twilio = line
    wait(twilio, "c1", 1810)
    pressed = twilio.post(CHOICE, call("c1", Digits="3"))
    assert top_verbs(pressed.data) == ["Say", "Leave"]
    assert "stay on the line to leave your message" in spoken(pressed.data)
    out = twilio.post(RESULT, call("c1", QueueResult="leave", QueueTime="1815"))
    assert top_verbs(out.data) == ["Say", "Record", "Say", "Hangup"]
    rec = parse(out.data).find("Record")
    assert rec.get("action").endswith(RECORDED) and rec.get("maxLength") == "120"
    assert rec.get("playBeep") == "true" and rec.get("finishOnKey") == "#"
    assert rec.get("transcribe") is None  # transcription is off unless configured
    thanks = record(twilio, "c1")
    assert top_verbs(thanks.data) == ["Say", "Hangup"] and "We have your message" in spoken(
        thanks.data)
    (task,), (message,) = rows(app), messages(app)
    assert message["recording_url"] == RECORDING and message["recording_s"] == 14
    assert message["callback_id"] == task["call_id"] == sid("c1")
    assert task["number"] == FROM and task["status"] == "pending"
    row = call_row(app, sid("c1"))
    assert row["outcome"] == "voicemail" and row["wait_s"] == pytest.approx(1815, abs=1)
    assert row["callback_requested"]  # a callback taken: out of abandonment's denominator
    assert "VOICEMAIL" in logged_events(app, sid("c1"))
    clock.advance(60)  # nobody waits in line: the next agent takes the message first
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent"),
                                                        "To": "+14155550000"})
    verbs = top_verbs(agent.data)
    assert verbs.index("Play") < verbs.index("Dial")
    assert parse(agent.data).find("Play").text == RECORDING
    assert "This caller left a message" in spoken(agent.data)
    assert parse(agent.data).find("Dial").find("Number").text == FROM


def test_a_transcribed_message_is_read_to_the_agent(make_app, clock):
    app = make_app(LINE + "transcribe = true\n")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    wait(twilio, "c1", 1810)
    twilio.post(CHOICE, call("c1", Digits="3"))
    out = twilio.post(RESULT, call("c1", QueueResult="leave", QueueTime="1815"))
    rec = parse(out.data).find("Record")
    assert rec.get("transcribe") == "true"
    assert rec.get("transcribeCallback").endswith("/voice/voicemail/transcribed?queue=support")
    words = {"CallSid": sid("c1"), "RecordingSid": sid("msg", "RE"),
             "TranscriptionSid": sid("t", "TR"), "TranscriptionStatus": "completed",
             "TranscriptionText": "My router blinks red since Monday"}
    assert twilio.post("/voice/voicemail/transcribed?queue=support", words).status_code == 204
    record(twilio, "c1")  # the transcript may overtake the Record action: it still lands
    clock.advance(60)
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent")})
    assert "They said: My router blinks red since Monday" in spoken(agent.data)
    assert "Play" not in top_verbs(agent.data)


def test_a_caller_who_rings_again_gets_one_callback_carrying_the_message(line):
    app, twilio = line
    for name in ("c1", "c2"):
        wait(twilio, name, 1810)
    twilio.post(CHOICE, call("c1", Digits="2"))  # a callback first...
    twilio.post("/voice/callback/confirm?policy=checkin&queue=support&number=%2B14155550100",
                call("c1", Digits="1"))
    twilio.post(CHOICE, call("c2", Digits="3"))  # ...then a message from the same number
    twilio.post(RESULT, call("c2", QueueResult="leave", QueueTime="1815"))
    record(twilio, "c2")
    (task,), (message,) = rows(app), messages(app)
    assert task["call_id"] == sid("c1") and message["callback_id"] == sid("c1")
    assert message["call_id"] == sid("c2") and message["recording_url"] == RECORDING


def test_every_message_a_caller_leaves_reaches_the_agent_in_order(line, clock):
    """A caller rings again to add to their message: both ride on the one callback, and the
    agent hears the first, then the second (the second was dropped before)."""
    app, twilio = line
    first, second = RECORDING, RECORDING.replace("RE", "RE2", 1)
    for name, recording_sid, url in (("c1", sid("msg1", "RE"), first),
                                     ("c2", sid("msg2", "RE"), second)):
        wait(twilio, name, 1810)
        twilio.post(CHOICE, call(name, Digits="3"))
        twilio.post(RESULT, call(name, QueueResult="leave", QueueTime="1815"))
        record(twilio, name, recording_sid, url)
        clock.advance(120)
    (task,) = rows(app)
    assert [m["recording_url"] for m in messages(app)] == [first, second]
    assert {m["callback_id"] for m in messages(app)} == {task["call_id"]} == {sid("c1")}
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent"),
                                                        "To": "+14155550000"})
    assert [play.text for play in parse(agent.data).iter("Play")] == [first, second]
    verbs = top_verbs(agent.data)
    assert verbs.index("Play") < verbs.index("Dial")


def test_leaving_for_a_callback_is_not_taken_for_a_message(line):
    app, twilio = line
    wait(twilio, "c1", 1810)
    twilio.post(CHOICE, call("c1", Digits="2"))
    twilio.post("/voice/callback/confirm?policy=checkin&queue=support&number=%2B14155550100",
                call("c1", Digits="1"))
    out = twilio.post(RESULT, call("c1", QueueResult="leave", QueueTime="1815"))
    assert top_verbs(out.data) == ["Hangup"]
    assert call_row(app, sid("c1"))["outcome"] == "left"


UNSURE = "If you chose to leave a message"


def test_a_caller_who_left_to_record_is_never_cut_off_when_the_log_cannot_say_why(
        line, sqlite_url):
    """The message key was stored and the caller told to stay on the line; at the Enqueue's
    action the database is locked past the budget, so nobody can read why they left. They
    are asked for a message if they chose one (a caller who left for a callback may just
    hang up), never hung up on in silence; the message still becomes their callback."""
    app, twilio = line
    wait(twilio, "c1", 1810)
    assert "stay on the line" in spoken(twilio.post(CHOICE, call("c1", Digits="3")).data)
    with request_budget(app, 0.3), locked_sqlite(sqlite_url, "EXCLUSIVE"):
        out = twilio.post(RESULT, call("c1", QueueResult="leave", QueueTime="1815"))
    assert top_verbs(out.data) == ["Say", "Record", "Say", "Hangup"]
    assert UNSURE in spoken(out.data)
    assert parse(out.data).find("Record").get("action").endswith(RECORDED)
    store = app.extensions["holdwell"].store
    store.runner.down_until = 0.0
    store.replay()
    record(twilio, "c1")
    (task,) = rows(app)
    assert task["call_id"] == sid("c1") and len(messages(app)) == 1


def test_a_withheld_caller_leaving_the_line_is_never_asked_for_a_message_nobody_returns(
        line, sqlite_url):
    """A message is a callback: from a number we cannot call none is taken (the key itself
    refuses them), so when the log cannot say why such a caller left, no <Record> and no
    "we will call you back" either."""
    app, twilio = line
    withheld = {"CallSid": sid("anon"), "From": "anonymous"}
    twilio.post("/voice/incoming", withheld)
    with request_budget(app, 0.3), locked_sqlite(sqlite_url, "EXCLUSIVE"):
        out = twilio.post(RESULT, {**withheld, "QueueResult": "leave", "QueueTime": "1815"})
    assert "Record" not in top_verbs(out.data) and "call you back" not in spoken(out.data)


def test_the_result_routes_own_failure_still_asks_for_the_message(make_app, tmp_path):
    """No database and no journal: the route fails, and its safe answer at a `leave` from a
    queue that takes messages is the unsure <Record>, never a bare hang-up."""
    twilio = nothing_can_be_stored(make_app, tmp_path)
    out = twilio.post(RESULT, call("c1", QueueResult="leave", QueueTime="1815"))
    assert out.status_code == 200 and top_verbs(out.data) == ["Say", "Record", "Say", "Hangup"]
    assert UNSURE in spoken(out.data)


def test_a_hang_up_after_the_offer_is_an_overflow_never_an_abandon(line):
    app, twilio = line
    wait(twilio, "c1", 1810)
    twilio.post(RESULT, call("c1", QueueResult="hangup", QueueTime="1840"))
    row = call_row(app, sid("c1"))
    assert row["outcome"] == "overflow" and row["wait_s"] == pytest.approx(1840, abs=1)
    wait(twilio, "c2", 1700)  # never offered: a hang-up is an abandon as ever
    twilio.post(RESULT, call("c2", QueueResult="hangup", QueueTime="1720"))
    assert call_row(app, sid("c2"))["outcome"] == "abandoned"


def test_with_after_offer_leave_no_key_ends_the_wait_with_a_goodbye(make_app):
    app = make_app(LINE + 'after_offer = "leave"\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    past = wait(twilio, "c1", 1810)
    assert top_verbs(past.data) == ["Gather", "Say", "Leave"]
    out = twilio.post(RESULT, call("c1", QueueResult="leave", QueueTime="1816"))
    assert top_verbs(out.data) == ["Hangup"]
    assert call_row(app, sid("c1"))["outcome"] == "overflow"


def test_queue_full_offers_a_callback_or_a_message_instead_of_a_drop(line):
    app, twilio = line
    twilio.post("/voice/incoming?queue=support", call("c1"))
    full = twilio.post(RESULT, call("c1", QueueResult="queue-full"))
    assert top_verbs(full.data) == ["Gather", "Say", "Hangup"]
    said = spoken(full.data)
    assert "our line is full" in said and "Press 2" in said and "Press 3" in said
    assert parse(full.data).find("Gather").get("action").endswith(
        "/voice/overflow/choice?keys=23&policy=checkin&queue=support")  # the keys it made
    twilio.post("/voice/status", call("c1", CallStatus="completed"))  # pressed nothing
    assert call_row(app, sid("c1"))["outcome"] == "overflow"
    assert "OVERFLOW" in logged_events(app, sid("c1"))


def test_at_queue_full_key_2_books_a_callback_and_key_3_records(line):
    app, twilio = line
    choice = "/voice/overflow/choice?policy=checkin&queue=support"
    for name in ("c1", "c2"):
        twilio.post("/voice/incoming?queue=support", call(name, From=f"+1415555010{name[1]}"))
        twilio.post(RESULT, call(name, QueueResult="queue-full"))
    asked = twilio.post(choice, call("c1", From="+14155550101", Digits="2"))
    assert "ending in 0 1 0 1" in spoken(asked.data)  # read back, then confirmed
    booked = twilio.post(parse(asked.data).find("Gather").get("action"),
                         call("c1", From="+14155550101", Digits="1"))
    assert top_verbs(booked.data) == ["Say", "Hangup"]
    assert "We will call you back" in spoken(booked.data)
    assert [r["number"] for r in rows(app)] == ["+14155550101"]
    assert call_row(app, sid("c1"))["outcome"] == "left"  # a callback: not overflow, no abandon
    msg = twilio.post(choice, call("c2", From="+14155550102", Digits="3"))
    assert "Record" in top_verbs(msg.data)


def test_a_withheld_number_is_never_promised_a_call_back_for_a_message(line):
    """A message is a callback: from a number we cannot call, the caller hears so, in line
    (and keeps their place) or at queue-full (and goodbye), and no message is taken."""
    app, twilio = line
    twilio.post("/voice/incoming?queue=support", call("anon", From="anonymous"))
    twilio.post(WAIT, call("anon", From="anonymous", QueueTime="0", QueuePosition="4",
                           CurrentQueueSize="9"))
    pressed = twilio.post(CHOICE, call("anon", From="anonymous", QueueTime="1805",
                                       QueuePosition="4", CurrentQueueSize="9", Digits="3"))
    said = spoken(pressed.data)
    assert "cannot take a message" in said and "keep your place" in said
    assert "Leave" not in top_verbs(pressed.data)  # still in line
    twilio.post("/voice/incoming?queue=support", call("full", From="anonymous"))
    twilio.post(RESULT, call("full", From="anonymous", QueueResult="queue-full"))
    for key in ("2", "3"):
        answer = twilio.post("/voice/overflow/choice?policy=checkin&queue=support",
                             call("full", From="anonymous", Digits=key))
        assert "Record" not in top_verbs(answer.data) and "Hangup" in top_verbs(answer.data)
        assert "cannot call back the number you are calling from" in spoken(answer.data)
    assert rows(app) == [] and messages(app) == []


def test_every_caller_a_full_queue_turned_away_is_one_of_its_calls_in_the_report(line,
                                                                                  clock):
    """Twilio's queue-full carries no QueueTime: the caller had no entry, so only the one
    who booked a callback was in any record; the report said 1 call, overflow 0 and
    voicemail 0 for three callers turned away (a reviewer's count; the emulated line said
    366 of 400 calls). Each is now a call of the queue, turned away with no wait."""
    import json

    from click.testing import CliRunner

    from cli.report_commands import report_command

    app, twilio = line
    choice = "/voice/overflow/choice?policy=checkin&queue=support"
    for name, key in (("booked", "2"), ("message", "3"), ("nothing", None)):
        caller = call(name, From=f"+1415555{len(name):04d}")
        twilio.post("/voice/incoming?queue=support", caller)
        twilio.post(RESULT, {**caller, "QueueResult": "queue-full"})
        clock.advance(5)
        if key is not None:
            answer = twilio.post(choice, {**caller, "Digits": key})
        if key == "2":  # the number read back, and confirmed
            twilio.post(parse(answer.data).find("Gather").get("action"),
                        {**caller, "Digits": "1"})
        if key == "3":
            record(twilio, name, recording_sid=sid(name, "RE"))
        clock.advance(2)
        twilio.post("/voice/status", {**caller, "CallStatus": "completed"})
    outcomes = {name: call_row(app, sid(name)) for name in ("booked", "message", "nothing")}
    assert {n: (r["outcome"], r["wait_s"]) for n, r in outcomes.items()} == {
        "booked": ("left", 0.0), "message": ("voicemail", 0.0), "nothing": ("overflow", 0.0)}
    assert all(r["entered_at"] is not None for r in outcomes.values())
    url = str(app.extensions["holdwell"].store.engine.url)
    result = CliRunner().invoke(report_command, ["--db", url, "--json"])
    assert result.exit_code == 0, result.output
    [group] = json.loads(result.stdout)["policies"]
    assert (group["calls"], group["n_left"], group["n_voicemail"], group["n_overflow"]) == (
        3, 1, 1, 1)


def test_without_overflow_queue_full_still_says_the_line_is_full(make_app):
    app = make_app('[queues.support]\npolicy = "checkin"\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    out = twilio.post("/voice/queue-result?queue=support", call("c1", QueueResult="queue-full"))
    assert top_verbs(out.data) == ["Say", "Hangup"] and "line is full" in spoken(out.data)


@pytest.mark.parametrize(("field", "value", "name"), [
    ("RecordingSid", sid("x", "CA"), "RecordingSid"),
    ("RecordingUrl", "http://api.twilio.com/x", "RecordingUrl"),
    ("RecordingUrl", "https://api.twilio.com/x?a=b", "RecordingUrl"),
    ("RecordingDuration", "-3", "RecordingDuration"),
])
def test_a_malformed_recording_is_a_400_that_names_it_and_stores_nothing(line, field, value,
                                                                         name):
    app, twilio = line
    form = {**call("c1", RecordingUrl=RECORDING, RecordingSid=sid("msg", "RE"),
                   RecordingDuration="5"), field: value}
    answer = twilio.post(RECORDED, form)
    assert answer.status_code == 400 and name.encode() in answer.data
    assert rows(app) == []


@pytest.mark.parametrize(("table", "problem"), [
    ("when_full = false", "neither max_wait_s nor when_full"),
    ("max_wait_s = 60\ncallback = false", "nothing to offer"),
    ("max_wait_s = 60\nvoicemail = true\nvoicemail_key = \"2\"", "both '2'"),
    ("max_wait_s = 60\nvoicemail = true\nvoicemail_key = \"1\"", ".keep_key"),
    ("max_wait_s = 60\ntranscribe = true\nmessage_max_s = 300", "up to 120 s"),
    ("max_wait_s = 60\nwords.sorry = \"{position}\"", "{position} is not filled in this text"),
])
def test_bad_overflow_tables_are_refused_naming_the_key(table, problem):
    import tomllib

    text = f'[line]\nsupport_number = "+14155550000"\n[queues.support.overflow]\n{table}\n'
    with pytest.raises(ConfigError) as error:
        parse_config(tomllib.loads(text))
    assert "overflow" in str(error.value) and problem in str(error.value)


def test_a_checkin_offering_the_policys_callback_does_not_offer_the_overflows_as_well(
        make_app, clock):
    """A version with the overflow's callback on key 3 and the callback policy's on key 2
    (which `config check` warns of) offered the same callback twice once the
    policy's offer was due (caller audit 34, D5); it now offers it once, on the policy's key.
    Before the policy offers, the overflow's own callback is still there."""
    config = (LINE.replace('policy = "checkin"', 'policy = "callback"')
                  .replace("max_wait_s = 1800", "max_wait_s = 120")
              + 'callback_key = "3"\nvoicemail_key = "4"\n')
    app = make_app(config)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    wait_url = WAIT.replace("checkin", "callback")
    said = []
    for minute in range(6):
        said.append(spoken(twilio.post(wait_url, call("c1", QueueTime=str(60 * minute),
                                                      QueuePosition="4",
                                                      CurrentQueueSize="4")).data))
        clock.advance(60)
    before, due = said[4], said[5]  # the policy offers its callback from 300 s
    assert "Press 3 and we will call you back" in before and "press 2" not in before
    assert due.count("call you back when your turn comes") == 1
    assert "press 2 and we will call you back" in due and "Press 3" not in due
    assert "Press 4 to leave a message" in due


def test_overflow_needs_the_support_number_it_calls_back_from():
    with pytest.raises(ConfigError, match="support_number"):
        parse_config({"queues": {"support": {"overflow": {"max_wait_s": 600}}}})



def test_queue_full_still_gets_the_offer_when_nothing_can_be_stored(make_app, tmp_path):
    """No database and no journal (a file where its folder was, after start-up: an instance
    refuses to start without one): the route fails, and its safe answer, built from the
    config in memory, is the offer, never a bare drop."""
    twilio = nothing_can_be_stored(make_app, tmp_path)
    full = twilio.post(RESULT, call("c1", QueueResult="queue-full"))
    assert full.status_code == 200 and top_verbs(full.data) == ["Gather", "Say", "Hangup"]
    assert "our line is full" in spoken(full.data)


def test_a_retried_record_action_changes_nothing_even_after_its_callback_was_kept(line, clock):
    """Twilio retries c2's Record action (or the journal replays it) after the callback that
    carries c2's message (c1's) was kept: no second, message-less callback for that number."""
    app, twilio = line
    for name, recording_sid in (("c1", sid("m1", "RE")), ("c2", sid("m2", "RE"))):
        wait(twilio, name, 1810)
        twilio.post(CHOICE, call(name, Digits="3"))
        twilio.post(RESULT, call(name, QueueResult="leave", QueueTime="1815"))
        record(twilio, name, recording_sid)
        clock.advance(60)
    with app.extensions["holdwell"].store.engine.begin() as conn:  # the callback is kept
        conn.execute(update(callbacks).values(status="connected"))
    again = record(twilio, "c2", sid("m2", "RE"))
    assert again.status_code == 200
    assert [(r["call_id"], r["status"]) for r in rows(app)] == [(sid("c1"), "connected")]
    assert {m["callback_id"] for m in messages(app)} == {sid("c1")} and len(messages(app)) == 2


def test_the_agent_hears_the_latest_messages_within_twilios_64_kb(make_app, clock):
    """A caller may leave a message each time they ring: read out in full, sixty long ones
    made the agent's TwiML 124 kB, which Twilio refuses (error 11750), failing the call of
    every agent who took the callback. The agent hears the latest three, each cut at a word."""
    app = make_app(LINE + "transcribe = true\n")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(60):
        clock.advance(1)
        recording = sid(f"msg{n}", "RE")
        record(twilio, "c1", recording_sid=recording,
               url=RECORDING.rsplit("/", 1)[0] + "/" + recording)
        text = f"message {n} " + "word " * 380
        assert twilio.post("/voice/voicemail/transcribed?queue=support", {
            "CallSid": sid("c1"), "RecordingSid": recording, "TranscriptionStatus": "completed",
            "TranscriptionText": text}).status_code == 204
    clock.advance(60)
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent")})
    assert agent.status_code == 200 and len(agent.data) <= 64_000
    said = spoken(agent.data)
    assert [n for n in range(60) if f"message {n} " in said] == [57, 58, 59]
    assert "Dial" in top_verbs(agent.data)  # and the customer is still rung


def test_an_answer_twilio_would_refuse_for_its_size_is_never_sent():
    from twilio.twiml.voice_response import VoiceResponse

    from app.twiml import TwimlTooLarge, twiml_response

    response = VoiceResponse()
    response.say("x" * 70_000)
    with pytest.raises(TwimlTooLarge):
        twiml_response(response)


def nothing_can_be_stored(make_app, tmp_path) -> SignedClient:  # noqa: ANN001
    """Twilio's client of a line with no database and no journal (a file where its folder
    was, after start-up: an instance refuses to start without one): every route fails."""
    folder = tmp_path / "journal"
    app = make_app(LINE, database_url=f"sqlite:///{tmp_path}/missing/x.db",
                   journal_dir=str(folder), db_budget_s=0.2)
    shutil.rmtree(folder)  # its cursor file was made at start-up
    folder.write_text("")
    return SignedClient(app.test_client(), AUTH_TOKEN)


LEAVE_LINE = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
[queues.support.overflow]
max_wait_s = 120
voicemail = true
after_offer = "leave"
"""


@pytest.mark.parametrize(("after_s", "sent_away"), [(5.5, True), (5.0, False)])
def test_a_key_at_an_offer_that_ends_the_wait_never_hears_you_keep_your_place(
        make_app, clock, after_s, sent_away):
    """The offer at 120 s with after_offer = "leave"; the caller presses 1 (every check-in
    taught it means "I'll hold") or 9 a few seconds later. With QueueTime a second behind the
    app's clock the offer is not yet counted as heard, so the next document is the offer again
    and its <Leave/>: the keys had been answered "Thank you. You keep your place in line." and
    the goodbye followed. Now they hear so, and the offer's keys once more. Where the caller
    does wait on (the offer counted as heard: check-ins go on), the answer stays as it was."""
    app = make_app(LEAVE_LINE)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=support", call("c1"))
    for queue_time in (0, 60, 120):
        offer = wait(twilio, "c1", queue_time, position=1)
        if queue_time < 120:
            clock.advance(60)
    assert "waited so long" in spoken(offer.data) and top_verbs(offer.data)[-1] == "Leave"
    clock.advance(after_s)
    for digit, words in (("1", "Sorry, we cannot keep you waiting any longer."),
                         ("9", "Sorry, that key does nothing here.")):
        answer = twilio.post(CHOICE, call("c1", QueueTime="125", QueuePosition="1",
                                          CurrentQueueSize="1", Digits=digit))
        said = spoken(answer.data)
        if not sent_away:
            assert top_verbs(answer.data) == ["Say"] and "You keep your place in line." in said
            continue
        assert "You keep your place" not in said
        assert said.startswith(f"{words} Press 2 and we will call you back")
        assert said.endswith("Please call again a little later. Goodbye.")
        assert top_verbs(answer.data) == ["Gather", "Say", "Leave"]
    clock.advance(10)  # QueueTime still as far behind: what the caller hears next agrees
    after = wait(twilio, "c1", 135, position=1)
    assert (top_verbs(after.data)[-1] == "Leave") is sent_away


def test_the_keep_key_at_a_check_in_just_before_the_maximum_wait_is_not_a_kept_place(
        make_app, clock):
    """A check-in at 118 s asks "press 1"; the caller presses it at 125 s, past the maximum
    wait, where the next document is the offer ending the wait. They had been thanked with
    "You keep your place in line." and then sent away by that offer; now they hear they cannot
    wait on and the offer's keys, the offer is logged, and the goodbye ends the call as
    `overflow` (as the fast engine counts it), never an abandon."""
    app = make_app(LEAVE_LINE)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=support", call("c1"))
    wait(twilio, "c1", 0, position=1)
    clock.advance(58)
    checkin = wait(twilio, "c1", 58, position=1)
    clock.advance(60)
    checkin = wait(twilio, "c1", 118, position=1)
    assert "press 1" in spoken(checkin.data) and "waited so long" not in spoken(checkin.data)
    clock.advance(7)
    answer = twilio.post(CHOICE, call("c1", QueueTime="125", QueuePosition="1",
                                      CurrentQueueSize="1", Digits="1"))
    said = spoken(answer.data)
    assert said.startswith("Sorry, we cannot keep you waiting any longer. Press 2")
    assert "You keep your place" not in said and top_verbs(answer.data)[-1] == "Leave"
    assert "OVERFLOW" in logged_events(app, sid("c1"))
    clock.advance(20)
    twilio.post(RESULT, call("c1", QueueResult="leave", QueueTime="145"))
    assert call_row(app, sid("c1"))["outcome"] == "overflow"
