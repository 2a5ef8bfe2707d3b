"""The sample-size sentence gives its rates in % like every other rate in the report."""

from __future__ import annotations

from analytics.render_text import render_text
from analytics.report import build_report
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame


def test_a_sample_size_not_computable_states_its_baseline_in_percent():
    records = frame([call(f"c{i}", Outcome.ABANDONED if i < 1 else Outcome.ANSWERED, 30)
                     for i in range(50)])  # baseline 1 of 50 = 2 %: a 3-point drop is below 0
    line = next(line for line in render_text(build_report(records)).splitlines()
                if line.startswith("sample size"))
    assert line.startswith("sample size: not computable: ") and "rate of 2.0 %" in line


def test_a_baseline_below_the_drop_says_why_and_what_to_ask():
    records = frame([call(f"c{i}", Outcome.ABANDONED if i < 1 else Outcome.ANSWERED, 30)
                     for i in range(50)])
    line = next(line for line in render_text(build_report(records)).splitlines()
                if line.startswith("sample size"))
    assert "3.0-point drop" in line and "below 0 %" in line and "--detect-drop" in line


def test_every_caller_unserved_still_gets_a_sample_size():
    records = frame([call(f"c{i}", Outcome.ABANDONED, 30) for i in range(50)])
    line = next(line for line in render_text(build_report(records)).splitlines()
                if line.startswith("sample size"))
    assert "calls per arm" in line and "from 100.0 %" in line, line
