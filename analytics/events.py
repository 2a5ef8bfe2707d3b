"""Read and check call-log events (DESIGN.md: time, call_id, queue, event, policy, arm, position,
wait_s, data), which carry what records lose: when announcements were made, who took the call.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from analytics.records import read_table, row_numbers
from analytics.validation import (
    MOST_COUNT,
    MOST_SECONDS,
    RecordsError,
    RowNumbers,
    missing_columns,
    number_column,
    numbered,
    quoted_rows,
    text_column,
    time_column,
)
from hold_policies.call_outcome import FACT_ONLY
from hold_policies.records import Event

EVENT_COLUMNS: tuple[str, ...] = (
    "time", "call_id", "queue", "event", "policy", "arm", "position", "wait_s", "data",
)  # fmt: skip
EVENT_TEXT_COLUMNS = ("time", "call_id", "queue", "event", "policy", "arm", "data")
EVENT_NUMBER_COLUMNS = ("position", "wait_s")
EVENT_NAMES: tuple[str, ...] = tuple(e.value for e in Event)
RAW_FACTS: frozenset[str] = FACT_ONLY
"""Facts the app's log (`call_events`) keeps beside the events (a hang-up as one source saw
it, a leave, a callback's end...): its records are decided from them, and no analysis reads
them; the database's reader leaves them out (`app.storage.read`), and so does a file's."""


def validate_events(frame: pd.DataFrame, source: str = "events",
                    rows: RowNumbers | None = None,
                    raw_facts: Counter[str] | None = None) -> pd.DataFrame:
    """Return events with normalised dtypes, or raise RecordsError naming every bad column.

    time is UTC; position Int64 and wait_s float may be empty; data stays as given (a JSON
    object as text, a dict, or empty); event must be one of the call-log event names.
    The app's raw facts (`RAW_FACTS`: HANGUP, LEAVE, ... which its log keeps beside the
    events) are skipped, as the database's reader leaves them out; `raw_facts` counts them
    by name, for the command to say.
    `rows`: how messages number the rows they quote, as for records (a CSV file's lines).
    """
    frame, rows = without_raw_facts(frame, rows or RowNumbers(), raw_facts)
    with numbered(rows):
        return _validated_events(frame, source)


def without_raw_facts(frame: pd.DataFrame, rows: RowNumbers,
                      raw_facts: Counter[str] | None = None) -> tuple[pd.DataFrame, RowNumbers]:
    """The frame without the app's raw facts (counted by name in `raw_facts`), and how its
    rows are numbered still as they are in the file."""
    if "event" not in frame.columns:
        return frame, rows
    names = frame["event"].astype(str).str.strip()
    raw = names.isin(RAW_FACTS).to_numpy()
    if not raw.any():
        return frame, rows
    if raw_facts is not None:
        raw_facts.update(names[raw].value_counts().to_dict())
    return frame[~raw].reset_index(drop=True), rows.keeping(np.flatnonzero(~raw))


def _validated_events(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [c for c in EVENT_COLUMNS if c not in frame.columns]
    if missing:
        raise RecordsError(source, [missing_columns(missing, frame.columns)])
    problems: list[str] = []
    out = frame.reset_index(drop=True).copy()
    out["time"] = time_column(out["time"], "time", problems)
    out["call_id"] = text_column(out["call_id"], "call_id", problems, allow_empty=False)
    for name in ("queue", "policy"):
        out[name] = text_column(out[name], name, problems, allow_empty=False)
    out["arm"] = text_column(out["arm"], "arm", problems, allow_empty=True)
    out["position"] = number_column(out["position"], "position", problems, required=False,
                                    integer=True, most=MOST_COUNT)
    out["wait_s"] = number_column(out["wait_s"], "wait_s", problems, required=False, integer=False,
                                  most=MOST_SECONDS)
    event = out["event"].astype(str).str.strip()
    unknown = ~event.isin(EVENT_NAMES)
    if unknown.any():
        problems.append(f"column 'event': {quoted_rows(unknown, out['event'])} are not "
                        f"call-log event names ({', '.join(EVENT_NAMES)})")
    if not problems:
        _check_repeats(out.assign(event=event), problems)
    if problems:
        raise RecordsError(source, problems)
    out["event"] = event.astype("category")
    return out


def _check_repeats(events: pd.DataFrame, problems: list[str]) -> None:
    """The call log keeps each event once (its dedupe key: a retried webhook inserts nothing
    twice), so a row equal to an earlier one in every column is the same event read twice
    (a file appended to itself, two dumps joined): counted, it would score a told wait twice
    and write two exit lines for one call. Refused as a repeated call id in records is. Data
    is compared as the JSON object it holds (key order and spacing aside)."""
    near = events.duplicated(["call_id", "time", "event"], keep=False).to_numpy()
    if not near.any():  # the usual case: no two events of a call share a moment and a name
        return
    alike = events[near].assign(data=events["data"][near].map(
        lambda value: json.dumps(event_data(value), sort_keys=True, default=str)))
    repeated = np.zeros(len(events), dtype=bool)
    repeated[np.flatnonzero(near)] = alike[list(EVENT_COLUMNS)].duplicated().to_numpy()
    if repeated.any():
        problems.append(f"column 'event': {quoted_rows(repeated, events['event'])} repeat "
                        "an earlier row "
                        "in every column (the call log keeps each event once: the same "
                        "events read twice?)")


def load_events(paths: str | PathLike[str] | Sequence[str | PathLike[str]],
                raw_facts: Counter[str] | None = None, records: pd.DataFrame | None = None,
                notes: list[str] | None = None) -> pd.DataFrame:
    """Read and validate CSV/Parquet event files (chronological order within each call kept;
    the raw facts a dump of the app's log holds skipped, and counted in `raw_facts`). With
    `records` (validated), `notes` gets a sentence for each file's announcements that are
    off their call's record (`off_record_sentences`), naming their lines."""
    if isinstance(paths, str | PathLike):
        paths = [paths]
    frames = []
    for path in paths:
        frame, rows = without_raw_facts(
            read_table(path, EVENT_TEXT_COLUMNS, EVENT_NUMBER_COLUMNS), row_numbers(path),
            raw_facts)
        with numbered(rows):  # raw facts skipped once, here: validate_events would again
            events = _validated_events(frame, str(path))
            if records is not None and notes is not None:
                notes.extend(off_record_sentences(events, records, str(path)))
        frames.append(events)
    if not frames:
        raise RecordsError("events", ["no event files given"])
    return pd.concat(frames, ignore_index=True)


IN_LINE_SLACK_S = 1.0
"""How far outside its call's recorded time in line an announcement may be logged and still
be of it: Twilio's QueueTime is whole seconds, so the entry and the end a record is decided
from may each be placed up to a second off (an emulated day has check-ins logged 0.7 s past
the decided end of the wait)."""


def off_record(events: pd.DataFrame,
               records: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Masks over `events` of the announcements (ANNOUNCE) of a record's call that are not of
    that record: (labelled otherwise: queue, policy or arm not the record's; timed outside
    its time in line: before entered_at or after entered_at + wait_s, by more than
    IN_LINE_SLACK_S). A told wait is scored against its call's record and in its group, so
    such a telling would be scored against a wait it was not told in (one timed before the
    caller entered is always late). Events of no record's call are in neither."""
    place = pd.Index(records["call_id"].astype(str)).get_indexer(
        events["call_id"].astype(str))
    said = (events["event"] == Event.ANNOUNCE).to_numpy() & (place >= 0)
    labelled = np.zeros(len(events), dtype=bool)
    timed = np.zeros(len(events), dtype=bool)
    if not said.any():
        return labelled, timed
    at = place[said]
    of_said = events[said]
    for name in ("queue", "policy", "arm"):
        labelled[said] |= (of_said[name].astype(str).to_numpy()
                           != records[name].astype(str).to_numpy()[at])
    entered = records["entered_at"].to_numpy("datetime64[ns]")[at]
    ended = entered + (records["wait_s"].astype(float).to_numpy()[at] * 1e9).astype(
        "timedelta64[ns]")
    time = of_said["time"].to_numpy("datetime64[ns]")
    slack = np.timedelta64(int(IN_LINE_SLACK_S * 1e9), "ns")
    timed[said] = (time < entered - slack) | (time > ended + slack)
    return labelled, timed & ~labelled


def off_record_sentences(events: pd.DataFrame, records: pd.DataFrame,
                         source: str) -> list[str]:
    """A warning for each kind of announcement `off_record` finds, naming the rows (as the
    `numbered` context says): they are left out of the told waits' scores."""
    labelled, timed = off_record(events, records)
    said = []
    if labelled.any():
        said.append(f"warning: {source}: left out {int(labelled.sum()):,} announcement(s) "
                    "whose queue, policy or arm is not their call's record's (column "
                    f"'call_id': {quoted_rows(labelled, events['call_id'])}): no told wait of "
                    "them is scored")
    if timed.any():
        said.append(f"warning: {source}: left out {int(timed.sum()):,} announcement(s) timed "
                    "outside their call's time in line, entered_at to entered_at + wait_s "
                    f"(column 'time': {quoted_rows(timed, events['time'].map(_iso))}): no told "
                    "wait of them is scored")
    return said


def _iso(time: pd.Timestamp) -> str:
    return time.isoformat().replace("+00:00", "Z")


def raw_facts_sentence(raw_facts: Counter[str]) -> str:
    """What a read of event files skipped as the app's raw facts, in words ('' if none)."""
    total = sum(raw_facts.values())
    if not total:
        return ""
    named = ", ".join(f"{n:,} {name}" for name, n in sorted(raw_facts.items(),
                                                            key=lambda kv: (-kv[1], kv[0])))
    return (f"--events: skipped {total:,} raw fact{'s' if total != 1 else ''} of the app's "
            f"call log ({named}): they reach analysis only through the events and records "
            "decided from them, as the database's reader leaves them out")


def event_data(value: Any) -> dict[str, Any]:
    """An event's data as a dict: JSON text is parsed, empty or unreadable data gives {}."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.strip():
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return {"text": value}
    return parsed if isinstance(parsed, dict) else {"value": parsed}
