"""`export --format queue_log --db` reads the events a batch of whole calls at a time and puts
the lines in time order by an external merge sort. It must write exactly the lines the whole
read writes (a 300,000-call log held 1.9 GB read whole), whatever the batch and run sizes:
ties of time across calls, events logged out of time order, a caller put back in line, a
hang-up before the queue."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from analytics.events import validate_events
from analytics.external_sort import sorted_runs
from analytics.pseudonyms import CallerIdMode, CallerIds
from analytics.queue_log import queue_log_from_call_batches, queue_log_from_events
from app.storage import read
from app.storage.db import make_engine
from app.storage.schema import call_events, calls
from cli.report_commands import export_command

T0 = pd.Timestamp("2026-11-02 09:00:00", tz="UTC")
KEY = CallerIds(CallerIdMode.HASHED, b"k" * 32)


def _log(rng: np.random.Generator, n_calls: int) -> tuple[list[dict], list[dict]]:
    """(calls, events) of a busy minute: whole seconds shared by many calls, some events
    logged after later ones (inserted in a shuffled order), a put-back, a hang-up before
    entering, a callback kept."""
    rows, call_rows = [], []
    for i in range(n_calls):
        call_id = f"CA{i:04d}"
        start = T0 + pd.Timedelta(seconds=int(rng.integers(0, 20)))
        call_rows.append({"call_id": call_id, "queue": "support", "policy": "checkin",
                          "arrived_at": start.to_pydatetime(), "from_number": f"+1415555{i:04d}"})
        kind = int(rng.integers(0, 5))
        add = _adder(rows, call_id, start)
        wait = float(rng.integers(0, 5) * 30 + rng.random())

        if kind == 4:  # hung up before the queue: no entry, no wait
            add(0, "ABANDON")
            continue
        add(0, "ENTERQUEUE", int(rng.integers(1, 9)), 0.0)
        for k in range(int(wait // 60)):
            add(60 * (k + 1), "ANNOUNCE", int(rng.integers(1, 9)), 60.0 * (k + 1),
                {"announced_wait_s": 120})
        if kind == 0:
            add(wait, "CONNECT", 1, wait, {"agent": f"agent{i % 3}", "ring_s": 2})
            add(wait + 100, "COMPLETE", None, wait, {"talk_s": 100})
        elif kind == 1:
            add(wait, "ABANDON", 3, wait)
        elif kind == 2:
            add(wait, "EXITWITHKEY", 2, wait, {"key": "2"})
            add(wait + 200, "CALLBACK_CONNECT", None, wait + 200)
        else:  # put back in line after a Twilio error, then answered
            add(wait / 2, "ENTERQUEUE", 5, wait / 2)
            add(wait, "CONNECT", 1, wait / 2, {"agent_call_id": "CA9"})
    rng.shuffle(rows)
    return call_rows, rows


def _adder(rows: list[dict], call_id: str, start: pd.Timestamp):  # noqa: ANN202
    def add(at_s: float, event: str, position=None, wait_s=None, data=None) -> None:  # noqa: ANN001
        rows.append({"time": (start + pd.Timedelta(seconds=at_s)).floor("us").to_pydatetime(),
                     "call_id": call_id, "queue": "support", "event": event,
                     "policy": "checkin", "arm": "", "position": position,
                     "wait_s": wait_s, "data": json.dumps(data or {}),
                     "dedupe_key": f"{call_id}:{event}:{at_s}:{len(rows)}"})
    return add


@pytest.fixture
def busy_log(any_url: str) -> str:
    call_rows, rows = _log(np.random.default_rng(11), 120)
    engine = make_engine(any_url)
    with engine.begin() as conn:
        conn.execute(insert(calls), call_rows)
        conn.execute(insert(call_events), rows)
    engine.dispose()
    return any_url


@pytest.mark.parametrize("any_url", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize(("chunk", "run"), [(1, 1), (7, 13), (50, 200), (10_000, 10_000)])
def test_batches_of_whole_calls_give_the_whole_reads_lines(busy_log, chunk, run):
    whole = queue_log_from_events(
        validate_events(read.read_events_frame(busy_log, numbers=True)), KEY)
    batches = list(read.call_event_batches(busy_log, chunk, numbers=True))
    ids = [set(batch["call_id"]) for batch in batches]
    assert all(a.isdisjoint(b) for i, a in enumerate(ids) for b in ids[i + 1:])  # whole calls
    streamed = list(queue_log_from_call_batches(map(validate_events, batches), KEY, run))
    assert len(whole) > 300 and streamed == whole


@pytest.mark.parametrize("any_url", ["sqlite"], indirect=True)
def test_the_export_writes_them(busy_log, tmp_path):
    out = tmp_path / "queue_log"
    result = CliRunner().invoke(export_command, [
        "--db", busy_log, "--format", "queue_log", "--caller-ids", "none", "--out", str(out)])
    assert result.exit_code == 0, result.output
    whole = queue_log_from_events(validate_events(read.read_events_frame(busy_log)),
                                  CallerIds(CallerIdMode.NONE))
    assert out.read_text().splitlines() == whole


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.tuples(st.integers(0, 5), st.integers(-3, 3)), max_size=60),
       run=st.integers(1, 10))
def test_the_external_sort_is_a_stable_sort(keys, run):
    """Any keys, any run size: the order of sorted() by key, equal keys as given."""
    keyed = [(key, f"line {n}\\t|x") for n, key in enumerate(keys)]
    assert list(sorted_runs(keyed, run)) == [line for _, line in
                                             sorted(keyed, key=lambda item: item[0])]


def _records_only(url: str, events: list[dict]) -> None:
    """One finished call's record, with `events` of its own."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(calls), [{
            "call_id": "CA1", "queue": "support", "policy": "checkin",
            "arrived_at": T0.to_pydatetime(), "entered_at": T0.to_pydatetime(),
            "outcome": "abandoned", "wait_s": 30.0, "orig_position": 2}])
        if events:
            conn.execute(insert(call_events), [{
                "time": T0.to_pydatetime(), "call_id": "CA1", "queue": "support",
                "policy": "checkin", "arm": "", "data": "{}", "dedupe_key": f"CA1:{n}", **e}
                for n, e in enumerate(events)])
    engine.dispose()


@pytest.mark.parametrize("any_url", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize(("events", "lines"), [
    ([], ["ENTERQUEUE", "ABANDON"]),  # no events: the lines come from the records
    ([{"event": "HANGUP"}, {"event": "LEAVE"}], ["ENTERQUEUE", "ABANDON"]),  # raw facts only
    ([{"event": "ABANDON"}], []),  # an event that is no line: none, as read whole
])
def test_a_log_with_no_event_to_read_exports_as_before(any_url, tmp_path, events, lines):
    """An empty first chunk had been read as a call ('index -1 is out of bounds')."""
    _records_only(any_url, events)
    out = tmp_path / "queue_log"
    result = CliRunner().invoke(export_command, [
        "--db", any_url, "--format", "queue_log", "--caller-ids", "none", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [line.split("|")[4] for line in out.read_text().splitlines()] == lines
