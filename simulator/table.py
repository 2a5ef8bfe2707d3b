"""Per-call results as columns: cheap for a million callers, records only when asked.

A run fills numpy columns; `records()` turns them into the shared `CallRecord`s (DESIGN.md
record) and `frame()` into the same columns as a DataFrame, so every analysis of real logs
runs unchanged on simulated calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from hold_policies.records import NOT_QUEUED, RECORD_COLUMNS, UNSERVED, CallRecord, Outcome

if TYPE_CHECKING:  # pandas loads only when a frame is asked for
    import pandas as pd

OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
"""Outcome codes in the `outcome` column are indexes into this tuple."""
ANSWERED, ABANDONED, CALLBACK_CONNECTED, CALLBACK_FAILED, LEFT, CLOSED, OVERFLOW, ERROR = (
    OUTCOMES.index(o) for o in (Outcome.ANSWERED, Outcome.ABANDONED, Outcome.CALLBACK_CONNECTED,
                                Outcome.CALLBACK_FAILED, Outcome.LEFT, Outcome.CLOSED,
                                Outcome.OVERFLOW, Outcome.ERROR))
OUTCOME_CODES: dict[str, int] = {outcome: code for code, outcome in enumerate(OUTCOMES)}
"""Each outcome's code, by its name (an Outcome or its text: a record file's column)."""
UNSERVED_CODES = np.array([OUTCOME_CODES[outcome] for outcome in UNSERVED])
NOT_QUEUED_CODES = np.array([OUTCOME_CODES[outcome] for outcome in NOT_QUEUED])
NO_BOOKING = -1
"""`closed_callback` of a call that booked no callback while the line was closed."""

EXTRA_COLUMNS = ("callback_requested_at_s",)
"""Beyond the shared record: seconds in queue when the callback was chosen."""
OPTIONAL_COLUMNS = ("talk_s", "callback_attempts", "callback_held_s")
"""Written when an engine knows them: agent seconds from the answer to hanging up, connect
message included (what `holdwell fit` reads to infer agents on duty), dial attempts per
callback, and (customer-first dialling) seconds a customer who answered was held at the head
of the line until an agent took them."""



def callback_takers(requested: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Callers who asked for a callback and were not answered in line: one an agent took
    before the callback was placed is answered, no callback taker (as the report counts:
    analytics.metrics.callback_takers)."""
    return np.asarray(requested, dtype=bool) & (np.asarray(outcome) != ANSWERED)

def call_id(index: int) -> str:
    """The simulator's call id: the same caller has the same id under every policy."""
    return f"sim-{index + 1:07d}"


