"""Our numpy Kaplan–Meier against lifelines' `KaplanMeierFitter`, the reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from analytics.kaplan_meier import kaplan_meier


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 60), st.booleans()), min_size=1, max_size=60),
    st.sampled_from([0.9, 0.95]),
)
def test_curve_band_median_and_at_risk_match_lifelines(calls, confidence):
    """Whole-second waits make ties, as Twilio's QueueTime does. (A curve of one time point is
    left out: lifelines squeezes its one-row frame to a scalar and reports an infinite median;
    so are abandons at 0 s, where lifelines' median disagrees with its own curve.)"""
    wait = np.array([w for w, _ in calls], float)
    assume(np.unique(wait).size > 1)
    event = np.array([e for _, e in calls])
    ours = kaplan_meier(wait, event, confidence=confidence)
    theirs = KaplanMeierFitter(alpha=1 - confidence).fit(wait, event)
    times = np.arange(0.0, 62.0, 0.5)
    assert ours.survival_at(times) == pytest.approx(
        theirs.survival_function_at_times(times).to_numpy())
    bands = theirs.confidence_interval_
    positions = np.clip(np.searchsorted(bands.index, times, side="right") - 1, 0, None)
    for column, values in ((0, ours.ci_low), (1, ours.ci_high)):
        reference = bands.to_numpy()[positions, column]
        known = ~np.isnan(reference)
        assert ours.at(values, times)[known] == pytest.approx(reference[known], abs=1e-9)
    if not np.isclose(ours.survival, 0.5, rtol=0, atol=1e-9).any():
        # at S = 0.5 exactly lifelines' exp(Σ log) lands a hair above or below 0.5 by rounding;
        # ours says "first time S <= 0.5", the textbook median
        assert ours.quantile_time(ours.survival) == theirs.median_survival_time_
    low, high = np.asarray(median_survival_times(bands), float).ravel()[:2]
    for band, reference in ((ours.ci_low, low), (ours.ci_high, high)):
        if not np.isclose(band, 0.5, rtol=0, atol=1e-9).any():
            assert ours.quantile_time(band) == reference
    at_risk = theirs.event_table["at_risk"]
    assert ours.waiting_at(at_risk.index.to_numpy()) == pytest.approx(at_risk.to_numpy())
