"""Callback completion is over the callbacks whose placing is decided (connected or failed):
one still pending, or withdrawn before it was rung, did not fail to get through. Both had sat
in the denominator, so a callback queue read 40% completion while every callback placed had
reached its caller; the promise-kept rate and `holdwell fit`'s completion leave them out."""

from __future__ import annotations

import pytest

from analytics import metrics
from analytics.render_text import render_text
from analytics.report import build_report
from analytics.summary import RecordsSummary
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame

GROUP = "support · callback"


def _records():
    taker = {"policy": "callback", "callback_requested": True}
    return frame([
        call("connected 1", Outcome.CALLBACK_CONNECTED, 20, callback_wait_s=200, **taker),
        call("connected 2", Outcome.CALLBACK_CONNECTED, 30, callback_wait_s=300, **taker),
        call("failed", Outcome.CALLBACK_FAILED, 40, **taker),
        call("pending", Outcome.LEFT, 25, **taker),
        call("withdrawn", Outcome.LEFT, 35, **taker)._replace(callback_cancelled=True),
        call("answered first", Outcome.ANSWERED, 50, **taker),
        call("waited", Outcome.ANSWERED, 10, policy="callback"),
    ])


def test_completion_leaves_out_pending_and_withdrawn_callbacks():
    row = metrics.callbacks(_records()).loc[GROUP]
    assert row["callbacks_requested"] == 6
    assert row["callback_completion_rate"] == pytest.approx(2 / 3)  # not 2 / 5


def test_the_report_in_batches_and_its_text_give_the_same_completion():
    records = _records()
    summary = RecordsSummary()
    summary.add(records.iloc[:3])
    summary.add(records.iloc[3:])
    assert summary.metrics_table().loc[GROUP, "callback_completion_rate"] == pytest.approx(2 / 3)
    line = next(x for x in render_text(build_report(records)).splitlines()
                if x.startswith("callback completion"))
    assert line.split()[-2:] == ["66.7", "%"]


def test_completion_is_na_while_every_callback_is_pending():
    taker = {"policy": "callback", "callback_requested": True}
    records = frame([call("pending", Outcome.LEFT, 25, **taker),
                     call("waited", Outcome.ANSWERED, 10, policy="callback")])
    row = metrics.callbacks(records).loc[GROUP]
    assert row["callback_completion_rate"] != row["callback_completion_rate"]  # NaN, not 0%
