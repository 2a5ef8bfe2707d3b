"""Run a policy on a scenario (or every policy, on the same callers) and summarise it.

`simulate(scenario, policy, rng)` is the fast engine's entry point: it draws the callers,
skips polling when nothing heard can matter, and returns the calls and their summary.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from hold_policies.base import HoldPolicy
from hold_policies.config import POLICY_NAMES, HoldwellConfig
from hold_policies.factory import build_policy
from hold_policies.overflow import overflow_of
from hold_policies.records import CallRecord
from simulator.engine import run_polled
from simulator.fastpath import inert_timeline, run_inert
from simulator.metrics import summarise
from simulator.scenario import Estimates, Scenario, ScenarioError
from simulator.streams import Streams
from simulator.table import CallTable

Progress = Callable[[int], None]


@dataclass(frozen=True, eq=False)  # numpy columns: compare them with numpy
class SimulationRun:
    """One policy's calls on one scenario, and their summary (the `--json` object); for a
    run of a queue's split (the Twilio engine's: the app draws each caller into an arm),
    `arms` holds each arm's calls, labelled with their arm (empty otherwise)."""

    table: CallTable
    summary: dict
    arms: dict[str, CallTable] = field(default_factory=dict)

    def records(self) -> list[CallRecord]:
        return self.table.records()


def simulate(
    scenario: Scenario,
    policy: HoldPolicy,
    rng: np.random.Generator,
    progress: Progress | None = None,
    *,
    poll: bool | None = None,
    reuse_answers: bool = True,
    warmup_s: float = 0.0,
) -> SimulationRun:
    """Simulate `scenario` under `policy`; the same `rng` seed gives the same callers.

    `poll=None` polls only when what callers hear can matter (reactions on, keys offered or
    segments that depend on the caller's situation); `poll=True` always polls. When polling,
    `reuse_answers` lets callers in identical situations share the policy's (pure) answer;
    False asks the policy at every single poll. The summary counts only calls entering at or
    after `warmup_s` (all calls stay in the table); a scenario's horizon (a twin's whole
    days) leaves the calls past it out of both.
    """
    began = time.perf_counter()
    streams = Streams.spawn(rng)
    callers = streams.callers(scenario)
    table = None
    if (not poll and not scenario.reactions.active and scenario.closed_line is None
            and overflow_of(policy) is None):  # an overflow's offer and full queue: polled
        timeline = inert_timeline(policy, scenario.queue)
        if timeline is not None:
            table = run_inert(scenario, policy, callers, timeline, progress)
    if table is None:
        table = run_polled(scenario, policy, streams, callers, progress,
                           reuse_answers=reuse_answers)
    table = replace(table, arm=policy.variant)  # a variant's calls are its arm's, as live
    table = table.entered_before(scenario.horizon_s)  # a twin's whole days: summary, --out
    return SimulationRun(table, summary_after_warmup(table, scenario, warmup_s,
                                                     time.perf_counter() - began))


def summary_after_warmup(table: CallTable, scenario: Scenario, warmup_s: float,
                         wall_s: float | None) -> dict:
    """The summary of the calls after the warm-up, saying what was counted."""
    counted = table.entered_from(warmup_s) if warmup_s > 0 else table
    summary = summarise(counted, wall_s=wall_s, service_level_s=scenario.service_level_s)
    summary.update(warmup_s=warmup_s, calls_simulated=len(table.queue_calls()))
    return summary


def compare(
    scenario: Scenario,
    policies: Sequence[HoldPolicy],
    seed: int,
    progress: Progress | None = None,
) -> list[SimulationRun]:
    """Every policy on the same callers (common random numbers: one seed, same streams)."""
    return [simulate(scenario, policy, np.random.default_rng(seed), progress)
            for policy in policies]


def policy_named(name: str, config: HoldwellConfig | None = None,
                 queue: str | None = None) -> HoldPolicy:
    """The policy or the queue's variant `name` with the queue's words and knobs (the app's
    own construction); a clear error for unknown names."""
    config = config or HoldwellConfig()
    queue = queue or config.default_queue
    if queue not in config.queues:
        raise ScenarioError(f"queue: {queue!r} is not in the config ({sorted(config.queues)})")
    variants = config.queues[queue].variants
    if name not in POLICY_NAMES and name not in variants:
        raise ScenarioError(f"policy: unknown {name!r}; choose from {', '.join(POLICY_NAMES)}"
                            + (f" or queue {queue}'s variants {', '.join(sorted(variants))}"
                               if variants else ""))
    return build_policy(config.queues[queue], name)


def estimates_of(config: HoldwellConfig) -> Estimates:
    """The [estimate] settings the live app uses, so simulated callers hear the same."""
    e = config.estimate
    return Estimates(float(e.window_s), e.min_departures, e.confidence)
