"""A weekday the log spans without a call is taken as shut: it is no day to simulate. The
console's what-if for such a day had crashed with a 500 (the profile's "give a rate > 0"
reached its handler) while its day picker and the API's `weekdays` offered it, and the CLI
said "arrival rate: the daily profile has no calls; give a rate > 0", a rate nobody gave
(analyst audit 42, finding 1)."""

from __future__ import annotations

import pytest

from simulator.errors import ScenarioError
from simulator.twin import fit_twin, twin_scenario


@pytest.fixture(scope="module")
def twin_without_tuesdays(known_log):
    kept = known_log[known_log["entered_at"].dt.weekday != 1].reset_index(drop=True)
    return fit_twin(kept, seed=1)


def test_a_spanned_weekday_without_calls_is_not_offered(twin_without_tuesdays):
    assert "tue" in twin_without_tuesdays.by_weekday  # spanned, and taken as shut
    assert "tue" not in twin_without_tuesdays.weekdays()
    assert "mon" in twin_without_tuesdays.weekdays()


def test_simulating_it_names_the_days_with_calls(twin_without_tuesdays):
    with pytest.raises(ScenarioError) as refused:
        twin_scenario(twin_without_tuesdays, day="tue")
    assert str(refused.value) == (
        "--day: the log has no calls on a tue (taken as shut); choose all or one of "
        + ", ".join(twin_without_tuesdays.weekdays()))
