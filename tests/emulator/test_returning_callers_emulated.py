"""Issue 16 item 2 through the emulator: callers with a callback booked ring the line again.

The app recognises them at /voice/incoming and asks: keep the callback (1) or wait on the line
instead (2). Keeping ends the new call unqueued; waiting cancels the callback, then queues the
call. Never both, and never two callbacks outstanding for one person."""

from __future__ import annotations

import json
from collections import defaultdict
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from sqlalchemy import create_engine, select

from app.storage.schema import call_events, callbacks
from emulator.returning import RingingAgain
from emulator.run import emulate
from simulator.behaviour import Reactions
from simulator.errors import ScenarioError
from simulator.scenario import Callbacks, simple_scenario

AGAIN = RingingAgain(ring_again_p=0.6, ring_again_s=120.0, wait_instead_p=0.4)


def rows(url, table, prefix):
    with create_engine(url).connect() as conn:
        return conn.execute(select(table).where(table.c.call_id.startswith(prefix))
                            ).mappings().all()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('returning') / 'holdwell.db'}"
    scenario = simple_scenario(calls=300, agents=3, arrivals_per_min=2.5, service_mean_min=1.5,
                               patience_mean_min=8.0, callbacks=Callbacks(answer_p=0.9),
                               reactions=Reactions(callback_p=0.4, callback_if_too_long_p=0.9))
    result = emulate(scenario, "callback", np.random.default_rng(5), database_url=url,
                     record=True, ringing_again=AGAIN)
    events = defaultdict(list)
    for event in rows(url, call_events, result.call_id_prefix):
        events[event["call_id"]].append(event)
    booked = {r["call_id"]: r for r in rows(url, callbacks, result.call_id_prefix)}
    return result, events, booked


def answers(result, key: str) -> dict[str, str]:
    """Returning calls that pressed `key` -> the call whose callback they were asked about."""
    return {r.params["CallSid"]: parse_qs(urlsplit(r.url).query)["booked"][0]
            for r in result.requests if r.kind == "gather"
            and r.url.startswith("/voice/callback/returning") and r.params["Digits"] == key}


def kinds(events, call: str) -> list[str]:
    return [e["event"] for e in events[call]]


def test_callers_who_ring_again_are_recognised_and_asked(run):
    result, events, _ = run
    assert result.errors == []
    later = [p["CallSid"] for p in result.posted("incoming")
             if p["CallSid"].startswith(result.call_id_prefix + "e")]
    kept, waited = answers(result, "1"), answers(result, "2")
    assert len(kept) >= 15 and len(waited) >= 10
    assert set(kept) | set(waited) == set(later)  # every one was asked: all had one pending
    heard = "\n".join("\n".join(c.heard) for c in result.callers)
    assert "[rings again before the callback comes]" in heard
    assert "You already have a call back booked" in heard


def test_keeping_the_callback_ends_the_call_unqueued_and_the_callback_stands(run):
    """Unless it ended while they were asked (its last attempt rang this very call): then
    they are told so and wait on the line (tests/app/test_returning_caller_honest.py)."""
    result, events, booked = run
    ended_meanwhile = 0
    for call, first in answers(result, "1").items():
        if "CALLBACK_KEPT" not in kinds(events, call):
            ended_meanwhile += 1
            waits = next(e["time"] for e in events[call] if e["event"] == "RETURNING"
                         and json.loads(e["data"])["choice"] == "wait")
            assert booked[first]["status"] in ("failed", "cancelled")  # a kept one stands
            assert booked[first]["resolved_at"] <= waits and "ENTERQUEUE" in kinds(events, call)
            continue
        assert "ENTERQUEUE" not in kinds(events, call)
        kept = next(e for e in events[call] if e["event"] == "CALLBACK_KEPT")
        assert json.loads(kept["data"])["booked"] == first
        assert booked[first]["status"] in ("connected", "failed")  # dialled as booked
    assert ended_meanwhile <= len(answers(result, "1")) // 5


def test_waiting_instead_cancels_the_callback_before_the_call_is_queued(run):
    result, events, booked = run
    for call, first in answers(result, "2").items():
        callback = booked[first]
        if callback["status"] != "cancelled" and "CALLBACK_KEPT" in kinds(events, call):
            # an agent was dialling it already: it stands, and this call is one that kept it
            assert "ENTERQUEUE" not in kinds(events, call)  # (never queued, never an abandon)
            continue
        if callback["status"] != "cancelled":  # it ended while they were asked: they wait
            assert "ENTERQUEUE" in kinds(events, call)
            continue
        assert "CALLBACK_KEPT" not in kinds(events, call)
        assert "ENTERQUEUE" in kinds(events, call)
        queued = next(e["time"] for e in events[call] if e["event"] == "ENTERQUEUE")
        assert callback["resolved_at"] <= queued
        assert not [e for e in events[first] if e["event"] == "CALLBACK_ATTEMPT"
                    and e["time"] >= callback["resolved_at"]]  # never dialled once cancelled


def test_nobody_ever_has_two_callbacks_outstanding(run):
    _, _, booked = run
    by_number = defaultdict(list)
    for callback in booked.values():
        by_number[callback["number"]].append(callback)
    assert max(len(each) for each in by_number.values()) >= 2  # some booked again later
    for each in by_number.values():
        each.sort(key=lambda c: c["requested_at"])
        for earlier, later in zip(each, each[1:], strict=False):
            assert earlier["resolved_at"] is not None
            assert earlier["resolved_at"] <= later["requested_at"]


def test_ringing_again_is_off_by_default_and_validated():
    assert RingingAgain().ring_again_p == 0
    with pytest.raises(ScenarioError, match="wait_instead_p"):
        RingingAgain(wait_instead_p=1.5)
    with pytest.raises(ScenarioError, match="ring_again_s"):
        RingingAgain(ring_again_s=-1)


def test_the_choice_to_wait_says_it_joins_the_end_of_the_line(run):
    """The callback's place is not carried over to the new call (Twilio serves a queue in
    the order it was joined): the question and the answer say so (a review found the place
    lost in silence)."""
    result, _, _ = run
    waited = set(answers(result, "2"))
    asked = [c for c in result.callers if any("Welcome back" in h for h in c.heard)]
    assert len(waited) >= 10 and len(asked) > len(waited)
    for caller in asked:
        heard = " ".join(caller.heard)
        assert "wait on the line now, at the end of the line, press 2" in heard
        if caller.call_sid in waited:
            assert "behind the callers already waiting" in heard
