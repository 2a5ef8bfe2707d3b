"""The Twin page fits callers' callback take-up to the measured acceptance, as `holdwell fit`
does (simulator.fit_take_up), and says so: it had said the take-up was assumed."""

from __future__ import annotations

import dataclasses
import html

import numpy as np

from simulator.behaviour import Reactions
from simulator.run import policy_named, simulate
from tests.console.conftest import bearer
from tests.console.twin_seed import RATES, TRUTH, seed_log


def test_the_twin_page_says_the_take_up_is_fitted_to_the_acceptance(console_app, tokens,
                                                                     as_role):
    line = dataclasses.replace(TRUTH, calls=round(RATES.daily_calls * 2),
                               reactions=Reactions(callback_p=0.05, callback_if_too_long_p=0.2))
    log = simulate(line, policy_named("callback"), np.random.default_rng(4)).table.frame()
    seed_log(console_app.extensions["holdwell"].settings.database_url, log)
    fit = console_app.test_client().get("/api/v1/twin",
                                        headers=bearer(tokens["analyst"])).get_json()
    callbacks = fit["callbacks"]
    assert callbacks["take_up_status"] == "fitted", callbacks
    assert f"fitted to the measured acceptance {100 * callbacks['acceptance']:.1f}%" in \
        callbacks["take_up"]
    page = html.unescape(as_role("analyst").get("/console/twin").get_data(as_text=True))
    assert " ".join(callbacks["take_up"].split()) in " ".join(page.split())
    assert "measured only" not in page


def test_a_log_without_callback_offers_says_the_take_up_is_assumed(seeded, tokens):
    fit = seeded.test_client().get("/api/v1/twin", headers=bearer(tokens["analyst"])).get_json()
    callbacks = fit["callbacks"]
    assert callbacks["take_up_status"] == "assumed"
    assert "not fitted: no caller under the callback policy heard an announcement" in \
        callbacks["take_up"]
