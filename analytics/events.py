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
    rows = rows or RowNumbers()
    if "event" in frame.columns:
        names = frame["event"].astype(str).str.strip()
        raw = names.isin(RAW_FACTS).to_numpy()
        if raw.any():
            if raw_facts is not None:
                raw_facts.update(names[raw].value_counts().to_dict())
            frame = frame[~raw].reset_index(drop=True)
            rows = rows.keeping(np.flatnonzero(~raw))
    with numbered(rows):
        return _validated_events(frame, source)


def _validated_events(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [c for c in EVENT_COLUMNS if c not in frame.columns]
    if missing:
        raise RecordsError(source, [f"missing column(s): {', '.join(missing)}"])
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
                raw_facts: Counter[str] | None = None) -> pd.DataFrame:
    """Read and validate CSV/Parquet event files (chronological order within each call kept;
    the raw facts a dump of the app's log holds skipped, and counted in `raw_facts`)."""
    if isinstance(paths, str | PathLike):
        paths = [paths]
    frames = [
        validate_events(read_table(path, EVENT_TEXT_COLUMNS, EVENT_NUMBER_COLUMNS),
                        source=str(path), rows=row_numbers(path), raw_facts=raw_facts)
        for path in paths
    ]
    if not frames:
        raise RecordsError("events", ["no event files given"])
    return pd.concat(frames, ignore_index=True)


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
