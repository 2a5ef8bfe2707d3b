"""A callback promise still open (neither connected nor failed) is undecided: counted on its
own and left out of the kept rate (it had sat in the denominator, neither kept nor broken,
and understated the rate). Open past its deadline it stays undecided (a cancelled callback,
which the records now tell apart, is counted on its own: test_cancelled_promises). Counted
by hand; the batched reader agrees with the whole read, and a filtered read with the whole
one."""

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
    25 s, promised 600 s: due at 600 s), and a later caller answered at `last_end_s`."""
    return [
        call("kept", Outcome.CALLBACK_CONNECTED, 20, policy="callback", callback_requested=True,
             callback_wait_s=200, promised_s=240),
        call("open", Outcome.LEFT, 25, policy="callback", callback_requested=True,
             promised_s=600),
        call("last", Outcome.ANSWERED, 10, policy="callback", at_s=last_end_s - 10),
    ]


@pytest.mark.parametrize("last_end_s", [500, 700])
def test_an_open_promise_is_undecided_before_its_deadline_and_after(last_end_s):
    row = metrics.callbacks(frame(_calls(last_end_s))).loc[GROUP]
    assert row["callbacks_given_band"] == 2
    assert row["callbacks_promise_pending"] == 1
    assert row["callback_promise_kept_rate"] == pytest.approx(1.0)  # 1 kept of 1 decided


def test_a_read_filtered_to_fewer_calls_judges_the_open_promise_alike():
    whole = metrics.callbacks(frame(_calls(700))).loc[GROUP]
    fewer = metrics.callbacks(frame(_calls(700)[:2])).loc[GROUP]
    for field in ("callbacks_promise_pending", "callback_promise_kept_rate"):
        assert fewer[field] == whole[field]


def test_only_open_promises_give_no_kept_rate():
    records = frame(_calls(last_end_s=500)[1:])
    row = metrics.callbacks(records).loc[GROUP]
    assert row["callbacks_promise_pending"] == 1
    assert row["callback_promise_kept_rate"] != row["callback_promise_kept_rate"]  # n/a


def test_batches_count_open_promises_as_the_whole_read_does():
    calls = _calls(700)
    summary = RecordsSummary()
    summary.add(frame(calls[:2]))
    summary.add(frame(calls[2:]))
    batched = summary.metrics_table().loc[GROUP]
    whole = metrics.all_metrics(frame(calls)).loc[GROUP]
    for field in ("callbacks_promise_pending", "callback_promise_kept_rate"):
        assert batched[field] == whole[field]


def test_the_report_shows_open_promises_and_defines_them():
    report = build_report(frame(_calls(last_end_s=500)))
    (entry,) = report["policies"]
    assert entry["callbacks_promise_pending"] == 1
    assert entry["callback_promise_kept_rate"] == pytest.approx(1.0)
    text = render_text(report)
    assert "of which still open (undecided)" in text
    definition = report["definitions"]["callback_promise_kept_rate"]["definition"]
    assert "still open if none of these" in definition and "cancelled if withdrawn" in definition
    assert report["definitions"]["callbacks_promise_pending"]["unit"] == "calls"
