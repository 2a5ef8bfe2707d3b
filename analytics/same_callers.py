"""Whether two groups' calls are the same callers run again: a simulation that replays one
set of callers under each policy (`holdwell compare --out`, every policy on the same dates;
`compare --engine twilio --sim-db` runs each policy on its own virtual day of a shared log, so
no run sees another's callers in the log's recent past).

Such groups differ in nothing but policy: the report compares them whatever their days (a
before/after switch on a real line it does not), and pairs them, caller by caller, as
`holdwell compare` does (`analytics.batch_means.paired_difference`). They are recognised as
`simulator.metrics.unserved_vs` recognises them, by entry times: the two groups have the same
number of calls, and sorted, every one of b's is a's plus one fixed offset (zero in one
compare output; whole days or weeks, and a few seconds of a policy's own greeting before the
caller joins the queue, in one log), to the millisecond; caller i of a is then caller i of b.
Two real days never line up so; even logged to the second, a caller a minute apart matching
by chance has odds near 1 in 60. Calls on a regular grid (a synthetic log's one a minute) line
up under any whole number of steps: moved one caller along, they match again, so who is who
cannot be told and they are never the same callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

KEPT_ENTRIES = 100_000
"""Entry times kept per group (with whether each call was unserved: 9 bytes a call), the first
read: a bigger group is judged on those, as read (a log is read in entry order, a compare
output one policy after another), and is never paired (its other callers are not kept)."""
GRID_SHARE = 0.5
"""Moved one caller along, at least this share of the calls lining up again with one offset
says a grid, not callers."""
LEAST_CALLS = 10
"""Fewer calls than this are never judged the same callers: too few to tell."""
TOLERANCE_NS = 1_000_000  # 1 ms


@dataclass(frozen=True)
class Pairing:
    """Two groups' calls aligned caller by caller (caller i of a is caller i of b): whether
    each was unserved, and the entry times of a's (epoch seconds)."""

    unserved_a: np.ndarray
    unserved_b: np.ndarray
    entered_s: np.ndarray


class EntryTimes:
    """Each group's entry times (ns since the epoch), up to KEPT_ENTRIES, added batch by batch,
    with whether each call was unserved (for the paired comparison)."""

    def __init__(self) -> None:
        self.kept: dict[str, list[np.ndarray]] = {}
        self.lost: dict[str, list[np.ndarray]] = {}
        self.count: dict[str, int] = {}
        self.seen: dict[str, int] = {}

    def add(self, labels: Iterable[str], codes: np.ndarray, entered: pd.Series,
            unserved: ArrayLike | None = None) -> None:
        moments = _nanoseconds(entered)
        lost = (np.zeros(moments.size, dtype=bool) if unserved is None
                else np.asarray(unserved, dtype=bool))
        for code, label in enumerate(labels):
            mine = codes == code
            self.seen[label] = self.seen.get(label, 0) + int(np.count_nonzero(mine))
            have = self.count.get(label, 0)
            if have >= KEPT_ENTRIES:
                continue
            rows = moments[mine][: KEPT_ENTRIES - have]
            self.kept.setdefault(label, []).append(rows)
            self.lost.setdefault(label, []).append(lost[mine][: rows.size])
            self.count[label] = have + rows.size

    def same_callers(self, a: str, b: str) -> bool:
        """Whether groups `a` and `b` are one set of callers run twice (see the module)."""
        return self._aligned(a, b) is not None

    def pairing(self, a: str, b: str) -> Pairing | None:
        """a's and b's callers aligned, when they are one set of callers run twice and every
        call of both was kept (KEPT_ENTRIES); else None."""
        aligned = self._aligned(a, b)
        if aligned is None or any(self.seen[g] != self.count[g] for g in (a, b)):
            return None
        (order_a, entered_a), (order_b, _) = aligned
        lost_a, lost_b = (np.concatenate(self.lost[g]) for g in (a, b))
        return Pairing(lost_a[order_a], lost_b[order_b], entered_a / 1e9)

    def _aligned(self, a: str, b: str) -> tuple[tuple[np.ndarray, np.ndarray], ...] | None:
        """(order, sorted entry times) of each group's kept calls when they line up caller by
        caller (see the module), else None."""
        if a not in self.kept or b not in self.kept:
            return None
        first, second = (np.concatenate(self.kept[g]) for g in (a, b))
        if first.size != second.size or first.size < LEAST_CALLS:
            return None
        order_a, order_b = (np.argsort(g, kind="stable") for g in (first, second))
        first, second = first[order_a], second[order_b]
        if not _one_offset(second - first) or _one_offset(second[1:] - first[:-1], GRID_SHARE) \
                or _one_offset(second[:-1] - first[1:], GRID_SHARE):
            return None
        return (order_a, first), (order_b, second)


def _one_offset(offsets: np.ndarray, share: float = 1.0) -> bool:
    """Whether at least `share` of the offsets are one offset, to TOLERANCE_NS."""
    if offsets.size == 0:
        return False
    offset = np.median(offsets)
    return bool(np.mean(np.abs(offsets - offset) <= TOLERANCE_NS) >= share)


def entry_times_of(grouped: pd.DataFrame, group_column: str,
                   unserved: ArrayLike | None = None) -> EntryTimes:
    """EntryTimes of records already labelled with their group (with each call's unserved
    flag, for pairing)."""
    times = EntryTimes()
    labels = list(dict.fromkeys(grouped[group_column].astype(str)))
    codes = pd.Categorical(grouped[group_column].astype(str), categories=labels).codes
    times.add(labels, np.asarray(codes), grouped["entered_at"], unserved)
    return times


def _nanoseconds(entered: pd.Series) -> np.ndarray:
    values = pd.to_datetime(entered, utc=True)
    return values.to_numpy(dtype="datetime64[ns]").astype(np.int64)
