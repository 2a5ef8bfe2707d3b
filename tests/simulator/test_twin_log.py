"""Talk times from a live log: answer (entered + wait) to the first COMPLETE event (the
first talk-ending events beside each record, END_COLUMNS, as the database read joins
them), by hand."""

from __future__ import annotations

import math

import pandas as pd

from simulator.twin_log import with_talk_from_ends

T0 = pd.Timestamp("2026-12-01 09:00", tz="UTC")


def test_talk_runs_from_the_answer_to_complete_and_is_missing_otherwise() -> None:
    records = pd.DataFrame({
        "call_id": ["a", "b", "c", "d"],
        "entered_at": [T0, T0, T0 + pd.Timedelta(seconds=10), T0],
        "wait_s": [30.0, 5.0, 12.0, 40.0],
        "outcome": ["answered", "answered", "abandoned", "answered"],
    })
    records["completed_at"] = [  # naive times, as SQLite returns them: read as UTC
        pd.Timestamp("2026-12-01 09:05:30"), None, None, pd.Timestamp("2026-12-01 09:00:20")]
    records["callback_ended_at"] = None
    talk = with_talk_from_ends(records).set_index("call_id")["talk_s"]
    assert talk["a"] == 300.0  # answered at 09:00:30, hung up at 09:05:30
    assert math.isnan(talk["b"])  # no COMPLETE yet: not a talk time
    assert math.isnan(talk["c"])  # abandoned: no conversation
    assert math.isnan(talk["d"])  # first COMPLETE before the answer: dropped, never negative
    assert "completed_at" not in with_talk_from_ends(records)


def test_a_kept_callbacks_talk_runs_from_its_pick_up_to_its_end() -> None:
    """A kept callback's agent talks from the customer picking up (entered + callback_wait_s)
    to CALLBACK_ENDED: without it an agent on a callback looked free to the agents' fit."""
    records = pd.DataFrame({
        "call_id": ["cb", "cb-open", "a"],
        "entered_at": [T0, T0, T0],
        "wait_s": [60.0, 60.0, 30.0],
        "callback_wait_s": [600.0, 600.0, float("nan")],
        "outcome": ["callback_connected", "callback_connected", "answered"],
    })
    records["completed_at"] = [T0 + pd.Timedelta(seconds=61), None, T0 + pd.Timedelta(seconds=90)]
    records["callback_ended_at"] = [T0 + pd.Timedelta(seconds=840), None,
                                    T0 + pd.Timedelta(seconds=45)]
    talk = with_talk_from_ends(records).set_index("call_id")["talk_s"]
    assert talk["cb"] == 240.0  # picked up at 09:10, ended 09:14 (not its own COMPLETE)
    assert math.isnan(talk["cb-open"])  # still talking: no end logged yet
    assert talk["a"] == 60.0  # an answered call ends at its COMPLETE, whatever else
