"""Agents on duty are counted from conversations in progress at the moments a waiting
caller was answered: a count is never negative, whatever the log's timing. A call that
started after the moment and ended within the tie tolerance of it was subtracted without
having been added (the console's twin page showed "-1 agents" for such a half-hour)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.fit_agents import TIE_S, _busy_at, fit_agents


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100, allow_nan=False), st.floats(0, 5, allow_nan=False)),
                min_size=1, max_size=30),
       st.lists(st.floats(0, 110, allow_nan=False), min_size=1, max_size=10))
def test_conversations_in_progress_are_counted_as_a_person_would(calls, moments):
    starts = np.array([s for s, _ in calls])
    ends = starts + np.array([talk for _, talk in calls])
    counted = _busy_at(starts, ends, np.array(moments))
    expected = [sum(1 for s, e in zip(starts, ends, strict=True) if s <= m and e > m + TIE_S)
                for m in moments]
    assert list(counted) == expected and min(counted) >= 0


def test_two_short_calls_answered_a_moment_apart_never_make_negative_agents():
    day = pd.Timestamp("2026-11-30 05:40", tz="UTC")
    records = pd.DataFrame({
        "entered_at": [day, day + pd.Timedelta(seconds=59.72)],
        "wait_s": [60.0, 0.3], "outcome": ["answered", "answered"],
        "talk_s": [0.2, 0.2], "callback_wait_s": [np.nan, np.nan]})
    fit = fit_agents(records)
    assert min(fit.per_slot) >= 0


def _one_agent_log(wait_b_s: float) -> pd.DataFrame:
    """Caller A answered at once at 08:00:00 and talks 60 s; caller B, in line from
    08:00:20, is answered wait_b_s later by the same (one) agent; caller C hangs up after
    12.4 s (in the Twilio engine's log only the answered waits are whole seconds: those of
    callers who left the line, for a callback or by hanging up, are not)."""
    day = pd.Timestamp("2026-11-30 08:00", tz="UTC")
    return pd.DataFrame({
        "entered_at": [day, day + pd.Timedelta(seconds=20), day + pd.Timedelta(seconds=25)],
        "wait_s": [0.0, wait_b_s, 12.4], "outcome": ["answered", "answered", "abandoned"],
        "talk_s": [60.0, 30.0, np.nan], "callback_wait_s": [np.nan, np.nan, np.nan]})


def test_a_whole_second_log_answering_a_second_early_fits_one_agent_not_two():
    """Whole-second waits (the Twilio engine's log, a live line's) put B's answer at 08:00:59,
    a second before A's call ends at 08:01:00: with a tie of 0.5 s A still looked in progress,
    and the half-hour was fitted 2 agents (the audit's 4 for 3 and 6 for 5)."""
    fit = fit_agents(_one_agent_log(39.0))
    assert fit.per_slot[16] == 1


def test_fractional_waits_keep_the_half_second_tie():
    """Answered 0.7 s before another call ends: two conversations at once, two agents."""
    fit = fit_agents(_one_agent_log(39.3))
    assert fit.per_slot[16] == 2
