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


def test_the_take_up_is_fitted_under_the_busiest_queues_own_callback_policy(monkeypatch):
    """The what-if runs each queue's policies as configured; the take-up had been fitted
    under holdwell's default callback settings, so a queue with other knobs got a take-up
    its own what-ifs did not reproduce (review 40, R3)."""
    import pandas as pd

    import simulator.fit_take_up
    from app.console import twin_live
    from app.console.twin_limits import Deadline
    from hold_policies.config import parse_config
    from simulator.fit_results import ASSUMED_TAKE_UP

    config = parse_config({"line": {"support_number": "+14155550000"}, "queues": {
        "support": {"policy": "checkin"},
        "billing": {"policy": "callback", "callback": {"offer_after_estimate_s": 600}}}})
    records = pd.DataFrame({"queue": ["billing"] * 3 + ["support"]})
    seen = []

    def fitted(twin, records, *, policy=None, **_):
        seen.append(policy)
        return ASSUMED_TAKE_UP

    @dataclasses.dataclass(frozen=True)
    class Fitted:  # a twin, as far as the take-up's step reads one
        take_up: object = None

    monkeypatch.setattr(simulator.fit_take_up, "fit_take_up", fitted)
    twin_live._with_take_up(Fitted(), records, Deadline(60.0, ""), config)
    assert seen == [policy_named("callback", config, "billing")]
    assert seen[0] != policy_named("callback")
