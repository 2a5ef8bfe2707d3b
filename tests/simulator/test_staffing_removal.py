"""`holdwell staffing` gives back the agents its target does not need. The search had only
ever added agents, so a plan that started (or got) too many kept them under the heading
"fewest agents per half-hour" (analyst audit)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.run import policy_named
from simulator.staff_plan import Target, erlang_plan, plan_policy, simulate_staffing
from simulator.twin import fit_twin

TARGET = Target(max_unserved=0.1)
SMALL = {"replications": 2, "days": 1, "seed": 3, "workers": 1}


@pytest.fixture(scope="module")
def twin(known_log):
    return fit_twin(known_log, seed=1)


@pytest.fixture(scope="module")
def generous(twin):
    """Twice Erlang-A's agents in every open half-hour: the target is met at once."""
    return tuple(2 * n for n in erlang_plan(twin, TARGET))


@pytest.fixture(scope="module")
def trimmed(twin, generous):
    tries = []
    plan = plan_policy(twin, policy_named("music_ads"), TARGET, start=generous,
                       on_round=lambda k, missed, removal: tries.append((k, missed, removal)),
                       give_back=True, **SMALL)
    return plan, tries


def test_agents_the_target_does_not_need_are_given_back(trimmed, generous) -> None:
    plan, tries = trimmed
    assert plan.met and plan.rounds == 1 and plan.given_back
    assert tries[0] == (1, 0, None)  # met at once, then the removal pass
    kept = [removal for _, _, removal in tries[1:] if removal.kept]
    assert kept, "twice Erlang-A everywhere had nothing to give back"
    margin = sum(n - max(1, n // 5) for n in generous if n)  # where the old search stopped
    assert sum(plan.agents) == margin - len(kept) < margin


def test_no_half_hour_can_lose_an_agent(twin, trimmed) -> None:
    """Locally minimal on the same seeds: one agent fewer in any open half-hour misses."""
    plan, _ = trimmed
    agents = np.array(plan.agents)
    for slot in np.flatnonzero(agents > 1):
        fewer = agents.copy()
        fewer[slot] -= 1
        trial = simulate_staffing(twin, policy_named("music_ads"), TARGET, fewer, **SMALL)
        assert trial.missed.any(), f"half-hour {slot} could lose an agent"


def test_the_command_shows_the_removal_pass(twin, tmp_path) -> None:
    """The progress lines go on past the adding rounds, saying each removal tried."""
    from click.testing import CliRunner

    from app.console.toml_writer import dumps
    from cli.twin_commands import staffing_command
    from simulator.scenario_file import HEADER, twin_to_dict

    path = tmp_path / "scenario.toml"
    path.write_text(HEADER + dumps(twin_to_dict(twin)), encoding="utf-8")
    result = CliRunner().invoke(staffing_command, [
        "--scenario", str(path), "--policies", "silence", "--target-unserved", "0.1",
        "--replications", "2", "--days", "1"])
    assert result.exit_code == 0, result.output
    assert "staffing silence: round 1," in result.output
    assert "staffing silence: removal pass 1, 1 of " in result.output
    assert "taken back one half-hour at a time" in result.output  # the definition says so


def test_a_plan_not_given_back_does_not_say_fewest(twin, trimmed) -> None:
    """The console's search only adds (its time limit): its table says it is an upper bound."""
    from simulator.staff_report import staffing_table

    plan = plan_policy(twin, policy_named("music_ads"), TARGET, **SMALL)
    assert plan.met and not plan.given_back
    table = staffing_table(twin, TARGET, erlang_plan(twin, TARGET), [plan])
    assert "upper bound on the fewest" in table.splitlines()[0]
    given_back = staffing_table(twin, TARGET, erlang_plan(twin, TARGET), [trimmed[0]])
    assert "upper bound" not in given_back.splitlines()[0]
