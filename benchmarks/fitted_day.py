"""The fitted-day benchmark's parts: a month to fit, and SimPy running the same fitted day.

The month: a line with a day shape (closed at night, a morning peak), log-normal talk and
Weibull patience, default caller reactions, under music and ads; `holdwell fit` turns it into
the scenario file every engine here runs. SimPy gets the same fitted day with the same
pre-drawn callers (arrivals through the same rate profile, talk and patience from the same
laws): agents as a store of tokens following the half-hour schedule (idle agents leave at a
drop at once, busy ones after their call, as in holdwell), callers who hang up at their
patience, no policies and no reactions (SimPy has neither), so its twin in holdwell is
`silence` with reactions off.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from simulator.distributions import Lognormal, Weibull
from simulator.run import policy_named, simulate
from simulator.scenario import RateProfile, Scenario, Staffing
from simulator.staffing import staffing_changes
from simulator.streams import Streams

MONTH_RATES = RateProfile(((0, 0.0), (420, 0.8), (540, 2.0), (720, 1.6), (960, 1.2),
                           (1140, 0.3), (1320, 0.0)))
MONTH_STAFF = Staffing(((0, 0), (420, 4), (540, 9), (720, 8), (960, 6), (1140, 2), (1320, 0)))


def month_records(days: int = 28, seed: int = 2026):
    """A month of calls under music and ads, as the records a live line would export."""
    truth = Scenario(calls=round(MONTH_RATES.daily_calls * days), arrivals=MONTH_RATES,
                     agents=MONTH_STAFF, service=Lognormal(300.0, 0.8),
                     patience=Weibull(180.0, 0.8))
    return simulate(truth, policy_named("music_ads"), np.random.default_rng(seed)).table.frame()


def write_scenario(path: Path) -> None:
    """Fit the month and write the scenario file (not timed)."""
    from app.console.toml_writer import dumps
    from simulator.scenario_file import HEADER, twin_to_dict
    from simulator.twin import fit_twin

    path.write_text(HEADER + dumps(twin_to_dict(fit_twin(month_records()))), encoding="utf-8")


def simpy_day(scenario: Scenario, seed: int) -> tuple[float, float]:
    """Seconds and abandonment of one fitted day in SimPy (callers drawn as holdwell does)."""
    import simpy

    began = time.perf_counter()
    callers = Streams.spawn(np.random.default_rng(seed)).callers(scenario)
    arrivals = callers.arrivals_s.tolist()
    talk, patience = callers.service_s.tolist(), callers.patience_s.tolist()
    env = simpy.Environment()
    agents = simpy.Store(env)
    for _ in range(scenario.agents.initial):
        agents.put(object())
    state = {"owed": 0, "abandoned": 0}

    def release(agent: object) -> None:
        if state["owed"]:
            state["owed"] -= 1  # this agent goes off duty after the call
        else:
            agents.put(agent)

    def caller(i: int):
        get = agents.get()
        result = yield get | env.timeout(patience[i])
        if get not in result:
            get.cancel()
            state["abandoned"] += 1
            return
        yield env.timeout(talk[i])
        release(result[get])

    def schedule():
        current = scenario.agents.initial
        for at, target in staffing_changes(scenario.agents):
            if at > arrivals[-1]:
                return
            yield env.timeout(at - env.now)
            for _ in range(target - current):
                if state["owed"]:
                    state["owed"] -= 1
                else:
                    agents.put(object())
            for _ in range(current - target):
                if agents.items:
                    agents.items.pop()
                else:
                    state["owed"] += 1
            current = target

    def arrive():
        for i, at in enumerate(arrivals):
            yield env.timeout(at - env.now)
            env.process(caller(i))

    env.process(arrive())
    env.process(schedule())
    env.run()
    return time.perf_counter() - began, state["abandoned"] / len(arrivals)
