"""What-if's definitions say what its figures divide by (a reviewer's finding: "promise
kept" said "/ callbacks requested" while the figure divides by the callbacks given a band)."""

from __future__ import annotations

import pytest

from simulator.whatif import FIGURES, _cell, figure


def test_promise_kept_is_defined_over_the_callbacks_given_a_band():
    definition = next(text for key, _, _, text in FIGURES
                      if key == "callback_promise_kept_rate")
    assert definition.startswith("kept / (callbacks given a band - still open - cancelled):")
    assert "never reached (failed)" in definition  # broken, as in every promise figure
    assert "requested" not in definition



def _summary(**figures: float) -> dict:
    base = {"calls": 1000, "callbacks_requested": 100, "callbacks_answered_first": 10,
            "answered": 700, "callbacks_given_band": 80, "unserved_rate": 0.2,
            "callback_promise_kept_rate": 1.0, "callback_promises_pending": 0}
    return {**base, **figures}


def test_a_share_every_replication_put_at_100_percent_is_not_told_as_exact():
    """Every replication keeping every promise is 20 x 80 promises kept, not a certainty:
    the t interval's ±0 had read "100.00% ±0.00 pp" (analyst audit 36, D8)."""
    runs = [_summary() for _ in range(20)]
    mean, half = figure(runs, "callback_promise_kept_rate")
    assert mean == 1.0 and half == pytest.approx(1 - 0.05 ** (1 / 1600))  # about 3 / 1,600
    assert _cell((mean, half), "%") == "100.00% −0.19 pp"
    none = figure([_summary(unserved_rate=0.0) for _ in range(5)], "unserved_rate")
    assert none[1] == pytest.approx(1 - 0.05 ** (1 / 5000))
    assert _cell(none, "%").startswith("0.00% +")


def test_a_kept_rate_at_100_percent_is_bounded_by_the_decided_promises_alone():
    """Still-pending promises are in no share, so not in the bound's count either: 20 x 50
    decided, not 20 x 80 given a band."""
    runs = [_summary(callback_promises_pending=30) for _ in range(20)]
    assert figure(runs, "callback_promise_kept_rate")[1] == pytest.approx(1 - 0.05 ** (1 / 1000))


def test_a_share_that_varied_keeps_its_t_interval():
    runs = [_summary(callback_promise_kept_rate=value) for value in (0.9, 1.0, 0.95)]
    mean, half = figure(runs, "callback_promise_kept_rate")
    assert mean == pytest.approx(0.95) and half > 0.1  # t with 2 degrees of freedom
    assert figure([_summary(unserved_rate=0.25)] * 4, "unserved_rate")[1] == 0.0  # not an edge
