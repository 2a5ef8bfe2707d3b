"""A line whose default queue offers a language menu, emulated: Twilio follows the menu's
<Redirect> when no key is pressed, so every virtual caller (who speaks the rung queue's
language) joins that queue a few seconds later, as a caller does on the real line. The
emulator had read the menu as a closed line and ended every call there."""

from __future__ import annotations

import numpy as np

from emulator.run import emulate
from hold_policies.config import parse_config
from hold_policies.language_menu import MENU_TIMEOUT_S
from simulator.behaviour import Reactions
from simulator.scenario import simple_scenario

MENU = {"support": {"language_menu": {"2": "soporte"}}, "soporte": {"language": "es-MX"}}


def run(url: str, queues: dict):  # noqa: ANN201
    scenario = simple_scenario(calls=20, agents=2, arrivals_per_min=2.0, service_mean_min=2.0,
                               patience_mean_min=10.0, reactions=Reactions())
    return emulate(scenario, "checkin", np.random.default_rng(3), database_url=url,
                   config=parse_config({"queues": queues}), record=True)


def test_callers_who_press_nothing_join_the_queue_they_rang(sqlite_url):
    result = run(sqlite_url, MENU)
    assert result.errors == []
    paths = [posted.url.split("?")[0] for posted in result.requests]
    assert paths.count("/voice/incoming") == 2 * 20  # the menu, then the call after it
    assert "/voice/language" not in paths
    assert result.summary["answered"] + result.summary["abandoned"] == 20
    rang: dict[str, list[float]] = {}
    for posted in result.requests:
        if posted.url.startswith("/voice/incoming"):
            rang.setdefault(posted.params["CallSid"], []).append(posted.at)
    assert len(rang) == 20
    assert all(after - menu >= MENU_TIMEOUT_S for menu, after in rang.values())  # heard it
