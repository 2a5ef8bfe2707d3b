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


def test_a_time_and_its_half_width_both_carry_their_unit(small_queue) -> None:
    """"ASA 37.5 s ±4.1" left the half-width's unit to guess (analyst audit 40)."""
    scenario = dataclasses.replace(small_queue, calls=200)
    results = whatif(scenario, [policy_named("checkin")], 3, seed=2, workers=1)
    table = whatif_table(results, scenario, 3)
    row = next(line for line in table.splitlines() if line.startswith("checkin"))
    times = [cell for cell in row.split("  ") if " s ±" in cell or " s [" in cell]
    assert len(times) == 2 and all(cell.strip().endswith((" s", " s]")) for cell in times), row


def test_a_time_whose_half_width_passes_zero_is_given_as_its_range_cut_there() -> None:
    """"ASA 1.0 s ±9.7 s" read as a wait of −8.7 s (planner audit): cut at 0 s, as a share's
    range is cut at 0%."""
    from simulator.whatif import _cell

    assert _cell((1.0, 9.7), "s") == "1.0 s [0.0–10.7 s]"
    assert _cell((12.0, 9.7), "s") == "12.0 s ±9.7 s"
    assert _cell((12.0, float("nan")), "s") == "12.0 s"
