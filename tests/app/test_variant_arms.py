"""Words under test, live (issue 16 item 8): each caller hears their arm's variant through the
real routes, the URLs carry the arm, and every logged event and the record carry policy + arm."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage.read import read_records_frame
from app.storage.schema import call_events
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[queues.support]
policy = "checkin"
[queues.support.variants.warm]
policy = "checkin"
prompts = { welcome = "Welcome to the warm line.", apology = "We are so sorry for the wait." }
[queues.support.variants.plain]
policy = "checkin"
prompts = { welcome = "Welcome to the plain line.", apology = "" }
settings = { interval_s = 90 }
[queues.support.experiment]
arms = { warm = 1, plain = 1 }
"""
CALLERS = [sid(f"variant caller {i}") for i in range(16)]


@pytest.fixture
def line(make_app):
    app = make_app(CONFIG)
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def one_call(twilio, call_id: str) -> dict:
    """Ring, poll until the first check-in, press keep-waiting, hang up: what was heard."""
    incoming = twilio.post("/voice/incoming", {"CallSid": call_id, "From": "+14155550100"})
    wait_url = parse(incoming.data).find("Enqueue").get("waitUrl")
    arm = query_of(wait_url)["arm"]
    first = twilio.post(wait_url, wait_form(call_id, queue_time=0, position=2, size=2))
    checkin = twilio.post(wait_url, wait_form(call_id, queue_time=95, position=2, size=2))
    choice_url = parse(checkin.data).find("Gather").get("action")
    ack = twilio.post(choice_url, {**wait_form(call_id, queue_time=100), "Digits": "1"})
    twilio.post(parse(incoming.data).find("Enqueue").get("action"),
                {"CallSid": call_id, "QueueResult": "hangup", "QueueTime": "120"})
    return {"arm": arm, "policy": query_of(wait_url)["policy"], "welcome": spoken(first.data),
            "checkin": spoken(checkin.data), "choice": query_of(choice_url),
            "ack": spoken(ack.data)}


def test_each_caller_hears_their_arms_words_and_the_urls_carry_the_arm(line):
    _, twilio = line
    heard = {call_id: one_call(twilio, call_id) for call_id in CALLERS}
    assert {h["arm"] for h in heard.values()} == {"warm", "plain"}  # both arms drawn
    for h in heard.values():
        assert h["policy"] == "checkin"
        assert h["choice"] == {"arm": h["arm"], "policy": "checkin", "queue": "support"}
        assert "keep your place" in h["ack"]
        if h["arm"] == "warm":
            assert h["welcome"] == "Welcome to the warm line."
            assert h["checkin"].startswith("We are so sorry for the wait. You are number 2")
        else:
            assert h["welcome"] == "Welcome to the plain line."
            assert h["checkin"].startswith("You are number 2") and "sorry" not in h["checkin"]


def test_every_event_and_record_keeps_the_policy_and_names_the_variant_arm(line):
    app, twilio = line
    arms = {call_id: one_call(twilio, call_id)["arm"] for call_id in CALLERS}
    with app.extensions["holdwell"].store.engine.connect() as conn:
        rows = conn.execute(select(call_events.c.call_id, call_events.c.event,
                                   call_events.c.policy, call_events.c.arm)).all()
    logged = {row.call_id for row in rows}
    assert logged == set(CALLERS)
    for row in rows:
        if row.event in ("ENTERQUEUE", "ANNOUNCE", "KEYPRESS", "ABANDON"):
            assert (row.policy, row.arm) == ("checkin", arms[row.call_id]), row
    records = read_records_frame(app.extensions["holdwell"].settings.database_url)
    by_call = records.set_index("call_id")
    for call_id, arm in arms.items():
        assert (by_call.at[call_id, "policy"], by_call.at[call_id, "arm"]) == ("checkin", arm)
        assert by_call.at[call_id, "outcome"] == "abandoned"


def test_the_variants_own_settings_time_its_check_ins(line):
    """warm keeps the queue's 60 s interval; plain waits 90 s before its first check-in."""
    _, twilio = line
    due_at_65 = {}
    for call_id in CALLERS:
        incoming = twilio.post("/voice/incoming", {"CallSid": call_id, "From": "+14155550100"})
        wait_url = parse(incoming.data).find("Enqueue").get("waitUrl")
        twilio.post(wait_url, wait_form(call_id, queue_time=0, position=2, size=2))
        at_65 = twilio.post(wait_url, wait_form(call_id, queue_time=65, position=2, size=2))
        due_at_65.setdefault(query_of(wait_url)["arm"], set()).add(
            parse(at_65.data).find("Gather") is not None)
    assert due_at_65 == {"warm": {True}, "plain": {False}}


def test_a_stale_or_unknown_arm_falls_back_to_the_urls_policy(line):
    _, twilio = line
    for url in ("/voice/wait?arm=plain&policy=silence&queue=support",  # variant of another
                "/voice/wait?arm=gone&policy=checkin&queue=support"):   # no such variant now
        response = twilio.post(url, wait_form(sid("stale"), queue_time=60, position=2, size=2))
        text = spoken(response.data)
        assert "plain line" not in text and "so sorry" not in text
    default = twilio.post("/voice/wait?arm=gone&policy=checkin&queue=support",
                          wait_form(sid("stale 2"), queue_time=60, position=2, size=2))
    assert "Sorry to keep you waiting." in spoken(default.data)  # the plain policy's words
