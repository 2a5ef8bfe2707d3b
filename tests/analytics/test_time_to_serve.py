"""ASA and the Asterisk service level count callers answered in line only, so a policy that
sends its long waiters to callbacks looks faster on them than it is (analyst audit 36, D1):
the report also gives the time to serve and the share served in time, a callback at its
real wait (entering the queue -> connected), every caller in the denominator."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from analytics import metrics
from analytics.records import write_records
from analytics.render_text import render_text
from analytics.report import build_report
from analytics.summary import RecordsSummary
from cli.report_commands import report_command
from hold_policies.records import Outcome
from tests.analytics.builders import call, fourteen_calls, frame

GROUP = "support · checkin"
A, CB = Outcome.ANSWERED, Outcome.CALLBACK_CONNECTED


def test_a_connected_callback_counts_at_its_real_wait():
    row = metrics.wait_times(frame(fourteen_calls())).loc[GROUP]
    # answered 10, 15, 20, 45 s; callbacks connected 200 and 400 s after entering
    assert row["time_to_serve_s"] == pytest.approx((10 + 15 + 20 + 45 + 200 + 400) / 6)
    assert row["asa_s"] == pytest.approx((10 + 15 + 20 + 45) / 4)
    assert row["time_to_serve_ci_low_s"] < row["time_to_serve_s"] < row["time_to_serve_ci_high_s"]


def test_served_in_time_keeps_every_caller_in_the_denominator():
    row = metrics.service_level(frame(fourteen_calls()), threshold_s=20).loc[GROUP]
    assert row["served_in_time_rate"] == pytest.approx(3 / 14)  # 10, 15, 20 s of 14 calls
    wide = metrics.service_level(frame(fourteen_calls()), threshold_s=300).loc[GROUP]
    assert wide["served_in_time_rate"] == pytest.approx(5 / 14)  # and the 200 s callback


def test_a_callback_connected_with_no_time_makes_the_time_to_serve_unknown():
    """Left out, it had made the mean the answered callers' alone (the ASA), without a word
    (analytics audit, item 1: 205.2 s read 47.4 s)."""
    log = frame([call("a", A, 30), call("b", CB, 20, callback_requested=True)])
    row = metrics.wait_times(log).loc[GROUP]
    assert math.isnan(row["time_to_serve_s"])
    assert math.isnan(row["time_to_serve_ci_low_s"]) and math.isnan(row["time_to_serve_ci_high_s"])
    assert row["callbacks_untimed"] == 1
    assert row["asa_s"] == pytest.approx(30.0)  # the ASA is what it was


def test_diverting_long_waiters_to_callbacks_flatters_asa_not_time_to_serve():
    """The same callers: in line, the long waiters are answered at 300 s; under callbacks
    they are called back 600 s after entering. ASA favours the callback policy; the time to
    serve and the share served in time do not."""
    in_line, called_back = [], []
    for i in range(40):
        quick = i % 2 == 0
        in_line.append(call(f"l{i}", A, 10 if quick else 300, policy="checkin", at_s=i * 60))
        called_back.append(
            call(f"c{i}", A, 10, policy="callback", at_s=i * 60) if quick else
            call(f"c{i}", CB, 90, policy="callback", at_s=i * 60, callback_wait_s=600,
                 callback_requested=True))
    report = build_report(frame(in_line + called_back), service_threshold_s=20)
    policies = {p["group"]: p for p in report["policies"]}
    checkin, callback = policies["support · checkin"], policies["support · callback"]
    assert callback["asa_s"] < checkin["asa_s"]  # 10 s against 155 s: flattered
    assert callback["service_level"] > checkin["service_level"]  # 100% against 50%
    assert callback["time_to_serve_s"] > checkin["time_to_serve_s"]  # 305 s against 155 s
    assert callback["served_in_time_rate"] == checkin["served_in_time_rate"] == 0.5
    low, high = callback["time_to_serve_ci"]
    assert low < callback["time_to_serve_s"] < high
    assert "time_to_serve_s" in report["definitions"]["asa_s"]["definition"]
    assert "served_in_time_rate" in report["definitions"]["service_level"]["definition"]



def test_served_in_time_is_unknown_only_where_an_untimed_callback_left_the_line_in_time():
    """A callback connects after its caller left the line: one that left after T was not
    served within T, whatever its time; one that left within T may have been."""
    late = frame([call("a", A, 10), call("b", CB, 90, callback_requested=True)])
    row = metrics.service_level(late, threshold_s=20).loc[GROUP]
    assert row["served_in_time_rate"] == pytest.approx(1 / 2)
    assert row["callbacks_untimed_within"] == 0
    early = frame([call("a", A, 10), call("b", CB, 15, callback_requested=True)])
    row = metrics.service_level(early, threshold_s=20).loc[GROUP]
    assert math.isnan(row["served_in_time_rate"])
    assert math.isnan(row["served_in_time_rate_ci_low"])
    assert row["callbacks_untimed_within"] == 1


def _untimed_log():
    """Two policies on the same hours; callback's connected callbacks lack their time."""
    calls = []
    for i in range(40):
        calls.append(call(f"s{i}", A, 10 if i % 2 else 300, policy="silence", at_s=i * 60))
        calls.append(call(f"c{i}", A, 10, policy="callback", at_s=i * 60) if i % 2 else
                     call(f"c{i}", CB, 90, policy="callback", at_s=i * 60,
                          callback_requested=True))
    return frame(calls)


