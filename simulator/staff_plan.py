"""The fewest agents per half-hour that meet a target, per policy, from the fitted day.

Targets (each per half-hour, for the calls entering it): an unserved rate at most `max_unserved`
(the report's, per half-hour: slot_counts.UNSERVED_PER_SLOT), or a service level at least
`min_service_level` (the report's served_in_time_rate, per half-hour:
slot_counts.SERVED_IN_TIME_PER_SLOT, every caller counted, abandons as misses). The search
simulates the whole day (so a busy morning's queue spills into noon as it would),
`replications` runs of `days` days each, and adds an agent to every half-hour whose mean
figure misses the target, repeating until none does or `MAX_ROUNDS` rounds have run (then the
plan records the half-hours still short of the target: it is not a plan that meets it). Asked
to (`give_back`, as `holdwell staffing` does), a plan that meets it then gives back, one
half-hour at a time, every agent it can do without on the same seeds (`remove_spare`): adding
alone keeps agents a half-hour needed only while an earlier one was short, so without it the
plan is an upper bound on the fewest.
Each figure comes with the 95% t half-width over the replications (its simulation
uncertainty: near the target, one agent more or fewer may be within it). It starts from
Erlang-A's answer less a margin, so a policy that needs fewer agents can show it. Erlang-A
per half-hour (exponential talk and patience with the fitted means, no reactions,
stationary) is reported beside it as the textbook cross-check.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from analytics.intervals import wilson_interval
from hold_policies.base import HoldPolicy, label
from simulator.erlang import fewest_agents
from simulator.fit_results import SLOT_MIN, SLOTS
from simulator.replicate import edge_half_width, mean_and_half_width, replicate
from simulator.scenario import Scenario
from simulator.slot_counts import first_days_counts, slot_rates
from simulator.table import CallTable
from simulator.twin import Twin, twin_scenario

SLOT_S = SLOT_MIN * 60.0
MAX_ROUNDS = 25


@dataclass(frozen=True)
class Target:
    max_unserved: float | None = None
    min_service_level: float | None = None
    within_s: float = 20.0

    def __post_init__(self) -> None:
        if (self.max_unserved is None) == (self.min_service_level is None):
            raise ValueError("give exactly one target: max_unserved or min_service_level")
        value = self.max_unserved if self.max_unserved is not None else self.min_service_level
        if not 0 < value < 1:
            raise ValueError(f"the target must be a fraction in (0, 1) (got {value})")

    @property
    def metric(self) -> str:
        return "unserved" if self.max_unserved is not None else "service_level"

    def room(self, mean: float) -> float:
        """How far the simulated mean is inside the target (negative: short of it; a slot
        with no calls has all the room there is)."""
        if math.isnan(mean):
            return math.inf
        if self.max_unserved is not None:
            return self.max_unserved - mean
        return mean - self.min_service_level

    def met(self, mean: float) -> bool:
        """Met by the simulated mean (NaN: no calls there, nothing to meet)."""
        return self.room(mean) >= 0

    def short_of_it(self, counts: dict[str, np.ndarray]) -> np.ndarray:
        """Per slot, the calls that count against the target (unserved, or missed the service
        level) out of the calls it is judged on, from counts pooled over replications."""
        if self.max_unserved is not None:
            return np.stack([counts["unserved"], counts["entered"]])
        return np.stack([counts["entered"] - counts["served_within"], counts["entered"]])

    def unresolved(self, calls: float) -> float | None:
        """With none of `calls` simulated calls short of the target, the one-sided 95% bound on
        the target's figure (Clopper-Pearson: 1 - 0.05^(1/n) short); the bound if it still lies
        past the target (the simulation is too small to show the target met), else None."""
        if calls <= 0:
            return None
        worst = edge_half_width(calls)
        if self.max_unserved is not None:
            return worst if worst > self.max_unserved else None
        return 1.0 - worst if 1.0 - worst < self.min_service_level else None


@dataclass(frozen=True)
class PolicyPlan:
    policy: str
    agents: tuple[int, ...]  # per half-hour
    mean: tuple[float, ...]  # the target's figure at that staffing
    half_width: tuple[float, ...]  # 95% t half-width over replications
    rounds: int
    missed: tuple[bool, ...] = (False,) * SLOTS  # open and still below target when it stopped
    # open, met with no simulated call short of the target, yet too few calls to show it: the
    # one-sided 95% bound on the figure there (NaN elsewhere)
    unresolved_bound: tuple[float, ...] = (math.nan,) * SLOTS
    pooled_calls: tuple[int, ...] = (0,) * SLOTS  # simulated calls the figure is judged on
    given_back: bool = False  # the removal passes ran: no one half-hour can lose an agent

    @property
    def agent_hours(self) -> float:
        return sum(self.agents) * SLOT_MIN / 60

    @property
    def met(self) -> bool:
        """Whether every open half-hour meets the target (False: the search ran out of rounds)."""
        return not any(self.missed)

    @property
    def missed_slots(self) -> tuple[int, ...]:
        """Half-hours (0-47) still short of the target: the plan does not meet it there."""
        return tuple(s for s, miss in enumerate(self.missed) if miss)

    @property
    def unresolved_slots(self) -> tuple[int, ...]:
        """Half-hours met only because no simulated call fell short: too few calls to show it."""
        return tuple(s for s, bound in enumerate(self.unresolved_bound) if not math.isnan(bound))


def erlang_plan(twin: Twin, target: Target, day: str = "all") -> tuple[int, ...]:
    """Erlang-A's fewest agents per half-hour (exponential laws with the fitted means)."""
    rates = twin.day_rates(day)
    mu = 60 / twin.talk.mean_s
    theta = 60 / twin.patience[twin.base_policy].mean_s
    out = []
    for rate in rates.per_min:
        if rate <= 0:
            out.append(0)
            continue
        out.append(fewest_agents(rate, mu, theta, max_abandon=target.max_unserved,
                                 min_service_level=target.min_service_level,
                                 within=target.within_s / 60))
    return tuple(out)


