"""Callbacks through the emulator: the real app, Twilio's semantics, virtual customers."""

from __future__ import annotations

import numpy as np
from sqlalchemy import create_engine, select

from app.storage.schema import call_events, callbacks, calls
from emulator.run import emulate
from hold_policies.config import parse_config
from simulator.behaviour import Reactions
from simulator.scenario import Callbacks, simple_scenario
from tests.support.callback_rows import rung_callbacks

EAGER = parse_config({"queues": {"support": {"callback": {
    "offer_after_estimate_s": 0, "offer_without_estimate_after_s": 0}}}})
TAKERS = Reactions(callback_p=1.0, callback_if_too_long_p=1.0, announcement_hangup_p=0.0,
                   too_long_leave_p=0.0)


def run(url, answer_p, retries=1, calls_n=16, seed=5):
    scenario = simple_scenario(calls=calls_n, agents=1, arrivals_per_min=3.0,
                               service_mean_min=2.0, patience_mean_min=20.0, reactions=TAKERS,
                               callbacks=Callbacks(answer_p=answer_p, retries=retries,
                                                   retry_spacing_s=120.0))
    return emulate(scenario, "callback", np.random.default_rng(seed), database_url=url,
                   config=EAGER, record=True)


def table(url, t, prefix):
    with create_engine(url).connect() as conn:
        return conn.execute(select(t).where(t.c.call_id.startswith(prefix))).mappings().all()


def test_callbacks_are_served_in_the_order_callers_first_entered(sqlite_url):
    result = run(sqlite_url, answer_p=1.0)
    assert result.errors == []
    rows = {r["call_id"]: r for r in table(sqlite_url, calls, result.call_id_prefix)}
    events = table(sqlite_url, call_events, result.call_id_prefix)
    served = [e["call_id"] for e in sorted(events, key=lambda e: (e["time"], e["id"]))
              if e["event"] in ("CONNECT", "CALLBACK_CONNECT")]
    entered = [rows[c]["entered_at"] for c in served]
    assert served and entered == sorted(entered)  # one agent: strictly first come first served
    rung = rung_callbacks(table(sqlite_url, callbacks, result.call_id_prefix),
                          {c: r["outcome"] for c, r in rows.items()})
    assert rung and all(rows[r["call_id"]]["outcome"] == "callback_connected" for r in rung)
    takers = [r for r in rows.values() if r["callback_requested"]]
    assert all(r["outcome"] != "abandoned" for r in takers)


def test_unanswered_callbacks_are_retried_then_given_up(sqlite_url):
    result = run(sqlite_url, answer_p=0.0, retries=1)
    outcomes = {r["call_id"]: r["outcome"]
                for r in table(sqlite_url, calls, result.call_id_prefix)}
    rows = rung_callbacks(table(sqlite_url, callbacks, result.call_id_prefix), outcomes)
    assert rows and all(r["status"] == "failed" and r["attempts"] == 2 for r in rows)
    events = table(sqlite_url, call_events, result.call_id_prefix)
    failed = {e["call_id"] for e in events if e["event"] == "CALLBACK_FAILED"}
    assert failed == {r["call_id"] for r in rows}
    assert result.summary["callbacks_failed"] == len(rows)
    assert result.summary["callbacks_connected"] == 0


def test_a_missed_callback_is_connected_on_a_later_attempt(sqlite_url):
    result = run(sqlite_url, answer_p=0.5, retries=3, calls_n=24, seed=9)
    events = table(sqlite_url, call_events, result.call_id_prefix)
    attempts: dict[str, list[str]] = {}
    for event in sorted(events, key=lambda e: (e["time"], e["id"])):
        if event["event"] == "CALLBACK_ATTEMPT":
            attempts.setdefault(event["call_id"], []).append(event["data"])
    retried_then_connected = [c for c, tries in attempts.items()
                              if len(tries) >= 2 and '"answered"' in tries[-1]
                              and '"no-answer"' in tries[0]]
    assert retried_then_connected
    pending = [r for r in table(sqlite_url, callbacks, result.call_id_prefix)
               if r["status"] in ("pending", "claimed")]
    assert pending == []  # the run ends only when every callback is resolved


def test_callers_can_key_another_number_and_a_bad_one_is_asked_again(sqlite_url):
    scenario = simple_scenario(calls=8, agents=1, arrivals_per_min=3.0, service_mean_min=2.0,
                               patience_mean_min=20.0, reactions=TAKERS,
                               callbacks=Callbacks(answer_p=1.0))
    result = emulate(scenario, "callback", np.random.default_rng(5), database_url=sqlite_url,
                     config=EAGER, record=True, number_entries=("123", "2125550199"))
    entries = [p["Digits"] for _, url, p, _ in result.requests
               if url.startswith("/voice/callback/entry")]
    assert "123" in entries and "2125550199" in entries
    rows = table(sqlite_url, callbacks, result.call_id_prefix)
    assert rows and all(r["number"] == "+12125550199" for r in rows)  # never "123"
    assert all(r["status"] == "connected" for r in rows)


def test_a_hash_callback_key_is_pressed_and_books_the_callback(sqlite_url):
    """callback_key "#": Twilio would swallow it as the Gather's finishOnKey unless the app
    sets none, and the emulator reads the documents as Twilio does (an error otherwise)."""
    hashed = parse_config({"queues": {"support": {"callback": {
        "offer_after_estimate_s": 0, "offer_without_estimate_after_s": 0,
        "callback_key": "#"}}}})
    scenario = simple_scenario(calls=12, agents=1, arrivals_per_min=3.0, service_mean_min=2.0,
                               patience_mean_min=20.0, reactions=TAKERS,
                               callbacks=Callbacks(answer_p=1.0))
    result = emulate(scenario, "callback", np.random.default_rng(5), database_url=sqlite_url,
                     config=hashed, record=True)
    assert result.errors == []
    pressed = [p.get("Digits") for p in result.posted("gather")]
    assert "#" in pressed
    assert table(sqlite_url, callbacks, result.call_id_prefix)
