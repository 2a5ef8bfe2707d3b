"""Calls that never joined a queue, counted apart from the queues' figures.

A caller who rang while the line was closed, or rang back and kept a pending callback
(`hold_policies.records.NOT_QUEUED`), is no queue's call: counted in a queue's rates they
would dilute every one of them, so every reader of records leaves them out. They are not
nothing, though: a callback queue serves the closed line's callers at the opening, and a
report that drops them says nothing of that work. So the readers count them as they leave
them out, per group (queue × policy, or experiment arm, as the queue's calls), and the report
gives those counts in a section of their own (`not_queued`), never in a queue's rates.

What a record says of such a call differs by source, and each field is defined so it means
the same from both: a record file's row of a closed call says whether it booked a callback
(`callback_requested`) and whether that callback connected (a `callback_wait_s`), not
whether an unconnected one failed; the database's `callbacks` table says which (its status).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.groups import group_label
from hold_policies.records import NOT_QUEUED, Outcome

NOT_QUEUED_OUTCOMES = tuple(outcome.value for outcome in NOT_QUEUED)

COUNTS: tuple[str, ...] = (
    "closed",
    "closed_callbacks_booked",
    "closed_callbacks_connected",
    "closed_callbacks_failed",
    "closed_callbacks_not_connected",
    "kept_callback",
)
"""A group's fields in the report's `not_queued` section, in the order they are shown."""

FAILED_UNKNOWN = "closed_callbacks_failed"
"""The one field a record file cannot give (null then): see the module's note."""

Key = tuple[str, str, str]  # (queue, policy, arm)


@dataclass
class NotQueued:
    """The calls of a report's period and queues that never joined a queue, counted per
    (queue, policy, arm) as readers leave them out; `keep` narrows what is counted to the
    report's period and queues, as the queue calls are narrowed (it sees records).

    `failed_known`: every count came from a source that says whether a closed-line callback
    failed (the database); a record file does not, and its groups' failed count is null."""

    keep: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    counts: dict[Key, dict[str, int]] = field(default_factory=dict)
    failed_known: bool = True

    @property
    def not_queued(self) -> int:
        """How many calls were left out, closed-line and kept-callback calls together."""
        return sum(c["closed"] + c["kept_callback"] for c in self.counts.values())

    @property
    def closed(self) -> int:
        return sum(c["closed"] for c in self.counts.values())

    @property
    def kept_callback(self) -> int:
        return sum(c["kept_callback"] for c in self.counts.values())

    def add_records(self, records: pd.DataFrame) -> None:
        """Count validated records of never-queued calls (a record file's rows): a closed
        call booked a callback when `callback_requested` (or its callback connected), and it
        connected when it has a `callback_wait_s`; whether one failed a file does not say."""
        if self.keep is not None:
            records = self.keep(records)
        if records.empty:
            return
        self.failed_known = False
        outcome = records["outcome"].astype(str)
        closed = outcome == Outcome.CLOSED.value
        connected = closed & records["callback_wait_s"].notna()
        booked = closed & (records["callback_requested"].astype(bool) | connected)
        frame = pd.DataFrame({
            "queue": records["queue"].astype(str), "policy": records["policy"].astype(str),
            "arm": records["arm"].astype(str), "closed": closed,
            "closed_callbacks_booked": booked, "closed_callbacks_connected": connected,
            "closed_callbacks_failed": False,
            "kept_callback": outcome == Outcome.KEPT_CALLBACK.value,
        })
        sums = frame.groupby(["queue", "policy", "arm"], sort=False).sum()
        for key, row in sums.iterrows():
            self.add(key, {name: int(row[name]) for name in sums.columns})

    def add(self, key: Key, counts: Mapping[str, int]) -> None:
        """Add one group's counts (the database's reader gives them so)."""
        held = self.counts.setdefault(tuple(map(str, key)), dict.fromkeys(COUNTS, 0))
        for name, number in counts.items():
            held[name] += int(number)
        held["closed_callbacks_not_connected"] = (held["closed_callbacks_booked"]
                                                  - held["closed_callbacks_connected"])

    def entries(self) -> list[dict[str, Any]]:
        """The report's `not_queued` section: one entry per group with any such call, in
        group order, its fields COUNTS (failed null when a record file gave the counts)."""
        rows = []
        for (queue, policy, arm), counts in self.counts.items():
            entry: dict[str, Any] = {"group": group_label(queue, policy, arm), "queue": queue,
                                     "policy": policy, "arm": arm}
            entry.update(counts)
            if not self.failed_known:
                entry[FAILED_UNKNOWN] = None
            if entry["closed"] or entry["kept_callback"]:
                rows.append(entry)
        return _merged_by_group(rows)


def _merged_by_group(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per group label (an arm run under several policies is one group, as in the
    queue figures, its policies joined by '+'), sorted by label."""
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        held = merged.get(row["group"])
        if held is None:
            merged[row["group"]] = dict(row)
            continue
        held["policy"] = "+".join(sorted(set(held["policy"].split("+")) | {row["policy"]}))
        for name in COUNTS:
            held[name] = None if held[name] is None or row[name] is None \
                else held[name] + row[name]
    return [merged[label] for label in sorted(merged)]


REPORTED = "in no queue's figures, counted apart (not_queued)"
EXPORTED = "in no record file (`holdwell report` counts them apart, in not_queued)"


def not_queued_sentence(closed: int, kept_callback: int, then: str = REPORTED) -> str:
    """What a report (or, `then` EXPORTED, an export) left out as never queued, as stderr and
    the text report say it alike whatever the source ('' for none): 'left out 931 calls that
    never joined a queue (931 rang while the line was closed, 0 kept a pending callback): in
    no queue's figures, counted apart (not_queued)'."""
    n = closed + kept_callback
    if not n:
        return ""
    return (f"left out {n:,} call{'s' if n != 1 else ''} that never joined a queue ({closed:,} "
            f"rang while the line was closed, {kept_callback:,} kept a pending callback): "
            f"{then}")
