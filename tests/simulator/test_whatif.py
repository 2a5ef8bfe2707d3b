"""What-if replications: the same answer on one core or two, and a readable table."""

from __future__ import annotations

import dataclasses

from simulator.run import policy_named
from simulator.whatif import whatif, whatif_table


def test_replications_give_the_same_figures_on_one_or_two_cores(small_queue) -> None:
    scenario = dataclasses.replace(small_queue, calls=400)
    policies = [policy_named("music_ads"), policy_named("callback")]
    one = whatif(scenario, policies, 4, seed=9, workers=1)
    two = whatif(scenario, policies, 4, seed=9, workers=2)
    assert one == two
    assert one["music_ads"]["unserved_vs_first"] == (0.0, 0.0)
    table = whatif_table(one, scenario, 4)
    assert "callback" in table and "definitions:" in table and "pp ±" in table
