"""`compare --engine twilio` runs one set of callers under each policy, each policy on a
virtual day of its own in one log: the report had called every pair "not compared: ran on
different days", as if a before/after switch on a real line (analyst walk A1). One set of
callers run twice is compared; two real days are still not."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.batch_means import paired_difference, paired_run_difference
from analytics.records import records_frame
from analytics.report import APART, PAIRED, build_report
from analytics.summary import RecordsSummary
from hold_policies.records import Outcome
from tests.analytics.builders import T0, call

DAY_S = 86_400.0


def callers(policy: str, entries_s: np.ndarray, shift_s: float, seed: int) -> list:
    """One call per entry time, moved by `shift_s`; a third of them hang up (seeded)."""
    hung_up = np.random.default_rng(seed).random(entries_s.size) < 1 / 3
    return [call(f"{policy}-{i}", Outcome.ABANDONED if gone else Outcome.ANSWERED, 30.0,
                 policy=policy, at_s=float(at + shift_s))
            for i, (at, gone) in enumerate(zip(entries_s, hung_up, strict=True))]


def primary(report: dict) -> dict:
    return next(c for c in report["comparisons"] if c["primary"])


@pytest.fixture
def arrivals() -> np.ndarray:
    return np.sort(np.random.default_rng(7).uniform(0, 8 * 3600, 200)).round(6)


def test_one_set_of_callers_on_days_of_their_own_is_compared(arrivals):
    # music on day 1; checkin on day 2, its callers joining 7.87 s later (its greeting)
    records = records_frame(callers("music_ads", arrivals, 0.0, 1)
                            + callers("checkin", arrivals, DAY_S + 7.866667, 2))
    comparison = primary(build_report(records))
    assert comparison["days_together"] == [0, 2]
    assert comparison["same_callers"] is True
    assert comparison["verdict"] != APART


def test_two_real_days_are_still_not_compared(arrivals):
    other_day = np.sort(np.random.default_rng(8).uniform(0, 8 * 3600, 200)).round(6)
    records = records_frame(callers("music_ads", arrivals, 0.0, 1)
                            + callers("checkin", other_day, DAY_S, 2))
    comparison = primary(build_report(records))
    assert comparison["same_callers"] is False and comparison["verdict"] == APART


def test_a_day_logged_to_the_second_does_not_line_up_by_chance(arrivals):
    """The same number of calls, whole seconds, on another day: no fixed offset fits 90%."""
    other_day = np.sort(np.random.default_rng(9).uniform(0, 8 * 3600, 200)).round()
    records = records_frame(callers("music_ads", arrivals.round(), 0.0, 1)
                            + callers("checkin", other_day, DAY_S, 2))
    assert primary(build_report(records))["verdict"] == APART


def test_read_in_batches_the_report_says_the_same(arrivals):
    records = records_frame(callers("music_ads", arrivals, 0.0, 1)
                            + callers("checkin", arrivals, DAY_S + 3.0, 2))
    summary = RecordsSummary()
    for start in range(0, len(records), 75):
        summary.add(records.iloc[start:start + 75])
    whole, batched = primary(build_report(records)), primary(summary.report())
    assert batched["same_callers"] is whole["same_callers"] is True
    assert batched["verdict"] == whole["verdict"] != APART


def test_the_json_defines_the_breakdowns_and_their_intervals(arrivals):
    """The per-hour and per-day rows carried Wilson intervals no definition named, beside a
    definition of unserved_rate promising a clustered one (analyst walk A4)."""
    report = build_report(records_frame(callers("checkin", arrivals, 0.0, 1)))
    defined = report["definitions"]["breakdowns"]["definition"]
    for row in (report["breakdowns"]["day"][0], report["breakdowns"]["hour_of_day"][0]):
        for field in set(row) - {"group", "day", "hour"}:
            assert field.removesuffix("_low").removesuffix("_high") in defined, field
    assert "Wilson score interval of that one bucket" in defined


def test_one_set_of_callers_is_compared_caller_by_caller(arrivals):
    """The report had recognised the same callers only to lift the days rule, then tested
    the two policies as independent callers (analyst audit A): now the paired comparison
    `holdwell compare` gives, on the callers aligned by entry time."""
    records = records_frame(callers("music_ads", arrivals, 0.0, 1)
                            + callers("checkin", arrivals, 7 * DAY_S + 7.866667, 2))
    comparison = primary(build_report(records))
    lost = {policy: np.random.default_rng(seed).random(arrivals.size) < 1 / 3
            for policy, seed in (("music_ads", 1), ("checkin", 2))}
    difference, low, high, p = paired_difference(lost["music_ads"], lost["checkin"],
                                                 arrivals + T0.timestamp() + 7 * DAY_S + 7.866667)
    assert (comparison["a"], comparison["b"]) == ("support · checkin", "support · music_ads")
    assert comparison["paired"] is True and comparison["pairing"] == PAIRED
    assert comparison["test"] == "paired t"
    assert comparison["difference"] == pytest.approx(difference, abs=1e-12)
    assert comparison["ci"] == pytest.approx([low, high], abs=1e-12)
    assert comparison["p_value"] == pytest.approx(p, abs=1e-12)


def test_callers_a_minute_apart_on_a_grid_are_not_the_same_callers():
    """A synthetic log's perfectly regular arrivals line up, one day with another, under any
    whole number of minutes: who is who cannot be told, so neither day rule nor pairing
    treats them as the same callers (analyst audit A)."""
    grid = np.arange(200) * 60.0
    records = records_frame(callers("music_ads", grid, 0.0, 1)
                            + callers("checkin", grid, DAY_S, 2))
    comparison = primary(build_report(records))
    assert comparison["same_callers"] is False and comparison["paired"] is False
    assert comparison["verdict"] == APART


def test_arms_alternating_on_a_grid_are_not_paired():
    """Randomised arms on one day, a call a minute in turn: b's calls are a's a minute on,
    yet different callers; they keep the unpaired test."""
    grid = np.arange(400) * 60.0
    records = records_frame(callers("music_ads", grid[::2], 0.0, 1)
                            + callers("checkin", grid[1::2], 0.0, 2))
    comparison = primary(build_report(records))
    assert comparison["paired"] is False and comparison["pairing"] is None
    assert comparison["test"] != "paired t"


def test_different_callers_on_the_same_days_keep_the_unpaired_test(arrivals):
    other = np.sort(np.random.default_rng(8).uniform(0, 8 * 3600, 200)).round(6)
    records = records_frame(callers("music_ads", arrivals, 0.0, 1)
                            + callers("checkin", other, 0.0, 2))
    comparison = primary(build_report(records))
    assert comparison["same_callers"] is False and comparison["paired"] is False
    assert comparison["test"] in {"z", "Fisher exact", "clustered t"}


def test_one_caller_fewer_is_not_the_same_callers(arrivals):
    """Every caller must be matched, as compare's pairing requires (the report had taken 90%
    lined up for the same callers)."""
    records = records_frame(callers("music_ads", arrivals, 0.0, 1)
                            + callers("checkin", arrivals[1:], DAY_S, 2))
    comparison = primary(build_report(records))
    assert comparison["same_callers"] is False and comparison["paired"] is False


def test_the_paired_p_value_agrees_with_its_interval():
    """p < 0.05 exactly when the 95% interval leaves out 0: one standard error gives both."""
    rng = np.random.default_rng(4)
    for _ in range(200):
        n = int(rng.integers(20, 3000))
        entered = np.sort(rng.uniform(0, 6 * 3600, n))
        a = rng.random(n) < 0.2
        b = np.where(rng.random(n) < 0.9, a, rng.random(n) < rng.uniform(0.05, 0.4))
        difference, low, high, p = paired_difference(a, b, entered)
        assert low <= difference <= high
        assert (low > 0 or high < 0) == (p < 0.05), (low, high, p)
        assert paired_run_difference(a, b, entered) == [difference, low, high]
