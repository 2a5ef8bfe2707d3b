"""Issue 16 item 7, customer-first dialling, through the emulator: the app's callback worker
rings the customer through an emulated REST API (emulator.customer_first); once they answer
they hold in `support-callbacks`, which agents' <Dial><Queue> take before anyone else.

The busy-line tests run the issue's line (9 agents, 3 calls a minute, 4-minute talks) scaled
to 1,200 calls per seed, callbacks offered from a 2-minute estimate (as
test_callback_window_emulated) so that two seeds give about 200 callbacks."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest
from sqlalchemy import create_engine, select

from app.storage.migrate import upgrade
from app.storage.schema import call_events, callbacks, calls
from emulator.realism import Realism
from emulator.run import EmulatedRun, emulate
from hold_policies.config import parse_config
from simulator.promises import late_callbacks
from simulator.run import policy_named, simulate
from simulator.scenario import Callbacks, simple_scenario
from simulator.table import CALLBACK_CONNECTED
from tests.emulator.test_agreement import batch_se
from tests.emulator.test_callbacks_emulated import TAKERS
from tests.simulator.test_callback_window import busy_line

LINE = "+14155550000"


def customer_first(**callback: object) -> object:
    return parse_config({"queues": {"support": {"policy": "callback", "callback": {
        "dialling": "customer_first", **callback}}}, "line": {"support_number": LINE}})


EAGER = customer_first(offer_after_estimate_s=0, offer_without_estimate_after_s=0)
BUSY = customer_first(offer_after_estimate_s=120)
SEEDS = (7, 8)
CALLS = 1200


def rows(url: str, table, prefix: str) -> list[dict]:
    with create_engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(select(table).where(
            table.c.call_id.startswith(prefix)).order_by(table.c.time if table is call_events
                                                         else table.c.call_id)).mappings()]


def data(event: dict) -> dict:
    raw = event["data"]
    return raw if isinstance(raw, dict) else json.loads(raw or "{}")


def small_line(url: str, answer_p: float, realism: Realism | None = None, seed: int = 5,
               config=EAGER) -> EmulatedRun:
    """One agent, 16 callers who all take the callback when offered (two-minute talks)."""
    scenario = simple_scenario(calls=16, agents=1, arrivals_per_min=3.0, service_mean_min=2.0,
                               patience_mean_min=20.0, reactions=TAKERS,
                               callbacks=Callbacks(answer_p=answer_p, retries=2,
                                                   retry_spacing_s=120.0))
    return emulate(scenario, "callback", np.random.default_rng(seed), database_url=url,
                   config=config, record=True, realism=realism)


def rest_legs(run: EmulatedRun) -> dict[str, list]:
    """Each callback's REST legs (their requests, in order), by the callback's call id."""
    legs: dict[str, list] = {}
    owner: dict[str, str] = {}
    for request in run.requests:
        if "/voice/callback/rest-" not in request.url:
            continue
        sid = request.params["CallSid"]
        if "call=" in request.url:
            owner.setdefault(sid, request.url.split("call=")[1].split("&")[0])
        legs.setdefault(owner.get(sid, sid), []).append(request)
    return legs


def test_the_worker_rings_the_customer_by_rest_and_an_agent_takes_them(sqlite_url):
    result = small_line(sqlite_url, answer_p=1.0)
    assert result.errors == []
    prefix = result.call_id_prefix
    assert result.posted("number_url") == []  # agents never dial in customer-first
    answers = result.posted("rest_answer")
    assert answers
    numbers = {c.call_sid: c.from_number for c in result.callers}
    by_call = rest_legs(result)
    for call_id, requests in by_call.items():
        first = requests[0].params
        assert (first["Direction"], first["From"], first["To"]) == (
            "outbound-api", LINE, numbers[call_id])
        assert first["AnsweredBy"] == "human"  # machine detection on (the app's default)
    # each answered customer was taken from the priority queue; held_s is its QueueTime
    taken = {r.params["CallSid"]: r for r in result.requests
             if r.kind == "queue_url" and "/voice/callback/rest-connect" in r.url}
    assert set(taken) == {a["CallSid"] for a in answers}
    events = rows(sqlite_url, call_events, prefix)
    connects = [e for e in events if e["event"] == "CALLBACK_CONNECT"]
    assert sorted(data(e)["held_s"] for e in connects) == sorted(
        float(r.params["QueueTime"]) for r in taken.values())
    agents = {data(e)["agent_call_id"] for e in connects}
    assert agents <= {r.params["DequeingCallSid"] for r in taken.values()}
    # the Enqueue action said bridged; each leg's own status callback said completed
    results = [r.params["QueueResult"] for r in result.requests if r.kind == "enqueue_action"
               and "/voice/callback/rest-result" in r.url]
    assert results == ["bridged"] * len(answers)
    ended = [r for r in result.requests if r.kind == "status" and "rest-status" in r.url]
    assert Counter(r.params["CallStatus"] for r in ended) == {"completed": len(answers)}
    # connected, or cancelled because an agent took them on their own call first
    table = rows(sqlite_url, callbacks, prefix)
    cancelled = {r["call_id"] for r in table if r["status"] == "cancelled"}
    assert table and all(r["status"] == "connected" or r["call_id"] in cancelled for r in table)
    assert cancelled.isdisjoint(rest_legs(result))  # and never rung


def test_missed_and_voicemail_legs_are_retried_and_nobody_answered_is_rung_again(sqlite_url):
    machines = Realism(answered_by={"human": 0.6, "machine_start": 0.4})
    result = small_line(sqlite_url, answer_p=0.6, realism=machines, seed=9)
    assert result.errors == []
    statuses, answered_by = Counter(), Counter()
    for call_id, requests in rest_legs(result).items():
        legs = [r for r in requests if r.kind == "rest_answer"
                or (r.kind == "status" and r.params["CallStatus"] == "no-answer")]
        people = [i for i, r in enumerate(legs) if r.kind == "rest_answer"
                  and r.params["AnsweredBy"] == "human"]
        assert len(people) <= 1 and (not people or people[0] == len(legs) - 1), call_id
        statuses.update(r.params["CallStatus"] for r in requests if r.kind == "status")
        answered_by.update(r.params["AnsweredBy"] for r in requests if r.kind == "rest_answer")
    assert statuses["no-answer"] and answered_by["machine_start"] and answered_by["human"]
    attempts = Counter(data(e)["result"] for e in rows(sqlite_url, call_events,
                                                       result.call_id_prefix)
                       if e["event"] == "CALLBACK_ATTEMPT")
    assert attempts["no-answer"] and attempts["voicemail"] and attempts["answered"]
    table = rows(sqlite_url, callbacks, result.call_id_prefix)
    assert not [r for r in table if r["status"] in ("pending", "claimed", "on_line")]


def test_agent_first_runs_no_worker(sqlite_url):
    agent_first = parse_config({"queues": {"support": {"callback": {
        "offer_after_estimate_s": 0, "offer_without_estimate_after_s": 0}}}})
    result = small_line(sqlite_url, answer_p=1.0, config=agent_first)
    assert result.errors == [] and result.posted("number_url")
    assert result.posted("rest_answer") == []
    assert not [r for r in result.requests if "/voice/callback/rest-" in r.url]


# -- the busy line, both engines ---------------------------------------------------
@pytest.fixture(scope="module")
def busy(tmp_path_factory) -> list[tuple[EmulatedRun, str]]:
    runs = []
    for seed in SEEDS:
        url = f"sqlite:///{tmp_path_factory.mktemp('cf') / 'holdwell.db'}"
        upgrade(url)
        runs.append((emulate(busy_line(CALLS), "callback", np.random.default_rng(seed),
                             database_url=url, config=BUSY, record=True), url))
    return runs


def held_intervals(run: EmulatedRun) -> list[tuple[str, float, float, float]]:
    """(leg, answered, joined the priority queue, taken by an agent) per answered customer,
    as Twilio saw it: the answer, the leg's first request in the queue, and the agent's
    dequeue (the rest-connect)."""
    answered = {p["CallSid"]: r.at for r in run.requests if r.kind == "rest_answer"
                for p in (r.params,)}
    joined: dict[str, float] = {}
    out = []
    for request in run.requests:
        sid = request.params.get("CallSid")
        if sid in answered and request.kind in ("wait", "queue_url"):
            joined.setdefault(sid, request.at)
        if request.kind == "queue_url" and "/voice/callback/rest-connect" in request.url:
            out.append((sid, answered[sid], joined[sid], request.at))
    return out


def overtaken(run: EmulatedRun) -> list[tuple[float, float, bool]]:
    """Main-queue callers answered while a customer held: (held from, answered at, whether
    the agent had been waiting in the main queue's <Dial> since before the customer
    answered, i.e. asked /voice/agent before there was anyone to take)."""
    asked: dict[str, list[float]] = {}  # each agent's requests for TwiML
    answers = []
    for request in run.requests:
        if request.url.startswith("/voice/agent"):
            asked.setdefault(request.params["CallSid"], []).append(request.at)
        if request.kind == "queue_url" and request.url.startswith("/voice/connect"):
            answers.append((request.at, request.params["DequeingCallSid"]))
    out = []
    for _, answered_at, start, end in held_intervals(run):
        for at, agent in answers:
            if start < at < end:
                last = max(t for t in asked[agent] if t <= at)
                out.append((start, at, last < answered_at))
    return out


def test_no_agent_who_asks_after_a_customer_answered_takes_a_later_caller_first(busy):
    """The app's part of the promise: /voice/agent gives every agent who asks while a
    customer holds (or is being greeted) the priority queue, so none of them answers a
    later caller first. The exception left is bounded below."""
    for run, _ in busy:
        assert run.errors == []
        assert len(held_intervals(run)) > 60  # enough customers held to mean something
        assert [case for case in overtaken(run) if not case[2]] == []


def test_a_later_caller_is_answered_while_a_customer_holds_only_rarely(busy):
    """The exception left to the promise (README, customer-first): an agent already waiting
    in the main queue's <Dial><Queue> (nobody to take when they asked /voice/agent) is not
    told that a customer answered, so a later caller who enqueues meanwhile is bridged to
    them at once, until that Dial's 30-s timeout. Measured 1 in 356 held customers when the
    emulator first ran customer-first; this bounds it at 1%."""
    held = overtaken_by_idle = 0
    for run, _ in busy:
        held += len(held_intervals(run))
        overtaken_by_idle += sum(1 for case in overtaken(run) if case[2])
    assert overtaken_by_idle <= 0.01 * held, (overtaken_by_idle, held)


def test_a_caller_answered_on_their_call_is_never_also_rung_back(busy):
    """An agent may take a caller at the head of the line while their confirmation plays
    (they leave the queue only at its <Leave/>), even as the worker starts ringing them:
    their callback is cancelled, a leg already on its way is not held for an agent (they
    are told they were helped), and no leg is placed after (before the fix, 18 of 357 were
    served twice)."""
    answered_after_booking = 0
    for run, url in busy:
        served = {r["call_id"] for r in rows(url, calls, run.call_id_prefix)
                  if r["callback_requested"] and r["outcome"] == "answered"}
        answered_after_booking += len(served)
        for call, legs in rest_legs(run).items():
            if call in served:
                answers = [r for r in legs if r.kind == "rest_answer"]
                assert len(answers) <= 1, call  # the leg already on its way; no retry
                assert not [r for r in legs if "rest-connect" in r.url], call  # not held
        cancelled = {r["call_id"] for r in rows(url, callbacks, run.call_id_prefix)
                     if r["status"] == "cancelled"}
        assert served <= cancelled
    assert answered_after_booking > 0  # the case happens on this line, so it was tested


def test_kept_windows_and_wait_after_answering_agree_with_the_fast_engine(busy):
    """Windows kept: among callbacks the worker had to ring (the fast engine cannot answer a
    caller during their confirmation; the xfail above), within 3 standard errors of a pooled
    two-proportion difference, and at least 95% in both. Mean held_s: within 3 combined batch
    standard errors plus 5 s for what only the emulator times: the agent's brief before the
    <Dial> (the customer holds through it; ~5-10 s when said), whole-second QueueTime, and
    agents idle in the main queue's <Dial> who find a held customer only at its 30-s
    timeout. (Live, the worker's 15-s rounds delay the ring, not the hold.)"""
    kept = said = fast_kept = fast_said = 0
    held: list[float] = []
    fast_held: list[float] = []
    for (run, url), seed in zip(busy, SEEDS, strict=True):
        figures = late_callbacks(run.table)
        kept += figures["kept"]
        said += figures["given_band"]  # callers served on their call are not among them
        held += [data(e)["held_s"] for e in rows(url, call_events, run.call_id_prefix)
                 if e["event"] == "CALLBACK_CONNECT"]
        fast = simulate(busy_line(CALLS), policy_named("callback", BUSY, "support"),
                        np.random.default_rng(seed)).table
        fast_figures = late_callbacks(fast)
        fast_kept, fast_said = fast_kept + fast_figures["kept"], fast_said + fast_figures[
            "given_band"]
        connected = fast.outcome == CALLBACK_CONNECTED
        fast_held += fast.callback_held_s[connected].tolist()
    assert said >= 150 and fast_said >= 150
    a, b = kept / said, fast_kept / fast_said
    pooled = (kept + fast_kept) / (said + fast_said)
    se = math.sqrt(pooled * (1 - pooled) * (1 / said + 1 / fast_said))
    assert a >= 0.95 and b >= 0.95, (a, b)
    assert abs(a - b) <= 3 * se + 1e-9, (a, b, se)
    ours, theirs = np.asarray(held, float), np.asarray(fast_held, float)
    assert len(ours) >= 150 and len(theirs) >= 150
    se_held = math.hypot(batch_se(ours), batch_se(theirs))
    assert abs(ours.mean() - theirs.mean()) < 3 * se_held + 5.0, (
        ours.mean(), theirs.mean(), se_held)
