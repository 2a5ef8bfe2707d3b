"""Callback answer chance recovered from a log, with and without logged attempts."""

from __future__ import annotations

import dataclasses

import numpy as np

from hold_policies import CallbackPolicy
from simulator.fit_callbacks import fit_callbacks
from simulator.run import simulate
from simulator.scenario import Callbacks


def test_answer_chance_is_recovered_within_its_uncertainty(small_queue) -> None:
    scenario = dataclasses.replace(small_queue, calls=4000,
                                   callbacks=Callbacks(answer_p=0.6, retries=2))
    log = simulate(scenario, CallbackPolicy(), np.random.default_rng(21)).table.frame()
    by_attempt = fit_callbacks(log, retries=2)
    assert by_attempt.requested > 200 and by_attempt.method == "connected / attempts"
    assert abs(by_attempt.answer_p - 0.6) <= 3 * by_attempt.answer_p_se
    assert 0 < by_attempt.acceptance < 1
    by_completion = fit_callbacks(log.drop(columns=["callback_attempts"]), retries=2)
    assert abs(by_completion.answer_p - 0.6) <= 3 * by_completion.answer_p_se + 0.02


def records(outcomes: list[str], attempts: list[int] | None = None):
    import pandas as pd

    frame = pd.DataFrame({"callback_requested": [True] * len(outcomes), "outcome": outcomes,
                          "announcements": [1] * len(outcomes),
                          "policy": ["callback"] * len(outcomes)})
    if attempts is not None:
        frame["callback_attempts"] = attempts
    return frame


def test_promises_still_open_or_cancelled_say_nothing_of_the_answer_chance() -> None:
    """A callback pending or cancelled was never answered nor given up: counted as failures
    they made the twin page say "answer chance 0.000 ± 0.000" from no attempt at all."""
    unresolved = fit_callbacks(records(["left", "callback_cancelled"]), retries=2)
    assert unresolved.requested == 2 and unresolved.answer_p is None
    none_tried = fit_callbacks(records(["left", "left"], attempts=[0, 0]), retries=2)
    assert none_tried.answer_p is None
    mixed = fit_callbacks(records(["callback_connected", "callback_failed", "left"]), retries=0)
    assert mixed.answer_p == 0.5  # of the two resolved, one kept: the open one says nothing
