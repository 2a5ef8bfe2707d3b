"""Where every caller still waiting hung up, the Kaplan–Meier share still willing to wait is 0
from then on, not unknown: a group whose forty callers all hung up at 40 s had read 'n/a' at
60, 120 and 300 s, the worst patience a report can show hidden as missing. Its band there is
[0, 0] (Greenwood's, lifelines'), so its high end is the exact binomial bound, the mirror of
the one before the first abandon."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.render_text import render_text
from analytics.report import build_report
from analytics.survival import patience_fits, survival_at
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame


def test_after_the_last_caller_hung_up_the_share_is_zero_with_an_exact_bound():
    calls = [call(f"a{i}", Outcome.ANSWERED, 10) for i in range(10)]
    calls += [call(f"h{i}", Outcome.ABANDONED, 40, at_s=i) for i in range(40)]
    row = survival_at(patience_fits(frame(calls))).iloc[0]
    for t in (60, 120, 300):
        assert row[f"still_waiting_{t}s"] == 0.0
        assert row[f"still_waiting_{t}s_ci_low"] == 0.0
        assert row[f"still_waiting_{t}s_ci_high"] == pytest.approx(1 - 0.025 ** (1 / 40))
    line = next(x for x in render_text(build_report(frame(calls))).splitlines()
                if x.startswith("still willing to wait at 300 s"))
    assert line.rstrip().endswith("0.0 % [0.0, 8.8 %]")


def test_past_a_longest_wait_that_was_no_hang_up_the_share_stays_unknown():
    calls = [call(f"h{i}", Outcome.ABANDONED, 20) for i in range(5)]
    calls += [call(f"a{i}", Outcome.ANSWERED, 50) for i in range(5)]
    row = survival_at(patience_fits(frame(calls))).iloc[0]
    assert row["still_waiting_60s"] != row["still_waiting_60s"]  # NaN: nobody seen past 50 s
    assert np.isnan(row["still_waiting_60s_ci_high"])
