"""Text the database would refuse never costs a fact (a fuzzing session's findings, issue 11).

PostgreSQL refuses a NUL in text and a value longer than its column; each write that met one
was journaled and then set aside for good (or, for a poll, lost): the caller's call, their
poll, a voicemail's transcript. Forms now keep text to one printable line, an arm we never
name in our URLs is dropped, and a recording's length has a bound (a 400 naming it).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage.schema import call_events, calls
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
[queues.support.overflow]
max_wait_s = 120
voicemail = true
voicemail_key = "3"
[queues.plain]
policy = "checkin"
"""
CALLER = sid("hostile")


@pytest.fixture
def line(make_app, any_url):
    app = make_app(CONFIG, database_url=any_url)
    yield app, SignedClient(app.test_client(), AUTH_TOKEN)
    store = app.extensions["holdwell"].store
    assert store.journal.backlog() == 0 and store.journal.set_aside() == 0  # nothing lost
    store.engine.dispose()


def row(app, call_id: str = CALLER):  # noqa: ANN001, ANN201 - a row mapping or None
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().first()


def facts(app, event: str) -> list:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(call_events).where(
            call_events.c.call_id == CALLER, call_events.c.event == event)).mappings().all()


def test_a_nul_in_from_still_logs_the_call(line):
    app, twilio = line
    answer = twilio.post("/voice/incoming?queue=support",
                         {"CallSid": CALLER, "From": "+1415555\x000123"})
    assert answer.status_code == 200 and b"<Enqueue" in answer.data
    logged = row(app)
    assert logged is not None and logged["policy"] == "checkin"
    assert "\x00" not in logged["from_number"] and logged["from_number"].startswith("+1415555")


@pytest.mark.parametrize("arm", ["x" * 65, "\x00", "a b"])
def test_a_poll_under_an_arm_we_never_name_is_still_counted(line, arm):
    app, twilio = line
    answer = twilio.post(f"/voice/wait?queue=support&policy=checkin&arm={arm}",
                         {"CallSid": CALLER, "QueueTime": "5", "QueuePosition": "1"})
    assert answer.status_code == 200
    logged = row(app)
    assert logged is not None and logged["polls"] == 1 and logged["arm"] == ""
    assert len(facts(app, "ENTERQUEUE")) == 1


def test_a_nul_in_a_transcript_keeps_the_transcript(line):
    app, twilio = line
    answer = twilio.post("/voice/voicemail/transcribed?queue=support", {
        "CallSid": CALLER, "RecordingSid": sid("message", "RE"),
        "TranscriptionStatus": "completed", "TranscriptionText": "call me\x00back please"})
    assert answer.status_code == 204
    [kept] = facts(app, "VOICEMAIL_TEXT")
    assert json.loads(kept["data"])["text"] == "call me back please"


def test_a_recording_longer_than_a_day_is_a_400_that_names_it(line):
    app, twilio = line
    answer = twilio.post("/voice/voicemail/recorded?queue=support", {
        "CallSid": CALLER, "From": "+14155550123", "RecordingSid": sid("message", "RE"),
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "RecordingDuration": "1e308"})
    assert answer.status_code == 400 and b"RecordingDuration" in answer.data


def test_a_callback_confirmation_for_a_policy_without_callbacks_promises_nothing(line, caplog):
    """Not a URL the app makes: the caller hears no callback can be taken and keeps their
    place; no traceback, nothing stored."""
    app, twilio = line
    twilio.post("/voice/wait?queue=plain&policy=checkin",
                {"CallSid": CALLER, "QueueTime": "5", "QueuePosition": "1"})
    caplog.set_level("WARNING", logger="holdwell.voice")
    answer = twilio.post("/voice/callback/confirm?number=%2B14155550123&policy=checkin"
                         "&queue=plain", {"CallSid": CALLER, "Digits": "1",
                                            "QueueTime": "9", "QueuePosition": "1"})
    assert answer.status_code == 200 and b"<Leave" not in answer.data
    assert not [record for record in caplog.records if record.exc_info]
    assert "offers none" in caplog.text
    assert not facts(app, "CALLBACK_REQUESTED") and not row(app)["callback_requested"]


def test_a_variant_named_as_long_as_the_config_allows_is_logged(make_app, any_url):
    """Config check takes a 64-character variant name; the log held 32 and PostgreSQL refused
    every fact of a call in that arm (each set aside: the arm could not be analysed). The
    caller's first poll, the first the log hears of them, labels their call."""
    arm = "v" * 64
    app = make_app(f"""
[queues.support]
policy = "checkin"
[queues.support.variants.{arm}]
policy = "checkin"
prompts = {{ apology = "" }}
[queues.support.experiment]
arms = {{ checkin = 1, {arm} = 1 }}
""", database_url=any_url)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    assert twilio.post(f"/voice/wait?queue=support&policy=checkin&arm={arm}",
                       {"CallSid": CALLER, "QueueTime": "5", "QueuePosition": "1"}
                       ).status_code == 200
    logged = row(app)
    assert (logged["arm"], logged["polls"]) == (arm, 1)
    store = app.extensions["holdwell"].store
    assert store.journal.backlog() == 0 and store.journal.set_aside() == 0
    assert {fact["arm"] for fact in facts(app, "ENTERQUEUE")} == {arm}
    store.engine.dispose()
