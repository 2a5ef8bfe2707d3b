"""A staffing target tighter than the simulated calls can show is not called plainly met.

With no simulated call short of a 0.1% unserved target in a few dozen calls per half-hour, every
replication reads 0.0%, so the t half-width is 0 too: "0.0% ±0.0" looked certain where the true
rate could be several percent. The plan records the one-sided 95% bound there and the table
says the simulation is too small to show the target met.
"""

from __future__ import annotations

import math

import pytest
from scipy.stats import beta

from simulator.run import policy_named
from simulator.staff_plan import Target, erlang_plan, plan_policy
from simulator.staff_report import staffing_table
from simulator.twin import fit_twin

STRICT = Target(max_unserved=0.001)


@pytest.fixture(scope="module")
def twin(known_log):
    return fit_twin(known_log, seed=1)


@pytest.fixture(scope="module")
def strict_plan(twin):
    return plan_policy(twin, policy_named("music_ads"), STRICT, replications=2, days=1,
                       seed=3, workers=1)


@pytest.mark.parametrize("calls", [1, 13, 127, 3000])
def test_the_bound_is_clopper_pearsons_one_sided_95_percent(calls: int) -> None:
    upper = float(beta.ppf(0.95, 1, calls))  # no event in n: Beta(1, n) upper quantile
    loose = Target(max_unserved=1e-6)
    assert loose.unresolved(calls) == pytest.approx(upper, rel=1e-9)
    service = Target(min_service_level=1 - 1e-6)
    assert service.unresolved(calls) == pytest.approx(1 - upper, rel=1e-9)


def test_a_bound_inside_the_target_is_resolved() -> None:
    assert Target(max_unserved=0.05).unresolved(100) is None  # bound 2.95%
    assert Target(max_unserved=0.05).unresolved(50) == pytest.approx(1 - 0.05 ** (1 / 50))
    assert Target(min_service_level=0.8).unresolved(20) is None  # bound 86.1%
    assert Target(min_service_level=0.8).unresolved(10) == pytest.approx(0.05 ** (1 / 10))
    assert Target(max_unserved=0.05).unresolved(0) is None


def test_half_hours_with_no_call_short_of_a_tight_target_are_recorded(twin, strict_plan):
    assert strict_plan.met and strict_plan.unresolved_slots
    for s in strict_plan.unresolved_slots:
        assert strict_plan.mean[s] == 0.0 and strict_plan.half_width[s] == 0.0
        bound = strict_plan.unresolved_bound[s]
        assert bound > STRICT.max_unserved
        assert bound == pytest.approx(1 - 0.05 ** (1 / strict_plan.pooled_calls[s]))
    closed = [s for s, rate in enumerate(twin.arrivals.per_min) if rate <= 0]
    assert all(math.isnan(strict_plan.unresolved_bound[s]) for s in closed)


def test_the_table_shows_the_bound_not_a_zero_half_width(twin, strict_plan):
    table = staffing_table(twin, STRICT, erlang_plan(twin, STRICT), [strict_plan])
    lines = table.splitlines()
    assert not lines[0].startswith("fewest agents") and "too few simulated calls" in lines[0]
    assert lines[1].startswith("TOO FEW CALLS TO TELL under music_ads")
    rows = [line for line in lines if line[:2].isdigit() and ":" in line[:5]]
    marked = [row for row in rows if row.endswith(" ?")]
    assert len(marked) == len(strict_plan.unresolved_slots)
    cells = [row.rsplit("(", 1)[1] for row in marked]
    assert all("±" not in cell and cell.startswith("0.0% ≤") for cell in cells)
    assert "no saving against Erlang-A" in table


def test_a_target_the_calls_can_show_is_left_unmarked(twin):
    loose = Target(max_unserved=0.3)
    plan = plan_policy(twin, policy_named("music_ads"), loose, replications=2, days=1,
                       seed=3, workers=1, give_back=True)
    assert not plan.unresolved_slots
    table = staffing_table(twin, loose, erlang_plan(twin, loose), [plan])
    assert "TOO FEW" not in table and table.startswith("fewest agents")
