"""Every announced wait scored against the wait that followed, by the position it was told at.

`kept_longer_than_told_share` (analytics.metrics) scores each caller's *first* told wait,
all a record keeps; a caller far back in a long line hears several, and the later ones, told
nearer the front, are where an estimate that reads the line wrong shows. This scores every
ANNOUNCE that told a wait, from the call log's events (simulator.honesty does the same for
simulated days).

Definitions (the report's, applied to every telling): a wait told at time t sets the
deadline t + the wait told; the telling was *late* if the caller was still waiting at the
deadline (their wait ended after it, whatever the outcome), *in time* if they were answered
by it. Tellings whose caller left the line before the deadline (hung up, or took a callback
or a message) are not scored, nor are callback takers' tellings at all (as in the report):
whether the promise would have been kept is unknown. late share = late / (late + in time).
Tellings that are not of their call's record (another queue, policy or arm, or timed outside
its time in line: `analytics.events.off_record`) are not scored either: scored, one timed
before the caller entered was always late.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.events import event_data, off_record
from analytics.groups import GROUP, with_groups
from analytics.metrics import callback_takers
from hold_policies.records import Event

POSITION_BANDS: tuple[tuple[int, int], ...] = ((1, 3), (4, 10), (11, 30), (31, 10**9))
"""Positions told, grouped: the head of the line, near it, mid-line, far back."""


def band_name(k: int) -> str:
    """A band's words (-1: the telling gave no position)."""
    if k < 0:
        return "not said"
    low, high = POSITION_BANDS[k]
    return f"{low}+" if high >= 10**9 else f"{low}–{high}"


def score(ended: np.ndarray, deadline: np.ndarray,
          answered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(late, scored) masks over tellings, per the module's definitions."""
    late = ended > deadline
    return late, late | answered


def band_of(position: np.ndarray) -> np.ndarray:
    """Index into POSITION_BANDS of each position told (-1: none given)."""
    out = np.full(len(position), -1)
    for k, (low, high) in enumerate(POSITION_BANDS):
        out[(position >= low) & (position <= high)] = k
    return out


def told_wait_rows(records: pd.DataFrame, events: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Per group, all its tellings ("all") and then by position band: tellings scored, late
    ones and their share (groups and bands with none scored are left out; no rows without
    events)."""
    return rows_of(told_wait_tally(records, events))


TALLY_COLUMNS = ("group", "band", "scored", "late")


def told_wait_tally(records: pd.DataFrame, events: pd.DataFrame | None) -> pd.DataFrame:
    """Tellings scored and late ones per (group, band) (TALLY_COLUMNS): counts, so the tallies
    of batches of calls, each with its own calls' events, add up to the tally of them all
    (`add_tallies`), and a log never has to be held whole to score its tellings."""
    if events is None or events.empty or records.empty:
        return _empty_tally()
    said = events[events["event"] == Event.ANNOUNCE]
    told = said["data"].map(_told_wait_s)
    said = said.assign(told_s=told)[told.notna()]
    labelled, timed = off_record(said, records)
    said = said[~(labelled | timed)]  # of another queue, policy or time than their record
    calls = with_groups(records).set_index("call_id")
    said = said[said["call_id"].isin(calls.index)]
    if said.empty:
        return _empty_tally()
    call = calls.loc[said["call_id"]]
    keep = ~callback_takers(call).to_numpy()  # as kept_longer_than_told_share counts them
    ended = (call["entered_at"] + pd.to_timedelta(call["wait_s"].astype(float), unit="s"))
    deadline = said["time"] + pd.to_timedelta(said["told_s"].astype(float), unit="s")
    late, scored = score(ended.to_numpy("datetime64[ns]"), deadline.to_numpy("datetime64[ns]"),
                         (call["outcome"] == "answered").to_numpy())  # both UTC instants
    frame = pd.DataFrame({
        "group": call[GROUP].astype(str).to_numpy(),
        "band": band_of(said["position"].fillna(0).astype(int).to_numpy()),
        "scored": np.ones(len(late), dtype=np.int64), "late": late.astype(np.int64)})
    frame = frame[scored & keep]
    if frame.empty:
        return _empty_tally()
    return frame.groupby(["group", "band"], as_index=False, sort=True)[["scored", "late"]].sum()


def add_tallies(tallies: list[pd.DataFrame]) -> pd.DataFrame:
    """One tally of several (`told_wait_tally` of batches of calls)."""
    whole = pd.concat([_empty_tally(), *tallies], ignore_index=True)
    return whole.groupby(["group", "band"], as_index=False, sort=True)[["scored", "late"]].sum()


def rows_of(tally: pd.DataFrame) -> list[dict[str, Any]]:
    """The report's rows from a tally: each group's "all", then its bands (no position said
    last)."""
    rows = []
    for group, bands in tally.groupby("group", sort=True):
        rows.append(_row(group, "all", int(bands["scored"].sum()), int(bands["late"].sum())))
        for band, scored, late in sorted(zip(bands["band"], bands["scored"], bands["late"],
                                             strict=True),
                                         key=lambda row: (row[0] < 0, row[0])):  # fmt: skip
            rows.append(_row(group, band_name(int(band)), int(scored), int(late)))
    return rows


def _empty_tally() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object if name == "group" else np.int64)
                         for name in TALLY_COLUMNS})  # fmt: skip


def _row(group: str, positions: str, n: int, k: int) -> dict[str, Any]:
    return {"group": group, "positions": positions, "scored": n, "late": k,
            "late_share": k / n}


def _told_wait_s(data: object) -> float | None:
    """The wait an ANNOUNCE told (its data's announced_wait_s), or None."""
    value = event_data(data).get("announced_wait_s")
    return float(value) if isinstance(value, int | float) else None
