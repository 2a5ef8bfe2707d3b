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
