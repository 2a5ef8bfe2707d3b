"""Issue 16 item 7 through the emulator (the real app, Twilio's semantics): on the issue's busy
line, scaled down to 1,200 calls at the same load, at least 95% of the callback windows said
are kept; with the old sizing (the wait's band, 5-minute retries) clearly fewer are.

Callbacks are offered from an upper estimate of 2 minutes (not 5), so that 1,200 calls give
enough of them to measure (about 5 minutes of CPU at 3,000 calls on the default offer)."""

from __future__ import annotations

import numpy as np
import pytest

from emulator.run import emulate
from hold_policies.config import HoldwellConfig, parse_config
from simulator.promises import late_callbacks
from tests.simulator.test_callback_window import OLD_RETRIES, busy_line

CALLS, SEED = 1200, 7
pytestmark = pytest.mark.soak  # minutes of emulated calls: `python -m pytest -m soak`
NEW_CONFIG = parse_config({"queues": {"support": {"policy": "callback", "callback": {
    "offer_after_estimate_s": 120}}}, "line": {"support_number": "+14155550000"}})
OLD_CONFIG = NEW_CONFIG.model_copy(update={
    "callbacks": NEW_CONFIG.callbacks.model_copy(update={"promise_target": None})})


def windows(url: str, scenario, config: HoldwellConfig) -> dict:
    run = emulate(scenario, "callback", np.random.default_rng(SEED), database_url=url,
                  config=config)
    assert run.errors == []
    return late_callbacks(run.table)


def test_sized_windows_are_kept_at_least_95_percent_of_the_time(sqlite_url):
    figures = windows(sqlite_url, busy_line(CALLS), NEW_CONFIG)
    assert figures["given_band"] >= 30
    assert figures["kept_rate"] >= 0.95


def test_the_old_sizing_breaks_more_than_one_promise_in_ten(sqlite_url):
    figures = windows(sqlite_url, busy_line(CALLS, OLD_RETRIES), OLD_CONFIG)
    assert figures["given_band"] >= 30
    assert figures["kept_rate"] < 0.90