@dataclass(frozen=True, eq=False)  # numpy columns: compare them with numpy
class CallTable:
    """One run's calls in arrival order; times in seconds from `start`."""

    queue: str
    policy: str
    start: datetime
    entered_s: np.ndarray
    outcome: np.ndarray  # int8 codes into OUTCOMES
    wait_s: np.ndarray
    orig_position: np.ndarray
    announcements: np.ndarray
    first_announced_wait_s: np.ndarray  # NaN: never told a wait
    callback_wait_s: np.ndarray  # NaN: not a connected callback
    callback_requested: np.ndarray  # bool
    callback_promised_wait_s: np.ndarray  # deadline from entering the queue; NaN: none promised
    first_announced_at_s: np.ndarray  # seconds in queue when the first wait was told
    callback_requested_at_s: np.ndarray
    talk_s: np.ndarray | None = None  # agent s from answer to hang-up; NaN: not connected
    callback_attempts: np.ndarray | None = None  # dial attempts per callback (0: none)
    callback_held_s: np.ndarray | None = None  # customer-first: answered until taken; NaN
    closed_callback: np.ndarray | None = None  # rang while closed: NO_BOOKING, CLOSED
    # (booked, pending), CALLBACK_CONNECTED or CALLBACK_FAILED; None: the line never closed
    arm: str = ""  # the policy's variant, if the run was one (the records' arm column)
    callback_cancelled: np.ndarray | None = None  # bool: callback withdrawn (the app's
    # records only; None: none was, as in every simulated run, which never cancels)

    def cancelled(self) -> np.ndarray:
        """Per call, whether its callback was withdrawn (all False when none was)."""
        if self.callback_cancelled is None:
            return np.zeros(len(self.outcome), bool)
        return np.asarray(self.callback_cancelled, dtype=bool)

    def __len__(self) -> int:
        return int(self.entered_s.size)

    def count(self, outcome: int) -> int:
        return int(np.count_nonzero(self.outcome == outcome))

    def entered_from(self, start_s: float) -> CallTable:
        """The calls that entered at or after `start_s` (a warm-up cut: the queue starts
        empty, so early callers find it emptier than a steady state would)."""
        return self._kept(self.entered_s >= start_s)

    def entered_before(self, end_s: float | None) -> CallTable:
        """The calls that entered before `end_s` (a scenario's horizon); all when None."""
        return self if end_s is None else self._kept(self.entered_s < end_s)

    def rows(self, keep: np.ndarray) -> CallTable:
        """The calls where `keep` (a boolean per call) is True, in their order."""
        return self._kept(keep)

    def _kept(self, keep: np.ndarray) -> CallTable:
        return replace(self, **{f.name: getattr(self, f.name)[keep] for f in fields(self)
                                if isinstance(getattr(self, f.name), np.ndarray)})

    def queue_calls(self) -> CallTable:
        """The calls that reached the queue: those that rang while it was closed are no
        queue's calls (the live app's records leave them out too), counted on their own."""
        if self.closed_callback is None:
            return self
        return self._kept(self.outcome != CLOSED)

    def frame(self) -> pd.DataFrame:
        """The record columns (plus the extras) as a DataFrame, times as UTC datetimes (calls
        that rang while the line was closed are left out, as the app's records leave them)."""
        import pandas as pd

        if self.closed_callback is not None and np.any(self.outcome == CLOSED):
            ids = np.flatnonzero(self.outcome != CLOSED)
            frame = replace(self.queue_calls(), closed_callback=None).frame()
            frame["call_id"] = [call_id(i) for i in ids.tolist()]
            return frame

        n = len(self)
        entered = pd.Timestamp(self.start) + pd.to_timedelta(self.entered_s, unit="s")
        columns = {
            "call_id": [call_id(i) for i in range(n)],
            "queue": np.full(n, self.queue, dtype=object),
            "policy": np.full(n, self.policy, dtype=object),
            "arm": np.full(n, self.arm, dtype=object),
            "entered_at": entered,
            "outcome": pd.Categorical.from_codes(self.outcome, [o.value for o in OUTCOMES]),
            "wait_s": self.wait_s,
            "orig_position": self.orig_position,
            "announcements": self.announcements,
            "first_announced_wait_s": self.first_announced_wait_s,
            "callback_wait_s": self.callback_wait_s,
            "callback_requested": self.callback_requested,
            "callback_promised_wait_s": self.callback_promised_wait_s,
            "first_announced_at_s": self.first_announced_at_s,
            "callback_cancelled": self.cancelled(),
        }
        columns.update({name: getattr(self, name) for name in EXTRA_COLUMNS})
        columns.update({name: getattr(self, name) for name in OPTIONAL_COLUMNS
                        if getattr(self, name) is not None})
        return pd.DataFrame(columns)

    def records(self) -> list[CallRecord]:
        """Every queue call as the shared CallRecord (DESIGN.md columns and units)."""
        if self.closed_callback is not None and np.any(self.outcome == CLOSED):
            return [r for r in replace(self, closed_callback=None).records()
                    if r.outcome is not Outcome.CLOSED]

        def opt(values: np.ndarray) -> list[float | None]:
            return [None if v != v else v for v in values.tolist()]

        start, n = self.start, len(self)
        columns = zip(
            (call_id(i) for i in range(n)),
            (start + timedelta(seconds=s) for s in self.entered_s.tolist()),
            (OUTCOMES[code] for code in self.outcome.tolist()),
            self.wait_s.tolist(), self.orig_position.tolist(), self.announcements.tolist(),
            opt(self.first_announced_wait_s), opt(self.callback_wait_s),
            self.callback_requested.tolist(), opt(self.callback_promised_wait_s),
            opt(self.first_announced_at_s), self.cancelled().tolist(),
            strict=True,
        )
        q, p, arm = self.queue, self.policy, self.arm
        return [CallRecord(cid, q, p, arm, at, out, w, pos, ann, first, cbw, req, prom, told_at,
                           gone)
                for cid, at, out, w, pos, ann, first, cbw, req, prom, told_at, gone in columns]

    @classmethod
    def from_records(cls, records: Sequence[CallRecord], start: datetime) -> CallTable:
        """Columns from records (e.g. another engine's), so one summary serves every engine."""
        import pandas as pd

        frame = pd.DataFrame.from_records(list(records), columns=list(RECORD_COLUMNS))

        def floats(name: str) -> np.ndarray:
            return pd.to_numeric(frame[name], errors="coerce").to_numpy(float)

        entered = pd.to_datetime(frame["entered_at"], utc=True) - pd.Timestamp(start)
        outcome = frame["outcome"].map(OUTCOME_CODES)
        nan = np.full(len(frame), np.nan)
        return cls(
            queue=str(frame["queue"].iat[0]) if len(frame) else "",
            policy=str(frame["policy"].iat[0]) if len(frame) else "",
            arm=str(frame["arm"].iat[0]) if len(frame) else "",
            start=start,
            entered_s=entered.dt.total_seconds().to_numpy(float),
            outcome=outcome.to_numpy(np.int8),
            wait_s=floats("wait_s"),
            orig_position=frame["orig_position"].fillna(0).to_numpy(np.int64),
            announcements=frame["announcements"].to_numpy(np.int64),
            first_announced_wait_s=floats("first_announced_wait_s"),
            callback_wait_s=floats("callback_wait_s"),
            callback_requested=frame["callback_requested"].to_numpy(bool),
            callback_promised_wait_s=floats("callback_promised_wait_s"),
            first_announced_at_s=floats("first_announced_at_s"), callback_requested_at_s=nan,
            callback_cancelled=frame["callback_cancelled"].fillna(False).to_numpy(bool),
        )
