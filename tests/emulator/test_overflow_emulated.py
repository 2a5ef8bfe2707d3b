"""Issue 16 items 4-5 through the emulator: the real app, Twilio's semantics, virtual callers.

Past the maximum wait callers hear the offer; some take a callback, some leave a message
(<Leave/>, then <Record> after the Enqueue action, then Twilio's transcription), the rest end
as overflow, never abandoned; a full Twilio queue answers with the same offer."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import create_engine, select

from app.signed_client import SignedClient
from app.storage.schema import call_events, callback_messages, callbacks, calls
from emulator import documents
from emulator.documents import parse
from emulator.listening import listen
from emulator.run import emulate
from hold_policies.config import parse_config
from simulator.behaviour import Reactions
from simulator.scenario import Callbacks, simple_scenario
from tests.conftest import AUTH_TOKEN

REACTIONS = Reactions(overflow_callback_p=0.3, overflow_voicemail_p=0.4, callback_p=0.0,
                      callback_if_too_long_p=0.0, message_s=20.0)


def config(**overflow: object):
    return parse_config({"line": {"support_number": "+14155550000"},
                         "queues": {"support": {"policy": "checkin", "max_size": 3,
                                                "overflow": overflow}}})


def rows(url, table, prefix):
    with create_engine(url).connect() as conn:
        return conn.execute(select(table).where(table.c.call_id.startswith(prefix))
                            ).mappings().all()


def busy(seed: int = 4):
    return simple_scenario(calls=40, agents=1, arrivals_per_min=1.5, service_mean_min=2.0,
                           patience_mean_min=12.0, reactions=REACTIONS,
                           callbacks=Callbacks(answer_p=1.0),
                           start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def test_past_the_maximum_wait_callers_take_callbacks_leave_messages_or_end_as_overflow(
    sqlite_url,
):
    result = emulate(busy(), "checkin", np.random.default_rng(4), database_url=sqlite_url,
                     config=config(max_wait_s=180, voicemail=True, transcribe=True,
                                   message_max_s=60),
                     record=True)
    assert result.errors == []
    prefix = result.call_id_prefix
    events = rows(sqlite_url, call_events, prefix)
    offered = {e["call_id"] for e in events if e["event"] == "OVERFLOW"}
    messages = {e["call_id"] for e in events if e["event"] == "VOICEMAIL"}
    assert len(offered) >= 5 and messages and messages <= offered
    outcomes = {r["call_id"]: r["outcome"] for r in rows(sqlite_url, calls, prefix)}
    assert not [c for c in offered if outcomes[c] == "abandoned"]  # never an abandon
    assert Counter(outcomes[c] for c in offered) - Counter(
        {"callback_connected": 10 ** 6, "overflow": 10 ** 6, "answered": 10 ** 6}) == Counter()
    tasks = {r["call_id"]: r for r in rows(sqlite_url, callbacks, prefix)}
    left = {r["call_id"]: r for r in rows(sqlite_url, callback_messages, prefix)}
    for call in messages:  # each message is a callback task with its recording and words
        assert left[call]["callback_id"] == call
        assert left[call]["recording_url"].startswith("https://api.twilio.com/")
        assert left[call]["recording_s"] == 20
        assert left[call]["transcript"] == "Please call me back about my order"
        assert tasks[call]["status"] == "connected"
    kinds = Counter(r.kind for r in result.requests)
    assert kinds["record_action"] == len(messages) == kinds["transcription"]
    record_posts = [r for r in result.requests if r.kind == "record_action"]
    assert all(r.url.startswith("/voice/voicemail/recorded") for r in record_posts)
    heard = " ".join(" ".join(c.heard) for c in result.callers)
    assert "[leaves a 20 s message] Thank you. We have your message" in heard
    assert "waited so long" in heard


def test_a_full_twilio_queue_is_answered_with_the_offer_instead_of_a_drop(sqlite_url):
    result = emulate(busy(seed=6), "checkin", np.random.default_rng(6), database_url=sqlite_url,
                     config=config(when_full=True, voicemail=True), record=True)
    assert result.errors == []
    full = [r for r in result.requests
            if r.kind == "enqueue_action" and r.params["QueueResult"] == "queue-full"]
    assert len(full) >= 3
    assert not any("QueueTime" in r.params or "QueueSid" in r.params for r in full)
    turned_away = {r.params["CallSid"] for r in full}
    outcomes = {r["call_id"]: r["outcome"] for r in rows(sqlite_url, calls, result.call_id_prefix)}
    seen = Counter(outcomes[c] for c in turned_away)
    assert seen["abandoned"] == 0 and seen["error"] == 0
    assert seen["overflow"] >= 1 and seen["overflow"] < len(turned_away)
    assert any(r.url.startswith("/voice/overflow/choice") for r in result.requests)
    told = [" ".join(c.heard) for c in result.callers if c.call_sid in turned_away]
    assert any(r.url.startswith("/voice/overflow/confirm") for r in result.requests)
    booked = [t for t in told if "Thank you. We will call you back at the number" in t]
    assert all("number ending in" in t for t in booked)  # read back before it was booked
    assert booked and all("when your turn comes" in t for t in told)
    assert not any("place" in t for t in told)  # never in line: no place is promised


def test_with_after_offer_leave_callers_still_take_the_offer(sqlite_url):
    """The offer's <Gather> takes the key before the goodbye and <Leave/>: with after_offer
    "leave" callers still take callbacks and leave messages, as with keep_waiting."""
    result = emulate(busy(), "checkin", np.random.default_rng(4), database_url=sqlite_url,
                     config=config(max_wait_s=180, voicemail=True, after_offer="leave"),
                     record=True)
    assert result.errors == []
    events = rows(sqlite_url, call_events, result.call_id_prefix)
    offered = {e["call_id"] for e in events if e["event"] == "OVERFLOW"}
    took = {e["call_id"] for e in events if e["event"] in ("CALLBACK_REQUESTED", "VOICEMAIL")}
    assert len(offered) >= 5 and took and took <= offered


def test_once_the_offer_is_heard_check_ins_go_on_with_its_keys(sqlite_url):
    """Callers who hold past the offer keep hearing their position and wait (with the offer's
    keys), never the apology word for word again (a review listening as callers)."""
    patient = Reactions(overflow_callback_p=0.0, overflow_voicemail_p=0.0, callback_p=0.0,
                        callback_if_too_long_p=0.0)
    scenario = simple_scenario(calls=40, agents=1, arrivals_per_min=1.5, service_mean_min=2.0,
                               patience_mean_min=60.0, reactions=patient,
                               start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    result = emulate(scenario, "checkin", np.random.default_rng(5), database_url=sqlite_url,
                     config=config(max_wait_s=180, voicemail=True), record=True)
    assert result.errors == []
    events = rows(sqlite_url, call_events, result.call_id_prefix)
    offered = {e["call_id"] for e in events if e["event"] == "OVERFLOW"}
    announced = Counter(e["call_id"] for e in events if e["event"] == "ANNOUNCE"
                        and e["wait_s"] is not None and e["wait_s"] >= 180)
    long_holders = [c for c in offered if announced[c] >= 3]
    assert len(long_holders) >= 3
    for caller in result.callers:
        if caller.call_sid not in long_holders:
            continue
        heard = " ".join(caller.heard)
        after = heard[heard.index("waited so long"):]
        assert heard.count("waited so long") == 1
        assert after.count("You are number") + after.count("You are next") >= 2
        assert after.count("Press 3 to leave a message") >= 3


def test_the_offer_made_again_after_a_wrong_key_is_heard_as_the_offer(make_app):
    """A wrong key at the queue-full offer now hears "that key does nothing here" and the
    offer once more (it had been a goodbye): the emulator's callers hear that document as the
    offer, with its keys, and the call ending if they press nothing."""
    app = make_app('[line]\nsupport_number = "+14155550000"\n[queues.support]\n'
                   'policy = "checkin"\n[queues.support.overflow]\nwhen_full = true\n'
                   'voicemail = true\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    form = {"CallSid": "CA" + "1" * 32, "From": "+14155550123"}
    twilio.post("/voice/incoming?queue=support", form)
    offer = twilio.post("/voice/queue-result?policy=checkin&queue=support",
                        {**form, "QueueResult": "queue-full"})
    action = parse(offer.data, documents.WAIT_VERBS)
    choice = next(v for v in action if v.name == "Gather").get("action")
    again = listen(parse(twilio.post(choice, {**form, "Digits": "9"}).data,
                         documents.WAIT_VERBS), lambda url: 0.0)
    assert again.heard.overflow and again.heard.apology
    assert (again.heard.callback_key, again.heard.voicemail_key) == ("2", "3")
    assert again.ends_with == "Hangup" and "again=1" in again.gather_action
