"""A verdict is not drawn while the lower group's unsettled calls could reverse it.

An audit's case: 889 of the callback policy's 3,000 calls were still out of line with their
callback pending (outcome `left`), counted as not unserved; the report said "callback lower"
(p = 0.009) with no caveat, though were those callbacks to fail the callback policy would
lose about 52% of its callers against silence's 38%."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.compare import UNDECIDED, pairwise_differences, verdict
from analytics.metrics import all_metrics
from analytics.report import build_report
from app.console.experiments import plain_verdict
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame


def two_groups(pending: int, *, cancelled: int = 0, voicemail: int = 0) -> pd.DataFrame:
    """200 calls each: checkin loses 40 and has `pending` callbacks still to ring (of them
    `cancelled` withdrawn) and `voicemail` messages not yet called back; silence loses 80."""
    calls = [call(f"s{i}", Outcome.ABANDONED if i < 80 else Outcome.ANSWERED, 30,
                  policy="silence", at_s=i) for i in range(200)]
    outcomes = ([Outcome.ABANDONED] * 40 + [Outcome.LEFT] * pending
                + [Outcome.VOICEMAIL] * voicemail)
    outcomes += [Outcome.ANSWERED] * (200 - len(outcomes))
    calls += [call(f"c{i}", outcome, 30, at_s=i, callback_requested=outcome is Outcome.LEFT)
              for i, outcome in enumerate(outcomes)]
    records = frame(calls)
    if cancelled:
        withdrawn = records.index[records["outcome"] == Outcome.LEFT][:cancelled]
        records["callback_cancelled"] = records.index.isin(withdrawn)
    return records


def pair(records: pd.DataFrame) -> dict:
    (row,) = pairwise_differences(all_metrics(records)).to_dict("records")
    assert (row["a"], row["b"]) == ("support · checkin", "support · silence")
    return row


def test_pending_callbacks_that_could_reverse_it_withhold_the_verdict():
    row = pair(two_groups(pending=60))  # 20% unserved, 50% were they all lost, against 40%
    assert row["unsettled_a"] == 60 and row["unsettled_b"] == 0
    assert row["p_value_holm"] < 0.001
    said = verdict(row)
    assert said.startswith(UNDECIDED)
    assert "support · checkin is lower, but 60 of its calls are unsettled" in said


@pytest.mark.parametrize(("pending", "cancelled", "voicemail", "decided"), [
    (39, 0, 0, True),  # all lost: 39.5% < 40%
    (40, 0, 0, False),  # all lost: 40%, a tie is no win
    (60, 30, 0, True),  # withdrawn callbacks are settled: 30 pending, 35%
    (20, 0, 20, False),  # messages not yet called back may be lost too: 40%
])
def test_the_bound_counts_what_may_yet_be_lost(pending, cancelled, voicemail, decided):
    said = verdict(pair(two_groups(pending, cancelled=cancelled, voicemail=voicemail)))
    assert (said == "support · checkin lower") is decided
    assert said.startswith(UNDECIDED) is not decided


def test_the_report_counts_unsettled_calls_and_says_why_it_waits():
    report = build_report(two_groups(pending=60))
    groups = {group["group"]: group for group in report["policies"]}
    assert groups["support · checkin"]["unsettled"] == 60
    assert groups["support · silence"]["unsettled"] == 0
    (primary,) = [entry for entry in report["comparisons"] if entry["primary"]]
    assert primary["unsettled_a"] == 60 and primary["verdict"].startswith(UNDECIDED)
    assert "unsettled" in report["definitions"]


def test_the_console_tells_the_operator_to_keep_the_split_running():
    row = pair(two_groups(pending=60))
    said = plain_verdict(pd.Series(row), {row["a"]: "Check-in", row["b"]: "Silence"})
    assert said.startswith("Not decided yet: Check-in leaves fewer callers unserved so far")
    assert "60 of its callers" in said and "Keep the split running" in said
