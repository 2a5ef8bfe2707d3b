"""The emulator's callers hear the comfort noise a silence policy names, as the fast engine's
do: the app found no file for it in the emulator's audio folder and played dead air, which
the emulated callers reacted to (the drivers disagreed beyond error on such a queue)."""

from __future__ import annotations

import numpy as np

from emulator.run import emulate
from hold_policies.config import parse_config
from simulator.scenario import simple_scenario

CONFIG = parse_config({"queues": {"support": {
    "policy": "silence", "silence": {"comfort_noise": "comfort_noise", "segment_s": 30}}}})


def test_emulated_callers_hear_the_configured_comfort_noise(sqlite_url):
    scenario = simple_scenario(calls=20, agents=1, arrivals_per_min=2.0, service_mean_min=3.0,
                               patience_mean_min=3.0)
    run = emulate(scenario, "silence", np.random.default_rng(1), database_url=sqlite_url,
                  config=CONFIG, record=True)
    assert run.errors == []
    heard = [line for caller in run.callers for line in caller.heard]
    assert any("[play /audio/comfort_noise" in line for line in heard)
