"""Read and check call-log events (DESIGN.md: time, call_id, queue, event, policy, arm, position,
wait_s, data), which carry what records lose: when announcements were made, who took the call.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from os import PathLike
from typing import Any

import pandas as pd

from analytics.records import read_table, row_numbers
from analytics.validation import (
    MOST_COUNT,
    MOST_SECONDS,
    RecordsError,
    RowNumbers,
    number_column,
    numbered,
    text_column,
    time_column,
)
from hold_policies.records import Event

EVENT_COLUMNS: tuple[str, ...] = (
    "time", "call_id", "queue", "event", "policy", "arm", "position", "wait_s", "data",
)  # fmt: skip
EVENT_TEXT_COLUMNS = ("time", "call_id", "queue", "event", "policy", "arm", "data")
EVENT_NUMBER_COLUMNS = ("position", "wait_s")
EVENT_NAMES: tuple[str, ...] = tuple(e.value for e in Event)


def validate_events(frame: pd.DataFrame, source: str = "events",
                    rows: RowNumbers | None = None) -> pd.DataFrame:
    """Return events with normalised dtypes, or raise RecordsError naming every bad column.

    time is UTC; position Int64 and wait_s float may be empty; data stays as given (a JSON
    object as text, a dict, or empty); event must be one of the call-log event names.
    `rows`: how messages number the rows they quote, as for records (a CSV file's lines).
    """
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
        shown = ", ".join(sorted(set(event[unknown]))[:5])
        problems.append(f"column 'event': unknown event name(s): {shown}")
    if problems:
        raise RecordsError(source, problems)
    out["event"] = event.astype("category")
    return out


def load_events(paths: str | PathLike[str] | Sequence[str | PathLike[str]]) -> pd.DataFrame:
    """Read and validate CSV/Parquet event files (chronological order within each call kept)."""
    if isinstance(paths, str | PathLike):
        paths = [paths]
    frames = [
        validate_events(read_table(path, EVENT_TEXT_COLUMNS, EVENT_NUMBER_COLUMNS),
                        source=str(path), rows=row_numbers(path)) for path in paths
    ]
    if not frames:
        raise RecordsError("events", ["no event files given"])
    return pd.concat(frames, ignore_index=True)


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
