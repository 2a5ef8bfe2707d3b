"""ASA and the Asterisk service level count callers answered in line only, so a policy that
sends its long waiters to callbacks looks faster on them than it is (analyst audit 36, D1):
the report also gives the time to serve and the share served in time, a callback at its
real wait (entering the queue -> connected), every caller in the denominator."""

from __future__ import annotations

import pytest

from analytics import metrics
from analytics.report import build_report
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


def test_a_callback_connected_with_no_time_is_left_out_of_the_mean():
    log = frame([call("a", A, 30), call("b", CB, 20, callback_requested=True)])
    row = metrics.wait_times(log).loc[GROUP]
    assert row["time_to_serve_s"] == pytest.approx(30.0)


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

