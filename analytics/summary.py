"""The report from call records read batch by batch: a file of any size, never held whole.

Every report number is a function of per-group sums of per-call columns (`metrics.metric_sums`),
of each group's waits as survival data (`kaplan_meier.wait_counts`) and of per-hour and per-day
sums (`breakdowns.breakdown_sums`); none needs a whole row. Sums are added in row order, batch
after batch, so they are the very numbers, to the last bit, that `report.build_report` gives on
the same records read whole (tests/analytics/test_summary.py). What can grow with the calls is
the waits of the patience curves, which an exact Kaplan–Meier curve needs one per distinct
wait: 9 bytes a call while read, 16 a distinct wait once counted. Waits that repeat (a real
log's whole seconds) are counted as they come and stop growing; the reader's call-id check
holds 8 bytes a call (`records.iter_record_batches`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from os import PathLike

import numpy as np
import pandas as pd

from analytics.breakdowns import BUCKETS, breakdown_sums, breakdown_table, bucket_label, entries
from analytics.clustered_rates import MINUTE, entry_minutes, rate_errors
from analytics.definitions import SURVIVAL_TIMES_S
from analytics.groups import GROUP, group_label, group_table
from analytics.kaplan_meier import WaitCounts, merge_counts, patience_points, wait_counts
from analytics.metrics import SERVICE_THRESHOLD_S, SHORT_ABANDON_S, metric_sums, metrics_from_sums
from analytics.rate_counts import COUNT_COLUMNS
from analytics.records import LeftOut, iter_record_batches
from analytics.report import (
    Report,
    ReportParts,
    assemble_report,
    patience_table,
    period_entry,
)
from analytics.same_callers import EntryTimes
from analytics.survival import abandoned_flag, logrank_counts

_KEYS = ("queue", "arm", "policy")


class RunningSums:
    """Named sums per key (a group, or a group and an hour), added batch by batch.

    Each batch's rows are added after the totals so far, in row order, exactly as one
    `np.bincount` over all rows would add them, so batching changes no bit of a sum.
    """

    def __init__(self) -> None:
        self.slots: dict[Hashable, int] = {}
        self.totals: dict[str, np.ndarray] = {}
        self.whole: dict[str, bool] = {}

    def add(self, codes: np.ndarray, keys: Sequence[Hashable], columns: dict[str, object]) -> None:
        """Add columns whose row i belongs to keys[codes[i]]."""
        slots = np.array([self.slots.setdefault(k, len(self.slots)) for k in keys], np.int64)
        size = len(keys)
        bins = None
        for name, column in columns.items():
            values = np.asarray(column)
            totals = self.totals.setdefault(name, np.zeros(0))
            if totals.size < len(self.slots):
                totals = self.totals[name] = np.pad(totals, (0, len(self.slots) - totals.size))
            self.whole[name] = values.dtype.kind in "biu"
            if self.whole[name]:  # counts are exact in any order: no need to keep it
                totals[slots] += _whole_sums(codes, values, size)
                continue
            weights = values.astype(np.float64) if values.dtype != np.float64 else values
            if not np.isfinite(weights).all():  # what np.bincount is given in metrics
                weights = np.nan_to_num(weights)
            if bins is None:
                bins = np.concatenate([np.arange(size), codes])  # the totals, then the rows
            totals[slots] = np.bincount(bins, np.concatenate([totals[slots], weights]), size)

    def frame(self, keys: Sequence[Hashable], labels: Sequence[str]) -> pd.DataFrame:
        """The sums of `keys` (in that order) as a frame indexed by `labels`, as
        `metrics.sum_by_group` gives them (whole-number columns as int64)."""
        rows = np.array([self.slots[k] for k in keys], dtype=np.int64)
        columns = {}
        for name, totals in self.totals.items():
            picked = totals[rows] if rows.size else np.zeros(0)
            columns[name] = picked.round().astype(np.int64) if self.whole[name] else picked
        return pd.DataFrame(columns, index=pd.Index(list(labels), dtype=object, name=GROUP))


class RecordsSummary:
    """What a report needs from validated records, added batch by batch with `add`."""

    def __init__(
        self,
        short_abandon_s: float = SHORT_ABANDON_S,
        service_threshold_s: float = SERVICE_THRESHOLD_S,
        tie_rows: int = 1_000_000,
        timezone: str = "UTC",
    ) -> None:
        """tie_rows: a group's waits held before trying to count them (see `_tie`);
        timezone: the clock of the breakdowns' hours and days, and of the days calls are
        clustered by."""
        self.short_abandon_s = short_abandon_s
        self.service_threshold_s = service_threshold_s
        self.timezone = timezone
        self.combos: dict[str, set[tuple[str, str, str]]] = {}  # group -> (queue, arm, policy)
        self.sums = RunningSums()
        self.bucket_sums = {bucket: RunningSums() for bucket in BUCKETS}
        self.minute_sums = RunningSums()  # rate counts per (group, entry minute): clustered CIs
        self.waits: dict[str, list[np.ndarray]] = {}
        self.abandons: dict[str, list[np.ndarray]] = {}
        self.tied: dict[str, list[WaitCounts]] = {}  # waits already counted (few distinct)
        self.tie_rows = tie_rows
        self.tie_at: dict[str, float] = {}  # a group whose waits hardly repeat: never again
        self.entries = EntryTimes()  # one set of callers run under each policy? (9 B a call)
        self.calls = 0
        self.first: pd.Timestamp | None = None
        self.last: pd.Timestamp | None = None

    def add(self, records: pd.DataFrame) -> None:
        """Add a batch of validated records (`analytics.records`)."""
        if records.empty:
            return
        labels, codes = self._groups(records)
        per_call = metric_sums(records, self.short_abandon_s, self.service_threshold_s)
        self.sums.add(codes, labels, per_call)
        bucket_sums = breakdown_sums(records)  # the same columns for every kind of bucket
        for bucket, (code_of, _) in BUCKETS.items():
            self._add_buckets(self.bucket_sums[bucket],
                              code_of(records["entered_at"], self.timezone), labels, codes,
                              bucket_sums)
        self._add_buckets(self.minute_sums, entry_minutes(records["entered_at"], self.timezone),
                          labels, codes, {name: per_call[name] for name in COUNT_COLUMNS})
        self.entries.add(labels, codes, records["entered_at"], per_call["unserved"])
        wait = records["wait_s"].to_numpy(dtype=float)
        event = abandoned_flag(records)
        for code, label in enumerate(labels):
            rows = codes == code
            self.waits.setdefault(label, []).append(wait[rows])
            self.abandons.setdefault(label, []).append(event[rows])
            if sum(w.size for w in self.waits[label]) >= self.tie_at.get(label, self.tie_rows):
                self._tie(label)
        entered = records["entered_at"]
        first, last = entered.min(), entered.max()
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)
        self.calls += len(records)

    def report(self, detect_drop: float = 0.03, confidence: float = 0.95,
               not_queued: Sequence[dict] = ()) -> Report:
        """The report these records give (`report.build_report` on them, read whole);
        `not_queued` as `build_report` takes it."""
        labels = sorted(self.combos)
        counts, medians, patience = {}, {}, []
        for label in labels:  # one group's waits, and one curve, at a time
            tied = self._wait_counts(label)
            curve = patience_points(tied, SURVIVAL_TIMES_S, label, confidence)  # thinned
            patience.append(patience_table({label: curve}, confidence))
            medians[label] = _median_death_time(tied)
            counts[label] = _narrow(tied)  # kept for the log-rank tests between groups
        parts = ReportParts(
            table=self._table(labels, medians),
            patience=pd.concat(patience) if patience else patience_table({}),
            logrank_p=lambda a, b: logrank_counts(counts[a], counts[b])[1],
            period=period_entry(self.calls, self.first, self.last),
            breakdowns={bucket: entries(self._breakdown(bucket, labels)) for bucket in BUCKETS},
            same_callers=self.entries.same_callers,
            timezone=self.timezone,
            pairing=self.entries.pairing,
            not_queued=tuple(not_queued),
        )
        return assemble_report(parts, self.short_abandon_s, self.service_threshold_s,
                               detect_drop, confidence)  # fmt: skip

    def metrics_table(self) -> pd.DataFrame:
        """`metrics.all_metrics` of these records (its every column; no patience curves nor
        breakdowns): the per-group counts, rates and clustered intervals alone. It lets go of
        the groups' waits, so ask it once, and instead of `report`."""
        labels = sorted(self.combos)
        medians = {label: _median_death_time(self._wait_counts(label)) for label in labels}
        return self._table(labels, medians)

    def _table(self, labels: list[str], medians: dict[str, float]) -> pd.DataFrame:
        combos = pd.DataFrame(
            [(label, *combo) for label in labels for combo in sorted(self.combos[label])],
            columns=[GROUP, *_KEYS],
        )
        combos[GROUP] = pd.Categorical(combos[GROUP], categories=labels)
        return metrics_from_sums(group_table(combos), self.sums.frame(labels, labels),
                                 pd.Series(medians, dtype=float), self._errors())

    def _errors(self) -> pd.DataFrame:
        """`clustered_rates.rate_errors` from the per-minute sums (as `all_metrics` gives it)."""
        keys = sorted(self.minute_sums.slots)
        frame = self.minute_sums.frame(keys, [str(k) for k in keys]).reset_index(drop=True)
        frame.insert(0, GROUP, [k[0] for k in keys])
        frame.insert(1, MINUTE, np.array([k[1] for k in keys], dtype=np.int64))
        return rate_errors(frame)

    def _groups(self, records: pd.DataFrame) -> tuple[list[str], np.ndarray]:
        """This batch's group labels, and each row's index into them (as `groups.with_groups`
        labels calls)."""
        cats = [records[k].cat for k in _KEYS]
        sizes = [len(c.categories) for c in cats]
        combined = np.zeros(len(records), dtype=np.int64)
        for cat, size in zip(cats, sizes, strict=True):
            combined = combined * size + cat.codes.to_numpy().astype(np.int64)
        present = np.flatnonzero(np.bincount(combined, minlength=int(np.prod(sizes))))
        labels: list[str] = []
        slot_of = np.zeros(int(np.prod(sizes)), dtype=np.int64)
        for key in present:
            q, rest = divmod(int(key), sizes[1] * sizes[2])
            a, p = divmod(rest, sizes[2])
            combo = tuple(str(c.categories[i]) for c, i in zip(cats, (q, a, p), strict=True))
            label = group_label(combo[0], combo[2], combo[1])
            self.combos.setdefault(label, set()).add(combo)
            if label not in labels:
                labels.append(label)
            slot_of[key] = labels.index(label)
        return labels, slot_of[combined]

    def _add_buckets(
        self, sums: RunningSums, bucket_codes: Iterable[int], labels: list[str],
        codes: np.ndarray, columns: dict[str, object],
    ) -> None:
        bucket_code = np.asarray(bucket_codes, dtype=np.int64)
        low = int(bucket_code.min())
        span = int(bucket_code.max()) - low + 1
        key = codes * span + (bucket_code - low)
        present = np.flatnonzero(np.bincount(key, minlength=len(labels) * span))
        local = np.zeros(len(labels) * span, dtype=np.int64)
        local[present] = np.arange(present.size)
        keys = [(labels[k // span], low + int(k % span)) for k in present]
        sums.add(local[key], keys, columns)

    def _breakdown(self, bucket: str, labels: list[str]) -> pd.DataFrame:
        sums = self.bucket_sums[bucket]
        order = {label: i for i, label in enumerate(labels)}
        keys = sorted(sums.slots, key=lambda k: (order[k[0]], k[1]))
        name = BUCKETS[bucket][1]
        rows = [bucket_label(label, name(code)) for label, code in keys]
        return breakdown_table(sums.frame(keys, rows), bucket)

    def _tie(self, label: str) -> None:
        """Count a group's held waits when they repeat (a log of whole seconds has a few
        thousand distinct waits whatever its size): then memory no longer grows with the calls.
        Waits that hardly repeat are cheaper held as they are (9 bytes a call)."""
        tied = wait_counts(np.concatenate(self.waits[label]), np.concatenate(self.abandons[label]))
        if 2 * tied.times.size > tied.calls:
            self.tie_at[label] = float("inf")
            return
        self.tied.setdefault(label, []).append(_narrow(tied))
        self.waits[label], self.abandons[label] = [], []

    def _wait_counts(self, label: str) -> WaitCounts:
        """The group's waits tied (their batches are let go once counted)."""
        waits, abandons = self.waits.pop(label), self.abandons.pop(label)
        held = [wait_counts(np.concatenate(waits), np.concatenate(abandons))] if waits else []
        return merge_counts(held + self.tied.pop(label, []))


def _narrow(counts: WaitCounts) -> WaitCounts:
    """The same counts in 16 bytes a distinct wait, not 24 (int32 leaving, float32 deaths, both
    exact below 2**24 and widened exactly where used)."""
    small = counts.leaving.size == 0 or counts.leaving.max() < 2**24
    if not small:
        return counts
    return WaitCounts(counts.times, counts.leaving.astype(np.int32),
                      counts.deaths.astype(np.float32))  # fmt: skip


def _whole_sums(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Per-bin sums of a flag (a count), an integer column or a constant (as 1 for calls)."""
    if values.ndim == 0:
        return np.bincount(codes, minlength=size) * values.item()
    if values.dtype == bool:
        return np.bincount(codes[values], minlength=size)
    return np.bincount(codes, weights=values.astype(np.float64), minlength=size).round()


def _median_death_time(counts: WaitCounts) -> float:
    """Median wait of the abandoners (as pandas' median: the mean of the middle two when even)."""
    deaths = counts.deaths
    total = int(deaths.sum())
    if total == 0:
        return float("nan")
    reached = np.cumsum(deaths)
    low, high = (counts.times[np.searchsorted(reached, k, side="right")]
                 for k in ((total - 1) // 2, total // 2))  # fmt: skip
    return float(low) if total % 2 else float((low + high) / 2)


def summarise_files(
    paths: Sequence[str | PathLike[str]],
    short_abandon_s: float = SHORT_ABANDON_S,
    service_threshold_s: float = SERVICE_THRESHOLD_S,
    select: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    batch_rows: int = 500_000,
    left_out: LeftOut | None = None,
    progress: Callable[[int], None] | None = None,
    timezone: str = "UTC",
) -> RecordsSummary:
    """Read record files batch by batch (validated as they come) into a summary; `select`
    keeps the calls a report covers (a period, some queues); `left_out` counts the rows of
    calls that never joined a queue; `progress` is told each batch's rows as it is added (a
    file of 3 million calls read for 18 s without a word). Raises RecordsError as
    `records.iter_record_batches` does."""
    summary = RecordsSummary(short_abandon_s, service_threshold_s, timezone=timezone)
    for batch in iter_record_batches(list(paths), batch_rows, left_out):
        summary.add(select(batch) if select is not None else batch)
        if progress is not None:
            progress(len(batch))
    return summary
