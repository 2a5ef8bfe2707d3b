"""`holdwell fit` says the rule by which a patience fit became 'empirical': the output had
named the kind and its KM gap but not why a gap of 0.071 meant the curve itself was used."""

from __future__ import annotations

from simulator.fit_patience import KM_GAP, MIN_HANGUPS_EMPIRICAL
from simulator.twin import fit_twin
from simulator.twin_report import fit_report


def test_the_patience_lines_state_the_rule_that_picks_the_curve(known_log):
    twin = fit_twin(known_log, seed=1)
    said = fit_report(twin)
    assert (f"a gap over {KM_GAP:g} with {MIN_HANGUPS_EMPIRICAL} hang-ups or more: no law "
            "fits, and the Kaplan-Meier curve itself is used, 'empirical'") in said
    for fit in twin.patience.values():
        assert (fit.kind == "empirical") == (fit.km_gap > KM_GAP
                                             and fit.abandoned >= MIN_HANGUPS_EMPIRICAL)
