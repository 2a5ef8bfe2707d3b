"""Each outcome counted once, the way the report's definitions say: an answered call is
answered, overflow and voicemail are never abandons, errors and overflows are callers lost."""

from __future__ import annotations

import re

import pytest

from analytics.formatting import reconciliation
from analytics.metrics import all_metrics, unserved
from analytics.queue_log import parse_queue_log_line
from analytics.queue_log_records import queue_log_from_records
from analytics.render_text import render_text
from analytics.report import build_report
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame


@pytest.fixture
def answered_after_asking():
    """a1 answered at 30 s; a2 asked for a callback, then was answered in line at 52 s;
    ab hung up at 40 s."""
    return frame([
        call("a1", Outcome.ANSWERED, 30),
        call("a2", Outcome.ANSWERED, 52, callback_requested=True, promised_s=650),
        call("ab", Outcome.ABANDONED, 40),
    ])  # fmt: skip


def test_an_answered_call_is_answered_even_after_asking_for_a_callback(answered_after_asking):
    row = all_metrics(answered_after_asking, service_threshold_s=40).iloc[0]
    assert row["answered"] == row["n_answered"] == 2
    assert row["asa_s"] == pytest.approx((30 + 52) / 2)
    assert row["service_level"] == pytest.approx(1 / 2)  # a1 within 40 s, a2 not
    assert row["callback_takers"] == 0
    assert row["abandonment_rate"] == pytest.approx(1 / 3)  # ab of all three callers
    assert (row["callbacks_requested"], row["callbacks_answered_first"]) == (1, 1)


def test_the_report_counts_answered_first_callbacks_on_their_own_row(answered_after_asking):
    text = render_text(build_report(answered_after_asking))
    row = next(line for line in text.splitlines() if "answered in line first" in line)
    assert re.split(r"\s{2,}", row.strip()) == ["of which answered in line first", "1 call"]


def test_records_queue_log_connects_a_call_answered_after_asking(answered_after_asking):
    lines = [parse_queue_log_line(t) for t in queue_log_from_records(answered_after_asking)]
    mine = [(x.event, x.data) for x in lines if x.call_id == "a2"]
    assert mine[1:] == [("CONNECT", ("52", "", "0")), ("COMPLETECALLER", ("52", "", "1"))]


def test_records_queue_log_never_abandons_overflow_or_voicemail():
    records = frame([
        call("ab", Outcome.ABANDONED, 40),
        call("o1", Outcome.OVERFLOW, 600),
        call("v1", Outcome.VOICEMAIL, 90),
    ])  # fmt: skip
    exits = {x.call_id: (x.event, x.data) for x in map(parse_queue_log_line,
             queue_log_from_records(records)) if x.event != "ENTERQUEUE"}  # fmt: skip
    assert exits == {"ab": ("ABANDON", ("", "1", "40")),
                     "o1": ("OVERFLOW", ("", "600", "{}")),
                     "v1": ("VOICEMAIL", ("", "90", "{}"))}  # fmt: skip


def test_the_table_shows_overflow_and_voicemail_and_adds_them_up():
    records = frame([
        call("a1", Outcome.ANSWERED, 30),
        call("ab", Outcome.ABANDONED, 40),
        call("o1", Outcome.OVERFLOW, 600),
        call("v1", Outcome.VOICEMAIL, 90),
    ])  # fmt: skip
    cells = [re.split(r"\s{2,}", line) for line in render_text(build_report(records)).splitlines()]
    rows = {cell[0]: cell[-1] for cell in cells if len(cell) == 2}
    assert rows["overflow (took no offer)"] == "1 call"
    assert rows["voicemail (not yet called back)"] == "1 call"
    assert rows["reconciliation"] == "✓ adds up to 4 calls"


def test_reconciliation_shows_a_gap_for_an_outcome_the_table_does_not_show():
    entry = {"calls": 4, "n_answered": 1, "n_abandoned": 1, "n_overflow": 1, "n_closed": 1}
    assert reconciliation(entry) == "✗ 3 of 4 calls"


def test_errors_and_overflows_are_unserved_callers():
    # checkin loses 2 callers to Twilio errors and 1 to overflow; silence loses 3 who hang up
    calls = [call(f"c{i}", outcome, 40, policy="checkin") for i, outcome in enumerate(
        [Outcome.ERROR] * 2 + [Outcome.OVERFLOW] + [Outcome.ANSWERED] * 7)]
    calls += [call(f"s{i}", outcome, 40, policy="silence") for i, outcome in enumerate(
        [Outcome.ABANDONED] * 3 + [Outcome.ANSWERED] * 7)]
    rates = unserved(frame(calls))["unserved_rate"]
    assert rates.to_dict() == pytest.approx({"support · checkin": 0.3, "support · silence": 0.3})


def test_the_unserved_definition_says_how_error_left_overflow_and_voicemail_count():
    text = build_report(frame([call("a1", Outcome.ANSWERED, 30)]))["definitions"]
    definition = text["unserved_rate"]["definition"]
    assert "(abandoned + callback failed + error + overflow) / calls" in definition
    assert "left (a callback still pending, or out of line without one)" in definition
    assert "voicemail" in definition



def test_records_queue_log_cannot_be_forged_by_a_field_holding_a_bar_or_a_line_break():
    """A record file's queue name (or any text field) with '|' or a line break would split
    one call's line into forged ones (an ABANDON that never happened, for Asterisk tools)."""
    forged = "support\n1772445700|FAKE|support|NONE|ABANDON||1|30"
    records = frame([call("a1", Outcome.ANSWERED, 30, queue=forged)])
    lines = list(queue_log_from_records(records))
    assert all("\n" not in line and "\r" not in line for line in lines)
    parsed = [parse_queue_log_line(line) for line in lines]
    assert [x.event for x in parsed] == ["ENTERQUEUE", "CONNECT", "COMPLETECALLER"]
    assert {x.call_id for x in parsed} == {"a1"}
    assert parsed[0].queue == "support 1772445700/FAKE/support/NONE/ABANDON//1/30"


def test_a_caller_answered_before_the_callback_is_no_broken_promise():
    """One caller promised a callback by 650 s was answered in line at 52 s; one callback
    connected by its deadline. The answered one had counted as a broken promise and an
    uncompleted callback (50% each), while the late-callbacks line said none was late or
    failed (analyst walk A2)."""
    records = frame([
        call("a2", Outcome.ANSWERED, 52, callback_requested=True, promised_s=650),
        call("c1", Outcome.CALLBACK_CONNECTED, 40, callback_requested=True, promised_s=600,
             callback_wait_s=300),
    ])  # fmt: skip
    row = all_metrics(records).iloc[0]
    assert (row["callbacks_requested"], row["callbacks_answered_first"]) == (2, 1)
    assert row["callbacks_given_band"] == 1
    assert row["callback_completion_rate"] == pytest.approx(1.0)
    assert row["callback_promise_kept_rate"] == pytest.approx(1.0)
