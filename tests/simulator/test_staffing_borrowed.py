"""`holdwell staffing` marks the half-hours whose rate is borrowed: a weekday's half-hours the
log never covered take the all-days rate (`holdwell fit`, `borrowed` in the scenario file),
yet the staffing table had printed that rate like every measured one, so an analyst read it
as what the day showed."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.fit_results import hhmm
from simulator.run import policy_named
from simulator.staff_plan import Target, erlang_plan, plan_policy
from simulator.staff_report import staffing_table
from simulator.twin import fit_twin

LOOSE = Target(max_unserved=0.3)


@pytest.fixture(scope="module")
def cut_twin(known_log):
    """The log cut at Tuesday 13:00: Tuesday 13:00-24:00 is borrowed (the line is open to
    22:00, so 13:00-21:30 are open half-hours in the table)."""
    entered = pd.to_datetime(known_log["entered_at"], utc=True)
    return fit_twin(known_log[entered < pd.Timestamp("2026-01-06 13:00", tz="UTC")], seed=1)


def _rows(table: str) -> dict[str, str]:
    lines = [line for line in table.splitlines() if line[:2].isdigit() and ":" in line[:5]]
    return {line[:5]: line for line in lines}


def test_borrowed_half_hours_are_marked_and_the_mark_defined(cut_twin):
    tuesday = cut_twin.by_weekday["tue"]
    plan = plan_policy(cut_twin, policy_named("music_ads"), LOOSE, day="tue", replications=2,
                       days=1, seed=3, workers=1, max_rounds=1)
    table = staffing_table(cut_twin, LOOSE, erlang_plan(cut_twin, LOOSE, "tue"), [plan], "tue")
    rows = _rows(table)
    borrowed = {hhmm(s) for s, rate in enumerate(tuesday.per_min)
                if rate > 0 and tuesday.borrowed[s]}
    assert borrowed and {"13:00", "21:30"} <= borrowed and "12:30" in rows
    for start, row in rows.items():
        rate_cell = row[10:26]
        assert rate_cell.endswith(" *") == (start in borrowed), row
    legend = [line for line in table.splitlines() if line.startswith("  * after calls/min")]
    assert len(legend) == 1 and legend[0].startswith(
        f"  * after calls/min ({len(borrowed)} half-hour(s) here): borrowed: a half-hour the "
        "log never covered on this weekday, so its rate and error are the all-days ones")
    assert legend[0].endswith("not measured on the day")


def test_a_day_with_no_borrowed_half_hour_has_no_mark_nor_legend(cut_twin):
    plan = plan_policy(cut_twin, policy_named("music_ads"), LOOSE, day="mon", replications=2,
                       days=1, seed=3, workers=1, max_rounds=1)
    table = staffing_table(cut_twin, LOOSE, erlang_plan(cut_twin, LOOSE, "mon"), [plan], "mon")
    assert not any(row[10:26].endswith(" *") for row in _rows(table).values())
    assert "borrowed" not in table