def test_the_report_says_which_group_has_untimed_callbacks_and_shows_its_figure_as_na():
    report = build_report(_untimed_log(), service_threshold_s=20)
    policies = {p["group"]: p for p in report["policies"]}
    callback, silence = policies["support · callback"], policies["support · silence"]
    assert callback["callbacks_untimed"] == 20 and silence["callbacks_untimed"] == 0
    assert callback["time_to_serve_s"] is None and callback["time_to_serve_ci"] == [None, None]
    assert callback["asa_s"] == pytest.approx(10.0)  # what the figure had read
    assert silence["time_to_serve_s"] == pytest.approx(155.0)
    assert callback["served_in_time_rate"] == pytest.approx(0.5)  # each left after 20 s
    [warning] = report["warnings"]
    assert warning.startswith("support · callback: 20 connected callbacks have no "
                              "callback_wait_s")
    assert "time to serve, callbacks included, is n/a" in warning
    assert "callbacks_untimed" in report["definitions"]
    text = render_text(report)
    assert f"warning: {warning}" in text
    [row] = [line for line in text.splitlines() if line.startswith("time to serve")]
    assert "n/a (20 callbacks without a time)" in row and "155.0 s" in row


def test_a_log_read_in_batches_gives_the_same_warning_and_figures():
    records = _untimed_log()
    summary = RecordsSummary(service_threshold_s=20)
    for start in range(0, len(records), 7):
        summary.add(records.iloc[start:start + 7])
    batched = summary.report()
    whole = build_report(records, service_threshold_s=20)
    assert batched["warnings"] == whole["warnings"] != []
    assert [p["time_to_serve_s"] for p in batched["policies"]] == \
        [p["time_to_serve_s"] for p in whole["policies"]]


def test_a_log_whose_callbacks_carry_their_time_has_no_warning():
    report = build_report(frame(fourteen_calls()))
    assert report["warnings"] == []
    assert "warning:" not in render_text(report)


def test_the_command_carries_the_warning_in_json_text_and_html(tmp_path):
    path = write_records(_untimed_log(), tmp_path / "untimed.csv")
    runner = CliRunner()
    result = runner.invoke(report_command, ["--records", str(path), "--json"])
    assert result.exit_code == 0, result.output
    [warning] = json.loads(result.stdout)["warnings"]
    text = runner.invoke(report_command, ["--records", str(path)])
    assert f"warning: {warning}" in text.stdout
    page = tmp_path / "report.html"
    assert runner.invoke(report_command, ["--records", str(path), "--html",
                                          str(page)]).exit_code == 0
    assert '<p class="warning"><strong>warning: support · callback: 20 connected' in \
        page.read_text(encoding="utf-8")
