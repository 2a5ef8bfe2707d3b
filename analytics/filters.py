"""Which calls a report covers: a period of entry times (the queue filter lives with the CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd


def between(
    records: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> pd.DataFrame:
    """Calls that entered the queue in [start, end), UTC; either end open when None."""
    keep = np.ones(len(records), dtype=bool)
    if start is not None:
        keep &= (records["entered_at"] >= start).to_numpy()
    if end is not None:
        keep &= (records["entered_at"] < end).to_numpy()
    kept = records.loc[keep].reset_index(drop=True)
    for name in ("queue", "policy", "arm"):
        if isinstance(kept[name].dtype, pd.CategoricalDtype):
            kept[name] = kept[name].cat.remove_unused_categories()
    return kept


def wall_clock(entered_at: pd.Series, timezone: str = "UTC") -> pd.Series:
    """UTC times as `timezone`'s wall clock reads them (naive): the line's hours and days, for
    the breakdowns and for the days calls are clustered by."""
    return entered_at.dt.tz_convert(timezone).dt.tz_localize(None)


class SkippedTime(ValueError):
    """A wall-clock time a clock change skips: it names no moment."""


def utc_time(text: str | None, timezone: str = "UTC") -> pd.Timestamp | None:
    """'2025-03-03' (midnight) or any ISO-8601 time as UTC; a time without an offset is read
    on `timezone`'s wall clock, one it repeats read as the first. A time a clock change
    skips is a SkippedTime (it had been moved past the gap without a word, while the
    console refuses it); a date whose midnight is skipped starts when its day does."""
    if text is None:
        return None
    stamp = pd.Timestamp(text)
    if stamp.tzinfo is not None:
        return stamp.tz_convert("UTC")
    placed = stamp.tz_localize(timezone, ambiguous=True, nonexistent="NaT")
    if pd.isna(placed):
        if not _date_only(text):
            raise SkippedTime(f"{stamp:%Y-%m-%d %H:%M} does not exist on {timezone}'s clock: "
                              "the clocks went forward then; give a time after the change")
        placed = stamp.tz_localize(timezone, nonexistent="shift_forward")
    return placed.tz_convert("UTC")


def _date_only(text: str) -> bool:
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def events_of_calls(events: pd.DataFrame, start: pd.Timestamp | None,
                    end: pd.Timestamp | None, queues: Sequence[str] = ()) -> pd.DataFrame:
    """The events of the calls a period and some queues cover, whole: a call is in when it
    entered (its first ENTERQUEUE) in [start, end) and its queue is named (any when none
    is), as `between` keeps a call's record; a call that never entered is in no period."""
    keep = np.ones(len(events), dtype=bool)
    if start is not None or end is not None:
        entries = events[events["event"].astype(str) == "ENTERQUEUE"]
        entered = entries.groupby("call_id", observed=True)["time"].min()
        inside = np.ones(len(entered), dtype=bool)
        if start is not None:
            inside &= (entered >= start).to_numpy()
        if end is not None:
            inside &= (entered < end).to_numpy()
        keep &= events["call_id"].isin(entered.index[inside]).to_numpy()
    if queues:
        keep &= events["queue"].astype(str).isin(queues).to_numpy()
    return events.loc[keep].reset_index(drop=True)
