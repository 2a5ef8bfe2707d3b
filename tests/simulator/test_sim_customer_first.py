"""Issue 16 item 7 in the fast engine: customer-first dialling. The customer is rung (no
agent's time) when their turn comes; on answering they are held at the head of the line, so
their second wait is only until the next free agent, and no later caller is taken before
them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from hold_policies.callback import CallbackPolicy
from hold_policies.config import HoldwellConfig
from hold_policies.records import Outcome
from simulator.promises import late_callbacks
from simulator.run import policy_named, simulate
from simulator.scenario import Callbacks
from simulator.table import ANSWERED, CALLBACK_CONNECTED
from tests.simulator.test_callback_window import busy_line
from tests.simulator.test_sim_callbacks import OfferAtTheFront, run_three_callers


@dataclass(frozen=True)
class OfferFirst(OfferAtTheFront):
    """The same offer, in a customer-first queue."""

    dialling: str = "customer_first"
    customer_first_at_once: int = 2


def test_the_answered_customer_is_taken_by_the_next_free_agent_before_later_callers():
    table = run_three_callers(Callbacks(answer_p=1.0, answer_after_s=8.0), OfferFirst())
    records = table.records()
    assert [r.outcome for r in records] == [Outcome.ANSWERED, Outcome.CALLBACK_CONNECTED,
                                            Outcome.ANSWERED]
    # c2 is rung at 16.5 (nobody older still waits), answers at 24.5 and is held at the head;
    # the agent, free at 100, takes c2 before c3 (waiting since 20) and spent nothing ringing.
    assert table.callback_held_s[1] == pytest.approx(75.5)
    assert records[1].callback_wait_s == pytest.approx(90.0)  # 100 - 10
    assert records[2].wait_s == pytest.approx(100.0)  # answered at 120 (agent-first: 128)
    assert table.callback_attempts[1] == 1


def test_agent_first_on_the_same_callers_ties_the_agent_up_dialling():
    table = run_three_callers(Callbacks(answer_p=1.0, answer_after_s=8.0), OfferAtTheFront())
    assert table.records()[2].wait_s == pytest.approx(108.0)
    assert table.callback_held_s is None  # nobody is held after answering there


def test_a_missed_ring_costs_no_agent_time_and_is_retried_then_fails():
    table = run_three_callers(Callbacks(answer_p=0.0, retries=2, ring_s=25.0), OfferFirst())
    records = table.records()
    assert [r.outcome for r in records] == [Outcome.ANSWERED, Outcome.CALLBACK_FAILED,
                                            Outcome.ANSWERED]
    assert records[2].wait_s == pytest.approx(80.0)  # the agent took c3 at 100 (was 105)
    assert table.callback_attempts[1] == 3


def answered_moments(table) -> np.ndarray:
    answered = table.outcome == ANSWERED
    return table.entered_s[answered] + table.wait_s[answered]


@pytest.mark.parametrize("seed", [1, 2])
def test_no_later_caller_is_taken_while_an_answered_customer_waits(seed):
    table = simulate(busy_line(), CallbackPolicy(dialling="customer_first"),
                     np.random.default_rng(seed)).table
    held = table.callback_held_s
    connected = np.flatnonzero(table.outcome == CALLBACK_CONNECTED)
    assert connected.size > 20 and not np.isnan(held[connected]).any()
    taken = table.entered_s[connected] + table.callback_wait_s[connected]
    moments = np.sort(answered_moments(table))
    for start, end in zip(taken - held[connected], taken, strict=True):
        inside = np.searchsorted(moments, end - 1e-9) - np.searchsorted(moments, start + 1e-9)
        assert inside == 0, f"a caller was answered while a customer was held {start}-{end}"


def per_run(policy: CallbackPolicy, seeds=(1, 2, 3, 4)) -> tuple[np.ndarray, np.ndarray]:
    """Windows kept and said in each seeded run (one row per run), and every held wait."""
    rows = []
    held: list[float] = []
    for seed in seeds:
        table = simulate(busy_line(), policy, np.random.default_rng(seed)).table
        figures = late_callbacks(table)
        rows.append((figures["kept"], figures["given_band"]))
        if table.callback_held_s is not None:
            held += table.callback_held_s[~np.isnan(table.callback_held_s)].tolist()
    return np.asarray(rows, dtype=float), np.asarray(held)


def pooled(policy: CallbackPolicy, seeds=(1, 2, 3, 4)) -> tuple[float, np.ndarray]:
    """The share of windows kept over the runs together, and every held wait."""
    rows, held = per_run(policy, seeds)
    assert rows[:, 1].sum() >= 150
    return float(rows[:, 0].sum() / rows[:, 1].sum()), held


def test_customer_first_keeps_the_windows_and_the_wait_after_answering_is_short():
    """The issue's busy line, same seeds, both modes: the windows hold either way; in
    customer-first the answered customer waits about one departure (9 agents, 4-minute
    talks: one every ~27 s), and nobody is held in agent-first."""
    agent_kept, agent_held = pooled(CallbackPolicy())
    first_kept, first_held = pooled(CallbackPolicy(dialling="customer_first"))
    assert agent_kept >= 0.95 and agent_held.size == 0
    assert first_kept >= 0.95
    assert np.median(first_held) < 45 and np.percentile(first_held, 95) < 150


@pytest.mark.soak  # a long statistical run (7-31 s): `python -m pytest -m soak`
def test_one_at_a_time_waits_less_after_answering_but_breaks_windows():
    """The documented trade-off of customer_first_at_once (1 vs the default 2). Ringing one
    customer at a time loses the windows in bursts: most runs keep them, a few lose one in
    ten or more (16 runs: the worst keeps 83%, about 95% pooled), while two at a time keeps
    at least 98% in every run. Four runs pooled cannot see bursts this rare, hence 16."""
    seeds = range(1, 17)
    one, one_held = per_run(CallbackPolicy(dialling="customer_first",
                                           customer_first_at_once=1), seeds)
    two, two_held = per_run(CallbackPolicy(dialling="customer_first"), seeds)
    assert one_held.mean() < two_held.mean()
    one_runs, two_runs = one[:, 0] / one[:, 1], two[:, 0] / two[:, 1]
    assert one_runs.min() < 0.9 and two_runs.min() >= 0.95
    assert one[:, 0].sum() / one[:, 1].sum() < two[:, 0].sum() / two[:, 1].sum()


def test_the_queue_config_builds_a_customer_first_policy_for_the_simulation():
    config = HoldwellConfig.model_validate({"line": {"support_number": "+14155550100"},
                                            "queues": {"support": {
        "policy": "callback", "callback": {"dialling": "customer_first",
                                           "customer_first_at_once": 3}}}})
    policy = policy_named("callback", config, "support")
    assert (policy.dialling, policy.customer_first_at_once) == ("customer_first", 3)
