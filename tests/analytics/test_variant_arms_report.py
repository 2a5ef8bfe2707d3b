"""Words under test, analysed (issue 16 item 8): two variants of one policy are compared as
arms — groups by arm, the difference, its CI, p-values and the verdict — exactly like policies.

A synthetic log with a known truth: both arms hear `checkin`; the `no_apology` arm abandons
22% of the time, the `checkin` arm 30% (4,000 callers each, callback takers in both)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analytics.records import write_records
from analytics.report import build_report
from analytics.synthetic import arm_for_rate, synthetic_records
from cli.report_commands import report_command

CALLS = 4000
BASE, NO_APOLOGY = "support · arm checkin", "support · arm no_apology"


def log_of(no_apology_rate: float, seed: int) -> pd.DataFrame:
    arms = [arm_for_rate("checkin", 0.30, arm="checkin", callback_share=0.1, checkin_every_s=60),
            arm_for_rate("checkin", no_apology_rate, arm="no_apology", callback_share=0.1,
                         checkin_every_s=60)]
    return synthetic_records(arms, CALLS, np.random.default_rng(seed))


def primary(report: dict) -> dict:
    (row,) = [c for c in report["comparisons"] if c["primary"]]
    assert {row["a"], row["b"]} == {BASE, NO_APOLOGY}
    return row


def difference_no_apology_minus_base(row: dict) -> tuple[float, float, float]:
    """(difference, ci low, ci high) as no_apology − checkin, whichever order the pair has."""
    sign = 1 if row["a"] == NO_APOLOGY else -1
    low, high = sorted(sign * x for x in row["ci"])
    return sign * row["difference"], low, high


@pytest.fixture(scope="module")
def known_lower(tmp_path_factory):
    path = tmp_path_factory.mktemp("variants") / "records.csv"
    return write_records(log_of(0.22, seed=816), path)


def test_variant_arms_are_their_own_groups_with_the_policy_they_heard():
    report = build_report(log_of(0.22, seed=816))
    groups = {p["group"]: (p["policy"], p["arm"], p["calls"]) for p in report["policies"]}
    assert groups == {BASE: ("checkin", "checkin", CALLS),
                      NO_APOLOGY: ("checkin", "no_apology", CALLS)}


def test_the_report_finds_the_lower_abandonment_of_the_no_apology_arm():
    report = build_report(log_of(0.22, seed=816))
    row = primary(report)
    assert row["verdict"] == f"{NO_APOLOGY} lower"
    assert row["p_value_holm"] < 0.001 and row["logrank_p_value"] < 0.001
    (rate,) = [c for c in report["comparisons"] if c["metric"] == "abandonment_rate"]
    difference, low, high = difference_no_apology_minus_base(rate)
    assert low <= 0.22 - 0.30 <= high < 0  # the truth inside the CI, which excludes no change


def test_the_same_words_in_both_arms_give_no_verdict():
    """The control: identical arms (both 30%) must not be called different."""
    row = primary(build_report(log_of(0.30, seed=817)))
    assert row["verdict"] == "no clear difference" and row["p_value_holm"] > 0.05


def test_holdwell_report_reads_variant_arms_from_a_file(known_lower):
    """The file path (batched summary) gives the same groups and verdict as the frame."""
    runner = CliRunner()
    result = runner.invoke(report_command, ["--records", str(known_lower), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {(p["group"], p["policy"], p["arm"]) for p in report["policies"]} == {
        (BASE, "checkin", "checkin"), (NO_APOLOGY, "checkin", "no_apology")}
    assert primary(report)["verdict"] == f"{NO_APOLOGY} lower"
    text = runner.invoke(report_command, ["--records", str(known_lower)])
    assert text.exit_code == 0 and f"{NO_APOLOGY} lower" in text.output
