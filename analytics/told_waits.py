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
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.events import event_data
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
    if events is None or events.empty or records.empty:
        return []
    said = events[events["event"] == Event.ANNOUNCE]
    told = said["data"].map(_told_wait_s)
    said = said.assign(told_s=told)[told.notna()]
    calls = with_groups(records).set_index("call_id")
    said = said[said["call_id"].isin(calls.index)]
    if said.empty:
        return []
    call = calls.loc[said["call_id"]]
    keep = ~callback_takers(call).to_numpy()  # as kept_longer_than_told_share counts them
    ended = (call["entered_at"] + pd.to_timedelta(call["wait_s"].astype(float), unit="s"))
    deadline = said["time"] + pd.to_timedelta(said["told_s"].astype(float), unit="s")
    late, scored = score(ended.to_numpy("datetime64[ns]"), deadline.to_numpy("datetime64[ns]"),
                         (call["outcome"] == "answered").to_numpy())  # both UTC instants
    frame = pd.DataFrame({
        "group": call[GROUP].astype(str).to_numpy(),
        "band": band_of(said["position"].fillna(0).astype(int).to_numpy()),
        "late": late, "scored": scored & keep})
    frame = frame[frame["scored"]]
    rows = []
    for group, tellings in frame.groupby("group", sort=True):
        rows.append(_row(group, "all", tellings))
        for band, part in sorted(tellings.groupby("band"), key=lambda kv: (kv[0] < 0, kv[0])):
            rows.append(_row(group, band_name(int(band)), part))
    return rows


def _row(group: str, positions: str, tellings: pd.DataFrame) -> dict[str, Any]:
    n, k = len(tellings), int(tellings["late"].sum())
    return {"group": group, "positions": positions, "scored": n, "late": k,
            "late_share": k / n}


def _told_wait_s(data: object) -> float | None:
    """The wait an ANNOUNCE told (its data's announced_wait_s), or None."""
    value = event_data(data).get("announced_wait_s")
    return float(value) if isinstance(value, int | float) else None
