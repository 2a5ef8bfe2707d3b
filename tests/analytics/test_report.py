"""The report object and its renderers: contract fields, units, definitions, one-file HTML."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from analytics.render_html import render_html
from analytics.render_text import render_text
from analytics.report import build_report, report_json
from analytics.synthetic import arm_for_rate, synthetic_records
from tests.analytics.builders import fourteen_calls, frame

CONTRACT = {
    "policy", "calls", "abandonment_rate", "abandonment_rate_ci",
    "abandonment_rate_short_excluded", "service_level", "asa_s", "median_patience_s",
    "callbacks_requested",
}  # fmt: skip


@pytest.fixture(scope="module")
def records():
    arms = [
        arm_for_rate("checkin", 0.2, checkin_every_s=60, arm="A"),
        arm_for_rate("music_ads", 0.3, callback_share=0.1, arm="B"),
        arm_for_rate("silence", 0.25, queue="sales"),
    ]
    return synthetic_records(arms, 800, np.random.default_rng(1))


@pytest.fixture(scope="module")
def report(records):
    return build_report(records, short_abandon_s=4, service_threshold_s=30)


def test_report_has_the_contract_fields_for_every_group(report):
    groups = [p["group"] for p in report["policies"]]
    assert groups == ["sales · silence", "support · arm A", "support · arm B"]
    for entry in report["policies"]:
        assert entry.keys() >= CONTRACT
        low, high = entry["abandonment_rate_ci"]
        assert low < entry["abandonment_rate"] < high


def test_comparisons_pair_groups_of_one_queue_for_both_rate_variants(report):
    pairs = {(c["a"], c["b"], c["metric"]) for c in report["comparisons"]}
    assert pairs == {
        ("support · arm A", "support · arm B", "unserved_rate"),
        ("support · arm A", "support · arm B", "abandonment_rate"),
        ("support · arm A", "support · arm B", "abandonment_rate_short_excluded"),
    }
    for c in report["comparisons"]:
        assert c["difference"] == pytest.approx(c["rate_a"] - c["rate_b"])
        assert 0 <= c["p_value"] <= c["p_value_holm"] <= 1
        if c["primary"]:  # one log-rank test per pair, not repeated on the secondary rows
            assert 0 <= c["logrank_p_value"] <= c["logrank_p_value_holm"] <= 1
        else:
            assert c["logrank_p_value"] is None


def test_definitions_carry_the_chosen_thresholds(report):
    assert "4 s" in report["definitions"]["abandonment_rate_short_excluded"]["definition"]
    assert "30 s" in report["definitions"]["service_level"]["definition"]
    assert report["sample_size"]["baseline"] == "support · arm B"  # the music_ads arm


def test_json_is_strict_json_with_nulls_for_missing_numbers():
    calls = fourteen_calls()
    calls += [
        c._replace(call_id=f"q{c.call_id}", queue="sales", wait_s=c.wait_s + 100)
        for c in calls
        if c.outcome != "abandoned"
    ]  # no abandons: patience not reached
    report = json.loads(report_json(build_report(frame(calls))))  # strict: no NaN or Infinity
    sales, support = report["policies"]
    assert (support["median_patience_s"], support["median_patience_reached"]) == (70, True)
    assert (sales["median_patience_s"], sales["median_patience_reached"]) == (None, False)
    assert sales["abandonment_rate"] == 0 and sales["mean_time_to_abandon_s"] is None
    assert report["comparisons"] == []


def test_text_prints_every_number_with_a_unit(report):
    text = render_text(report)
    table = text.split("\n\ncomparisons")[0].split("\n")[3:]  # rows of the first metric table
    for row in table[3:]:
        cells = re.split(r"\s{2,}", row.strip())[1:]
        if row.startswith("rate, SL and wait intervals clustered by"):  # no number: a
            assert all(re.fullmatch(r"none \(independent calls\)|batch means, \d+ time "
                                    r"batches", cell) for cell in cells), row  # a method
            continue
        unit = r"(%|calls| s|min|n/a|not reached|no callbacks taken)\]?$"
        assert all(re.search(unit, c) for c in cells), row
    assert "abandonment_rate [%]: secondary, Twilio/ACD-style: abandoned / (calls −" in text
    assert "unserved_rate [%]: PRIMARY, intention to treat" in text
    assert "calls per arm" in text


def test_html_is_one_self_contained_page_with_a_forest_plot_and_four_charts_per_queue(
    report, records
):
    page = render_html(report, records)
    assert page.count('<img alt=') == 1 + 4 * 2  # forest, then rates/KM/hazard/waits per queue
    assert page.count('src="data:image/svg+xml;base64,') == 9
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    assert "<script" not in page
    assert "Wilson score" in page


def test_groups_that_ran_on_different_days_get_no_verdict(records):
    """A before/after switch (one policy one week, another the next) differs in load and
    staffing as much as in policy: the difference is shown, the verdict is withheld."""
    apart = records.copy()
    later = apart["policy"] == "music_ads"
    for column in ("arrived_at", "entered_at"):
        if column in apart:
            apart.loc[later, column] = apart.loc[later, column] + pd.Timedelta(days=7)
    together = build_report(records)
    separate = build_report(apart)

    def primary(report):
        [row] = [c for c in report["comparisons"] if c["primary"] and c["b"].endswith("B")]
        return row

    assert primary(together)["days_together"][0] == primary(together)["days_together"][1]
    assert primary(together)["verdict"] != "not compared: ran on different days"
    assert primary(separate)["days_together"][0] == 0
    assert primary(separate)["verdict"] == "not compared: ran on different days"
    assert primary(separate)["difference"] == pytest.approx(primary(together)["difference"])
    assert "not compared" in render_text(separate)


def test_a_group_too_small_is_said_so_before_its_days(records):
    """Four calls a group on different days: "too few calls" is the first reason (days shared
    would not make four calls enough); it had said only "ran on different days"."""
    small = records.groupby("policy", observed=True).head(4).copy()
    later = small["policy"] == "music_ads"
    for column in ("arrived_at", "entered_at"):
        if column in small:
            small.loc[later, column] = small.loc[later, column] + pd.Timedelta(days=7)
    verdicts = [c["verdict"] for c in build_report(small)["comparisons"] if c["primary"]]
    assert verdicts and all(v.startswith("not compared: too few calls (4 in a group")
                            for v in verdicts), verdicts


def _before_after(stray_per_day: int, split: bool = False) -> pd.DataFrame:
    """music_ads 300 calls a day on days 1–5 (20% lost), checkin on days 6–10 (10%), plus
    `stray_per_day` calls of the other policy each day; `split`: both every day, 270/30.
    Each call about a minute after the one before, at a moment of its own: on an exact
    minute's grid the two policies' days would line up as one set of callers run twice
    (analytics.same_callers), which real days never do."""
    rng = np.random.default_rng(0)
    rows, start = [], pd.Timestamp("2026-03-02T08:00Z")
    for day in range(10):
        first = day < 5
        counts = ({"music_ads": 270, "checkin": 30} if split else
                  {"music_ads": 300 if first else stray_per_day,
                   "checkin": stray_per_day if first else 300})  # fmt: skip
        for policy, n in counts.items():
            lost = 0.2 if policy == "music_ads" else 0.1
            for i in range(n):
                rows.append({"call_id": f"{policy}{day}-{i}", "queue": "support",
                             "policy": policy, "arm": "",
                             "entered_at": start + pd.Timedelta(
                                 days=day, seconds=60 * i + rng.uniform(0, 50)),
                             "outcome": "abandoned" if rng.random() < lost else "answered",
                             "wait_s": 30.0, "orig_position": 1, "announcements": 0,
                             "first_announced_wait_s": np.nan, "callback_wait_s": np.nan})
    from analytics.validation import validate_records

    return validate_records(pd.DataFrame(rows))


def test_a_stray_call_a_day_does_not_make_a_before_after_switch_comparable():
    """One call of the other policy each day made all ten days 'shared' (days_together
    [10, 10]) and gave a verdict at p = 2e-23; overlap is now counted in calls."""
    def primary(records):
        return next(c for c in build_report(records)["comparisons"] if c["primary"])

    stray = primary(_before_after(stray_per_day=1))
    assert stray["calls_together"] == [0.0, 0.0] and stray["days_together"] == [0, 10]
    assert stray["verdict"] == "not compared: ran on different days"
    split = primary(_before_after(stray_per_day=0, split=True))  # a 90/10 split, every day
    assert split["calls_together"] == [1.0, 1.0] and split["days_together"] == [10, 10]
    assert split["verdict"] != "not compared: ran on different days"
