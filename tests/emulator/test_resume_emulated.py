"""Issue 16 item 6 through the emulator: a dropped line, a ring-back, the caller's own place.

The virtual callers' lines drop after check-ins (`Reactions.line_drop_p`) and they ring back
as the fast engine draws it; the app puts them in its rejoin queue, and the emulator follows
its TwiML: the Enqueue names that queue and an agent's <Dial><Queue> takes its head."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest
from sqlalchemy import create_engine, select

from app.storage.migrate import upgrade
from app.storage.schema import call_events, calls
from emulator.run import emulate
from hold_policies.closed_line import ClosedLine
from hold_policies.config import HoldwellConfig, parse_config
from hold_policies.factory import prompts_of
from hold_policies.hours import OpeningHours, parse_spans
from hold_policies.resume import ResumeRule
from simulator.behaviour import Reactions
from simulator.distributions import Exponential, NoPatience
from simulator.engine import PolledEngine
from simulator.run import policy_named
from simulator.scenario import ReplayedArrivals, Scenario, Staffing, handoff_for, simple_scenario
from simulator.streams import Callers, Streams
from tests.emulator.test_agreement import batch_se, proportion_se

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RULE = ResumeRule(within_s=300, after_checkin_s=15)
DROPS = dataclasses.replace(Reactions.off(), line_drop_p=1.0, ring_back_p=1.0, ring_back_s=0.5)


def rows(url, table, prefix):
    with create_engine(url).connect() as conn:
        return conn.execute(select(table).where(table.c.call_id.startswith(prefix))
                            .order_by(table.c.call_id)).mappings().all()


def three_callers(sqlite_url, rule=RULE):
    """One agent talks to the first caller for 400 s; the second (10 s) and third (20 s)
    wait, and every check-in of theirs drops 3 s in; each rings back about 0.5 s later."""
    arrivals, talk = [0.0, 10.0, 20.0], [400.0, 30.0, 30.0]
    scenario = Scenario(calls=3, arrivals=ReplayedArrivals(tuple(arrivals)),
                        agents=Staffing.constant(1), service=Exponential(60.0),
                        patience=NoPatience(), reactions=DROPS, resume=rule)
    people = Callers(np.array(arrivals), np.array(talk), np.full(3, np.inf))
    return emulate(scenario, "checkin", np.random.default_rng(1), database_url=sqlite_url,
                   record=True, callers=people)


def test_a_caller_who_rings_back_is_answered_before_those_who_came_after_them(sqlite_url):
    result = three_callers(sqlite_url)
    assert result.errors == []
    prefix = result.call_id_prefix
    first, second, third = (c.call_sid for c in result.callers)
    # the app put each ring-back in its rejoin queue, and the emulator followed it there
    heard = "\n".join(result.callers[1].heard)
    assert "[the line drops]" in heard and "[joins support-rejoin]" in heard
    legs = [p for p in result.posted("incoming") if p["CallSid"].startswith(prefix + "e")]
    assert len(legs) >= 4  # both waiting callers dropped, more than once
    taken = [r for r in result.requests if r.kind == "queue_url" and "rejoined=1" in r.url]
    assert {p.params["CallSid"] for p in taken} <= {p["CallSid"] for p in legs}
    assert len(taken) == 2  # both were answered from the rejoin queue
    connected = {e["call_id"]: e["time"] for e in rows(sqlite_url, call_events, prefix)
                 if e["event"] == "CONNECT"}
    assert connected[second] < connected[third]  # their place was kept: 2nd before 3rd
    assert result.table.outcome.tolist() == [0, 0, 0]  # answered, one record each


def test_the_log_joins_the_legs_as_one_call_waiting_from_its_first_entry(sqlite_url):
    result = three_callers(sqlite_url)
    prefix = result.call_id_prefix
    records = {r["call_id"]: r for r in rows(sqlite_url, calls, prefix)}
    assert len(records) == 3  # one call per person: the legs have no call of their own
    assert not [c for c in records if c.startswith(prefix + "e")]
    second = result.callers[1].call_sid
    events = [e for e in rows(sqlite_url, call_events, prefix) if e["call_id"] == second]
    kinds = [e["event"] for e in events]
    assert kinds.count("RESUMED") >= 2 and "ABANDON" not in kinds
    assert records[second]["outcome"] == "answered"
    entered = min(e["time"] for e in events if e["event"] == "ENTERQUEUE")
    answered = next(e["time"] for e in events if e["event"] == "CONNECT")
    assert result.table.wait_s[1] == pytest.approx((answered - entered).total_seconds(), abs=1)
    assert result.table.wait_s[1] > 380  # from 23 s (after the welcome) to about 410 s


def test_without_the_rule_nobody_rings_back_and_a_drop_is_an_abandon(sqlite_url):
    result = three_callers(sqlite_url, rule=None)
    assert result.errors == []
    assert [p for p in result.posted("incoming") if p["CallSid"].startswith(
        result.call_id_prefix + "e")] == []  # as in the fast engine: not modelled
    assert result.table.outcome.tolist()[1:] == [1, 1]  # abandoned


CALLS = 1200


def busy(drop_p: float = 0.1):
    return simple_scenario(
        calls=CALLS, agents=4, arrivals_per_min=2.2, service_mean_min=2.0,
        patience_mean_min=6.0, reactions=Reactions(line_drop_p=drop_p), resume=RULE,
        handoff=handoff_for(prompts_of(HoldwellConfig().queues["support"])))


def fast_engine(scenario, seed):
    streams = Streams.spawn(np.random.default_rng(seed))
    engine = PolledEngine(scenario, policy_named("checkin"), streams, streams.callers(scenario))
    return engine.run(), sum(engine.resumed.values())


BUSY_SEED = 21


@pytest.fixture(scope="module")
def busy_run(tmp_path_factory):
    """One emulated busy hour with dropped lines (recorded), shared by the tests below: each
    emulation of it takes half a minute."""
    url = f"sqlite:///{tmp_path_factory.mktemp('busy') / 'holdwell.db'}"
    upgrade(url)
    return url, emulate(busy(), "checkin", np.random.default_rng(BUSY_SEED), database_url=url,
                        record=True)


def test_dropped_lines_agree_with_the_fast_engine(busy_run):
    sqlite_url, emulated = busy_run
    assert emulated.errors == []
    table, fast_resumed = fast_engine(busy(), BUSY_SEED)
    ours = emulated.table
    n = len(ours.outcome)
    assert n == len(table.outcome) == CALLS  # both legs are one call in both engines
    a, b = np.mean(ours.outcome == 1), np.mean(table.outcome == 1)
    assert abs(a - b) < 3 * math.hypot(proportion_se(a, n), proportion_se(b, n)), (a, b)
    se_wait = math.hypot(batch_se(ours.wait_s), batch_se(table.wait_s))
    assert abs(ours.wait_s.mean() - table.wait_s.mean()) < 3 * se_wait
    resumed = sum(1 for e in rows(sqlite_url, call_events, emulated.call_id_prefix)
                  if e["event"] == "RESUMED")
    assert fast_resumed > 40 and resumed > 40
    assert abs(resumed - fast_resumed) < 3 * math.sqrt(resumed + fast_resumed), (
        resumed, fast_resumed)


PLACE = re.compile(r"\[told place (\d+); (\d+) truly ahead, (\d+) in another queue\]")


def test_nobody_is_told_a_place_ahead_of_callers_truly_ahead_of_them(busy_run):
    """Every place a check-in says is at least 1 + the callers ahead of the caller then (in
    their own Twilio queue, and rejoined callers, or callers of the queue itself, who first
    entered before them): no "next in line" while a rejoined caller ahead still waits."""
    result = busy_run[1]
    assert result.errors == []
    places = [tuple(map(int, found.groups())) for caller in result.callers
              for line in caller.heard if (found := PLACE.search(line))]
    assert len(places) > 600
    assert [p for p in places if p[0] < p[1] + 1] == []  # 75 of 861 before the fix
    assert sum(1 for _, _, elsewhere in places if elsewhere) > 50  # the case in point


CLOSES_AT_ONE_MINUTE = OpeningHours("UTC", tuple(parse_spans("00:00-00:01") for _ in range(7)))


def test_a_line_dropped_after_closing_time_is_still_a_place_kept_in_both_engines(sqlite_url):
    """The three callers above on a line that closes a minute after the first rang: their
    check-ins come after closing ("we will still answer everyone who is already waiting"),
    and the lines drop then. Ringing back within `within_s`, they rejoin as in open hours,
    as the fast engine has them; the app had answered the ring-back with the closed
    message and a goodbye (first leg abandoned, second logged closed)."""
    arrivals, talk = [0.0, 10.0, 20.0], [400.0, 30.0, 30.0]
    line = ClosedLine(CLOSES_AT_ONE_MINUTE, offers_callbacks=False)
    scenario = Scenario(calls=3, arrivals=ReplayedArrivals(tuple(arrivals)),
                        agents=Staffing.constant(1), service=Exponential(60.0),
                        patience=NoPatience(), reactions=DROPS, resume=RULE, closed_line=line)
    people = Callers(np.array(arrivals), np.array(talk), np.full(3, np.inf))
    config = parse_config({"queues": {"support": {"policy": "checkin", "hours": {
        "timezone": "UTC", **{day: "00:00-00:01" for day in DAYS}}}}})
    result = emulate(scenario, "checkin", np.random.default_rng(1), database_url=sqlite_url,
                     config=config, record=True, callers=people)
    assert result.errors == []
    heard = "\n".join(result.callers[1].heard)
    assert "closed to new calls" in heard and "[the line drops]" in heard
    assert "We are closed now" not in heard and "[joins support-rejoin]" in heard
    assert result.table.outcome.tolist() == [0, 0, 0]  # was [0, 1, 1]: abandoned
    assert not [r for r in rows(sqlite_url, calls, result.call_id_prefix)
                if r["outcome"] == "closed"]  # no ring-back logged as a closed call
    fast = PolledEngine(scenario, policy_named("checkin"), Streams.spawn(
        np.random.default_rng(1)), people)
    assert fast.run().outcome.tolist() == [0, 0, 0] and fast.resumed.get(1, 0) >= 1
