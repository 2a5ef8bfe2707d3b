"""Whether two groups' calls are the same callers run again: a simulation that replays one
set of callers under each policy (`holdwell compare --engine twilio` runs each policy on its
own virtual day of a shared log, so no run sees another's callers in the log's recent past).

Such groups ran on different days, yet they differ in nothing but policy: the report
compares them (a before/after switch on a real line it does not). They are recognised by
their entry times: sorted, each of b's is a's plus one fixed offset (whole days, and a few
seconds of a policy's own greeting before the caller joins the queue), to the millisecond,
for at least SAME_SHARE of the calls. Two real days never line up so; even logged to the
second, a caller a minute apart matching by chance has odds near 1 in 60.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

KEPT_ENTRIES = 100_000
"""Entry times kept per group (8 bytes each), the first read: a bigger group is judged on
those, as read (a log is read in entry order, a compare output one policy after another)."""
SAME_SHARE = 0.9
LEAST_CALLS = 10
"""Fewer calls than this are never judged the same callers: too few to tell."""
TOLERANCE_NS = 1_000_000  # 1 ms


class EntryTimes:
    """Each group's entry times (ns since the epoch), up to KEPT_ENTRIES, added batch by batch."""

    def __init__(self) -> None:
        self.kept: dict[str, list[np.ndarray]] = {}
        self.count: dict[str, int] = {}

    def add(self, labels: Iterable[str], codes: np.ndarray, entered: pd.Series) -> None:
        moments = _nanoseconds(entered)
        for code, label in enumerate(labels):
            have = self.count.get(label, 0)
            if have >= KEPT_ENTRIES:
                continue
            rows = moments[codes == code][: KEPT_ENTRIES - have]
            self.kept.setdefault(label, []).append(rows)
            self.count[label] = have + rows.size

    def same_callers(self, a: str, b: str) -> bool:
        """Whether groups `a` and `b` are one set of callers run twice (see the module)."""
        if a not in self.kept or b not in self.kept:
            return False
        first, second = (np.sort(np.concatenate(self.kept[g])) for g in (a, b))
        if first.size != second.size or first.size < LEAST_CALLS:
            return False
        offsets = second - first
        offset = np.median(offsets)
        return bool(np.mean(np.abs(offsets - offset) <= TOLERANCE_NS) >= SAME_SHARE)


def entry_times_of(grouped: pd.DataFrame, group_column: str) -> EntryTimes:
    """EntryTimes of records already labelled with their group."""
    times = EntryTimes()
    labels = list(dict.fromkeys(grouped[group_column].astype(str)))
    codes = pd.Categorical(grouped[group_column].astype(str), categories=labels).codes
    times.add(labels, np.asarray(codes), grouped["entered_at"])
    return times


def _nanoseconds(entered: pd.Series) -> np.ndarray:
    values = pd.to_datetime(entered, utc=True)
    return values.to_numpy(dtype="datetime64[ns]").astype(np.int64)
