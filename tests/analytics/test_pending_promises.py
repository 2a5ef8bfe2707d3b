"""A callback promise still open at the log's end with its deadline not yet passed is
undecided: counted on its own as still pending and left out of the kept rate (it had sat in
the denominator, neither kept nor broken, and understated the rate); one open past its
deadline is broken. Counted by hand; the batched reader agrees with the whole read."""

from __future__ import annotations

import pytest

from analytics import metrics
from analytics.render_text import render_text
from analytics.report import build_report
from analytics.summary import RecordsSummary
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame

GROUP = "support · callback"


def _calls(last_end_s: float) -> list:
    """Entered at 0: one kept callback (connected 200 s, promised 240), one open (left at
    25 s, promised 600 s: due at 600 s). A later caller answered at `last_end_s` sets the
    log's end."""
    return [
        call("kept", Outcome.CALLBACK_CONNECTED, 20, policy="callback", callback_requested=True,
             callback_wait_s=200, promised_s=240),
        call("open", Outcome.LEFT, 25, policy="callback", callback_requested=True,
             promised_s=600),
        call("last", Outcome.ANSWERED, 10, policy="callback", at_s=last_end_s - 10),
    ]


def test_a_promise_not_yet_due_at_the_logs_end_is_pending_not_in_the_kept_rate():
    row = metrics.callbacks(frame(_calls(last_end_s=500))).loc[GROUP]
    assert row["callbacks_given_band"] == 2
    assert row["callbacks_promise_pending"] == 1
    assert row["callback_promise_kept_rate"] == pytest.approx(1.0)  # 1 kept of 1 decided


def test_a_promise_still_open_past_its_deadline_is_broken():
    row = metrics.callbacks(frame(_calls(last_end_s=700))).loc[GROUP]
    assert row["callbacks_promise_pending"] == 0
    assert row["callback_promise_kept_rate"] == pytest.approx(0.5)


def test_only_pending_promises_give_no_kept_rate():
    records = frame(_calls(last_end_s=500)[1:])
    row = metrics.callbacks(records).loc[GROUP]
    assert row["callbacks_promise_pending"] == 1
    assert row["callback_promise_kept_rate"] != row["callback_promise_kept_rate"]  # n/a


@pytest.mark.parametrize("last_end_s", [500, 700])
def test_batches_judge_an_open_promise_by_the_end_of_the_whole_log(last_end_s):
    """The open promise is in the first batch; the call that ends the log, in the second."""
    calls = _calls(last_end_s)
    summary = RecordsSummary()
    summary.add(frame(calls[:2]))
    summary.add(frame(calls[2:]))
    batched = summary.metrics_table().loc[GROUP]
    whole = metrics.all_metrics(frame(calls)).loc[GROUP]
    for field in ("callbacks_promise_pending", "callback_promise_kept_rate"):
        assert batched[field] == whole[field]


def test_the_report_shows_pending_promises_and_defines_them():
    report = build_report(frame(_calls(last_end_s=500)))
    (entry,) = report["policies"]
    assert entry["callbacks_promise_pending"] == 1
    assert entry["callback_promise_kept_rate"] == pytest.approx(1.0)
    text = render_text(report)
    assert "of which still pending (undecided)" in text
    definition = report["definitions"]["callback_promise_kept_rate"]["definition"]
    assert "still pending" in definition and "log's end" in definition
    assert report["definitions"]["callbacks_promise_pending"]["unit"] == "calls"