@dataclass(frozen=True)
class DayCounts:
    """Per-half-hour counts of a run's first `days` days (a picklable measure for the pool)."""

    within_s: float
    days: int

    def __call__(self, table: CallTable, summary: dict) -> dict:
        return first_days_counts(table, SLOT_S, self.within_s, self.days)


@dataclass(frozen=True)
class Removal:
    """One try of the removal passes, said to `on_round`: one agent fewer at `slot` (0-47),
    try `tried` of `of` in pass `sweep`, `kept` when the plan still met the target everywhere
    without it, else the half-hours it `missed`."""

    slot: int
    tried: int
    of: int
    kept: bool
    sweep: int = 1
    missed: tuple[int, ...] = ()  # half-hours (0-47) short of the target without it


@dataclass(frozen=True)
class Trial:
    """One staffing simulated: the target's figure per half-hour and where it misses."""

    agents: np.ndarray
    summary: list[tuple[float, float]]  # (mean, 95% half-width) per half-hour
    missed: np.ndarray  # open and short of the target
    short: np.ndarray  # pooled calls short of the target, per half-hour
    judged: np.ndarray  # pooled calls the figure is judged on, per half-hour


def plan_policy(twin: Twin, policy: HoldPolicy, target: Target, *, day: str = "all",
                replications: int = 4, days: int = 5, seed: int = 0,
                workers: int | None = None,
                start: tuple[int, ...] | None = None,
                on_round: Callable[..., None] | None = None,
                max_rounds: int | None = None,
                as_run: Callable[[Scenario], Scenario] | None = None,
                give_back: bool = False) -> PolicyPlan:
    """Add agents where the target is missed until every half-hour meets it or `max_rounds`
    (default `MAX_ROUNDS`) have run; with `give_back`, then take back every agent the target
    does not need (`remove_spare`: about one more round per open half-hour, so off unless
    asked; without it the plan is an upper bound). `on_round(k, missed, removal)` hears
    after each simulation how many half-hours the plan kept still misses, and which `Removal`
    was tried (None while adding).
    The agents returned are the ones the figures were simulated with, and `missed` says where
    they fall short. `as_run`: what the queue's config sets beyond its policies, applied to
    each day simulated (default: holdwell's defaults)."""
    limit = max_rounds or MAX_ROUNDS
    erlang = start or erlang_plan(twin, target, day)
    agents = np.array([max(0, n - max(1, n // 5)) if n else 0 for n in erlang])
    open_ = open_slots(twin, day)
    agents[open_] = np.maximum(agents[open_], 1)

    simulated = partial(simulate_staffing, twin, policy, target, day=day, days=days,
                        replications=replications, seed=seed, workers=workers, as_run=as_run)
    rounds = 0
    while True:
        rounds += 1
        trial = simulated(agents)
        if on_round is not None:
            on_round(rounds, int(trial.missed.sum()), None)
        if not trial.missed.any() or rounds >= limit:
            break
        agents[trial.missed] += 1
    trimmed = give_back and not trial.missed.any()
    if trimmed:
        said = None if on_round is None else (
            lambda removal: on_round(rounds, 0, removal))
        trial = remove_spare(trial, simulated, target, open_, said)
    return _plan(label(policy), trial, target, open_, rounds, trimmed)


def open_slots(twin: Twin, day: str) -> np.ndarray:
    """The half-hours the fitted day takes calls in: the ones a plan staffs and judges."""
    return np.array(twin.day_rates(day).per_min) > 0


def simulate_staffing(twin: Twin, policy: HoldPolicy, target: Target, agents: np.ndarray, *,
                      day: str = "all", days: int = 5, replications: int = 4, seed: int = 0,
                      workers: int | None = None,
                      as_run: Callable[[Scenario], Scenario] | None = None) -> Trial:
    """The fitted day simulated with `agents` per half-hour: the target's figure per
    half-hour over the replications, and where it misses."""
    scenario = twin_scenario(twin, day=day, days=days, agents=tuple(int(n) for n in agents))
    if as_run is not None:
        scenario = as_run(scenario)
    runs = replicate(scenario, [policy], replications, seed,
                     measure=DayCounts(target.within_s, days), workers=workers)[label(policy)]
    figures = np.array([slot_rates(counts)[target.metric] for counts in runs])
    short, judged = sum(target.short_of_it(counts) for counts in runs)
    summary = no_narrower_than_the_calls([mean_and_half_width(figures[:, s])
                                          for s in range(SLOTS)], short, judged)
    open_ = open_slots(twin, day)
    missed = np.array([open_[s] and not target.met(summary[s][0]) for s in range(SLOTS)])
    return Trial(np.array(agents).copy(), summary, missed, short, judged)


def no_narrower_than_the_calls(summary: list[tuple[float, float]], short: np.ndarray,
                               judged: np.ndarray) -> list[tuple[float, float]]:
    """Each half-hour's t half-width over replications, widened to the pooled calls' own
    (the 95% Wilson interval's wider side around their share) where that is wider: two
    replications that happened to agree had read "3.6% ±0.0 pp", as if certain, from 28
    calls. Half-hours where none or all of the calls fell short keep their own reading
    (the one-sided bound and `?` of `Target.unresolved`), as do single replications."""
    low, high = wilson_interval(short, judged)
    widened = []
    for s, (mean, half) in enumerate(summary):
        if half == half and 0 < short[s] < judged[s]:
            share = short[s] / judged[s]
            half = max(half, share - low[s], high[s] - share)
        widened.append((mean, half))
    return widened


def remove_spare(trial: Trial, simulated: Callable[[np.ndarray], Trial], target: Target,
                 open_: np.ndarray, on_try: Callable[[Removal], None] | None = None) -> Trial:
    """Try one agent fewer in each open half-hour, the most room under the target first, and
    keep the removal only when the plan still meets the target everywhere on the same seeds:
    adding alone never took an agent back, so one given to a half-hour that missed only while
    an earlier one was short stayed, and "fewest" was an upper bound. Passes repeat until one
    keeps every agent (a removal can let another go that had missed before it: the same
    seeds meet other callers' timings once the agents change), so the result is locally
    minimal: no one half-hour can lose an agent."""
    for sweep in itertools.count(1):
        before = trial
        room = [target.room(mean) for mean, _ in trial.summary]
        order = sorted((s for s in range(SLOTS) if open_[s] and trial.agents[s] > 1),
                       key=lambda s: -room[s])
        for tried, slot in enumerate(order, start=1):
            fewer = trial.agents.copy()
            fewer[slot] -= 1
            attempt = simulated(fewer)
            kept = not attempt.missed.any()
            if kept:
                trial = attempt
            if on_try is not None:
                on_try(Removal(slot, tried, len(order), kept, sweep,
                               tuple(int(m) for m in np.flatnonzero(attempt.missed))))
        if trial is before:  # a whole pass kept every agent: none can go
            break
    return trial


def _plan(name: str, trial: Trial, target: Target, open_: np.ndarray, rounds: int,
          given_back: bool) -> PolicyPlan:
    """The plan of the staffing `trial` simulated."""
    missed, short, judged = trial.missed, trial.short, trial.judged
    bounds = [target.unresolved(judged[s]) if open_[s] and not missed[s] and short[s] == 0
              else None for s in range(SLOTS)]
    return PolicyPlan(name, tuple(int(n) for n in trial.agents),
                      tuple(m for m, _ in trial.summary), tuple(h for _, h in trial.summary),
                      rounds, tuple(bool(m) for m in missed),
                      tuple(math.nan if b is None else b for b in bounds),
                      tuple(int(n) for n in judged), given_back)


def plan_policies(twin: Twin, policies: Sequence[HoldPolicy], target: Target, *,
                  day: str = "all", replications: int = 4, days: int = 5, seed: int = 0,
                  workers: int | None = None,
                  on_round: Callable[..., None] | None = None,
                  max_rounds: int | None = None,
                  as_run: Callable[[Scenario], Scenario] | None = None,
                  give_back: bool = False,
                  ) -> tuple[tuple[int, ...], list[PolicyPlan]]:
    """Erlang-A's plan and each policy's simulated plan (`on_round(policy, k, missed,
    removal)`, as plan_policy says)."""
    erlang = erlang_plan(twin, target, day)
    plans = []
    for policy in policies:
        name = label(policy)
        said = None if on_round is None else (
            lambda *step, name=name: on_round(name, *step))
        plans.append(plan_policy(twin, policy, target, day=day, replications=replications,
                                 days=days, seed=seed, workers=workers, start=erlang,
                                 on_round=said, max_rounds=max_rounds, as_run=as_run,
                                 give_back=give_back))
    return erlang, plans
