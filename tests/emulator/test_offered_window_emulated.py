"""Through the emulator (the real app, Twilio's semantics): every callback confirmed with a
window is confirmed the window its offer said (audit C, item 1). Before, the read-back's
confirmation sized the window again, and 8 of these 97 confirmations said another one (or
none) than the offer the caller had just heard."""

from __future__ import annotations

import re

import numpy as np

from emulator.run import emulate
from hold_policies.config import parse_config
from simulator.scenario import simple_scenario

CONFIG = parse_config({"queues": {"support": {"policy": "callback", "callback": {
    "offer_after_estimate_s": 120}}}, "line": {"support_number": "+14155550000"}})
OFFER = re.compile(r"call you back (?:within (\d+) minutes|when your turn comes)")
CONFIRMED = re.compile(r"Thank you\. We will call you back.*?(?:within (\d+) minutes|"
                       r"when your turn comes)")


def test_each_confirmation_says_the_window_of_the_offer_heard(sqlite_url):
    scenario = simple_scenario(calls=150, agents=2, arrivals_per_min=1.0, service_mean_min=5.0,
                               patience_mean_min=8.0)
    run = emulate(scenario, "callback", np.random.default_rng(7), database_url=sqlite_url,
                  record=True, config=CONFIG)
    assert run.errors == []
    pairs = []
    for caller in run.callers:
        offered = None
        for heard in caller.heard:
            if (confirmed := CONFIRMED.search(heard)) is not None:
                pairs.append((offered, confirmed.group(1)))
            elif (offer := OFFER.search(heard)) is not None:
                offered = offer.group(1)
    assert len(pairs) >= 50
    assert [pair for pair in pairs if pair[0] != pair[1]] == []
