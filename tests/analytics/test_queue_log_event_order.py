"""queue_log from events: a call's events logged at one moment are written entry first, then
what happened in line, then the exit, whatever order the rows come in; and a call whose
events show two ways out of the line gets the one exit line of its outcome, as
`hold_policies.call_outcome.outcome_of` decides it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.events import validate_events
from analytics.queue_log import (
    parse_queue_log_line,
    queue_log_from_call_batches,
    queue_log_from_events,
)
from tests.analytics.builders import T0


def _event(at_s, call_id, event, position=None, wait_s=None, data=None):
    return {"time": T0 + pd.Timedelta(seconds=at_s), "call_id": call_id, "queue": "support",
            "event": event, "policy": "checkin", "arm": "", "position": position,
            "wait_s": wait_s, "data": json.dumps(data or {})}  # fmt: skip


LOG = [  # as the app logs them: CA1 answered at once by ann, who takes CA2 as CA1 hangs up
    _event(0, "CA1", "ENTERQUEUE", position=1, wait_s=0.0),
    _event(0, "CA1", "CONNECT", wait_s=0.0, data={"agent": "ann"}),
    _event(30, "CA2", "ENTERQUEUE", position=1, wait_s=0.0),
    _event(90, "CA2", "ANNOUNCE", position=1, wait_s=60.0, data={"announced_wait_s": 60}),
    _event(90, "CA2", "KEYPRESS", wait_s=60.0, data={"key": "1"}),
    _event(120, "CA1", "COMPLETE", wait_s=0.0, data={"agent": "ann"}),
    _event(120, "CA2", "CONNECT", wait_s=90.0, data={"agent": "ann"}),
    _event(300, "CA2", "COMPLETE", wait_s=90.0, data={"agent": "ann"}),
]


def names(lines: list[str]) -> list[tuple[str, str]]:
    return [(x.call_id, x.event) for x in map(parse_queue_log_line, lines)]


WRITTEN = [("CA1", "ENTERQUEUE"), ("CA1", "CONNECT"), ("CA2", "ENTERQUEUE"),
           ("CA2", "ANNOUNCE"), ("CA2", "KEYPRESS"), ("CA1", "COMPLETECALLER"),
           ("CA2", "CONNECT"), ("CA2", "COMPLETECALLER")]


def test_the_log_in_its_order_is_written_as_logged():
    assert names(queue_log_from_events(validate_events(pd.DataFrame(LOG)))) == WRITTEN


@pytest.mark.parametrize("order", [[1, 0, 2, 4, 3, 5, 6, 7], [7, 6, 5, 4, 3, 2, 1, 0],
                                   [4, 6, 1, 7, 0, 3, 5, 2]])
def test_a_calls_own_events_of_one_moment_are_written_by_phase_in_any_row_order(order):
    shuffled = validate_events(pd.DataFrame([LOG[i] for i in order]))
    written = names(queue_log_from_events(shuffled))
    for call_id in ("CA1", "CA2"):  # each call's lines as logged, whatever the rows' order
        assert [x for x in written if x[0] == call_id] == [x for x in WRITTEN
                                                           if x[0] == call_id]
    batch = shuffled.assign(seq=np.arange(len(shuffled)))  # the database's read, in batches
    whole_calls = [batch[batch["call_id"] == c].reset_index(drop=True) for c in ("CA2", "CA1")]
    assert names(list(queue_log_from_call_batches(whole_calls, run_lines=3))) == written


def test_another_calls_tie_keeps_the_logs_order():
    """ann's COMPLETE of CA1 and CONNECT of CA2 share a microsecond: the log's order (the end
    of one talk, then the next) is kept, not the phases' (an exit before an end)."""
    written = names(queue_log_from_events(validate_events(pd.DataFrame(LOG))))
    assert written.index(("CA1", "COMPLETECALLER")) < written.index(("CA2", "CONNECT"))


def _exits(rows: list[dict]) -> list[str]:
    lines = queue_log_from_events(validate_events(pd.DataFrame(rows)))
    return [x.event for x in map(parse_queue_log_line, lines)
            if x.event in {"CONNECT", "ABANDON", "EXITWITHKEY", "COMPLETECALLER"}]


def test_a_call_logged_both_answered_and_abandoned_has_its_answer_only():
    rows = [_event(0, "CA1", "ENTERQUEUE", position=2, wait_s=0.0),
            _event(40, "CA1", "ABANDON", position=1, wait_s=40.0),
            _event(50, "CA1", "CONNECT", wait_s=50.0, data={"agent": "ann"}),
            _event(200, "CA1", "COMPLETE", wait_s=50.0)]
    assert _exits(rows) == ["CONNECT", "COMPLETECALLER"]
    assert _exits([rows[0], rows[1], rows[3]]) == ["COMPLETECALLER"]  # bridged, said at the end


def test_a_call_logged_both_leaving_for_a_callback_and_abandoned_has_its_exit_with_key():
    rows = [_event(0, "CA1", "ENTERQUEUE", position=2, wait_s=0.0),
            _event(70, "CA1", "CALLBACK_REQUESTED", wait_s=70.0, data={"promised_wait_s": 600}),
            _event(70, "CA1", "EXITWITHKEY", wait_s=70.0, data={"key": "2"}),
            _event(71, "CA1", "ABANDON", position=1, wait_s=71.0)]
    assert _exits(rows) == ["EXITWITHKEY"]
    assert _exits([rows[0], rows[3]]) == ["ABANDON"]  # one way out: as logged
