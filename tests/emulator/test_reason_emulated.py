"""The caller's reason through the emulator (issue 16 item 9): callers asked in the first
check-in answer in words (SpeechResult and Confidence, as Twilio posts them), the words are
kept with their call, and the agent who takes a caller was told that caller's words."""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import create_engine, select

from app.storage.schema import call_events
from emulator.emulator import REASONS
from emulator.run import emulate
from hold_policies.config import parse_config
from simulator.behaviour import Reactions
from simulator.scenario import simple_scenario

ASKING = parse_config({"queues": {"support": {"policy": "checkin", "checkin": {
    "ask_reason": True, "first_checkin_s": 20}}}})


def events(url: str, prefix: str, name: str) -> list:
    with create_engine(url).connect() as conn:
        return conn.execute(select(call_events).where(
            call_events.c.call_id.startswith(prefix), call_events.c.event == name)).all()


def test_callers_give_reasons_and_agents_hear_the_one_they_take(sqlite_url):
    scenario = simple_scenario(calls=80, agents=3, arrivals_per_min=2.0, service_mean_min=2.0,
                               patience_mean_min=20.0, reactions=Reactions(reason_p=0.7))
    run = emulate(scenario, "checkin", np.random.default_rng(5), database_url=sqlite_url,
                  config=ASKING, record=True)
    assert run.errors == []
    spoken = run.posted("gather_speech")
    reasons = events(sqlite_url, run.call_id_prefix, "REASON")
    asked = {e.call_id for e in events(sqlite_url, run.call_id_prefix, "ANNOUNCE")}
    assert len(spoken) == len(reasons) > 10  # each answer kept once
    assert all(set(p) >= {"SpeechResult", "Confidence"} and "Digits" not in p for p in spoken)
    assert {json.loads(e.data)["transcript"] for e in reasons} <= set(REASONS)
    assert {e.call_id for e in reasons} <= asked  # only callers who heard a check-in
    share = len(reasons) / len(asked)
    assert 0.55 < share < 0.85  # reason_p = 0.7 of those asked (a key press defers the question)
    connects = {e.call_id: json.loads(e.data)["agent_call_id"]
                for e in events(sqlite_url, run.call_id_prefix, "CONNECT")}
    briefed = events(sqlite_url, run.call_id_prefix, "AGENT_BRIEFED")
    assert len(briefed) > 5
    matched = [connects.get(e.call_id) == json.loads(e.data)["agent_call_id"] for e in briefed]
    assert sum(matched) / len(matched) >= 0.9  # told about the caller they then took
    answered_with_reason = {e.call_id for e in reasons} & set(connects)
    assert len({e.call_id for e in briefed} & answered_with_reason) >= 0.9 * len(
        answered_with_reason)  # and nearly every answered caller's words reached their agent
    heard = " ".join(" ".join(c.heard) for c in run.callers)
    assert "[says " in heard and "pass that on" in heard

