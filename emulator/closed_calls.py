"""A Twilio run's callers who rang while the line was closed, in its table as the fast engine
keeps them, so one summary (`simulator.metrics.closed_counts`) counts them for both engines.

The app logs such a call with the outcome `closed` and never queues it; the records leave it
out (`app.storage.read.is_record`). The fast engine keeps it in its table (outcome CLOSED,
and `closed_callback`: the callback it booked for the opening and how that ended), where
`summarise` counts it on its own, and `frame()`/`records()` leave it out as the app does.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pandas as pd

from simulator.table import CALLBACK_CONNECTED, CALLBACK_FAILED, CLOSED, NO_BOOKING, CallTable

BOOKING_CODES = {"connected": CALLBACK_CONNECTED, "failed": CALLBACK_FAILED}
"""A booked callback's final status in the app's `callbacks` table, as `closed_callback`
codes it; any other status (pending, claimed, on the line, cancelled) is booked, unsettled
(CLOSED), as a fast-engine booking not yet dialled."""


def booking_codes(statuses: pd.Series) -> np.ndarray:
    """`closed_callback` of each closed call from its callback's status (None: none booked)."""
    return np.array([NO_BOOKING if status is None or status != status
                     else BOOKING_CODES.get(status, CLOSED) for status in statuses],
                    dtype=np.int8)


def closed_table(closed: pd.DataFrame, like: CallTable) -> CallTable:
    """The closed calls (`app.storage.read.read_closed_frame`) as rows of `like`'s table:
    entered when they rang, outcome CLOSED, never in line."""
    n = len(closed)
    nan, zeros = np.full(n, np.nan), np.zeros(n, np.int64)
    rang = (closed["arrived_at"] - pd.Timestamp(like.start)).dt.total_seconds()
    return CallTable(
        queue=like.queue, policy=like.policy, arm=like.arm, start=like.start,
        entered_s=rang.to_numpy(float), outcome=np.full(n, CLOSED, np.int8),
        wait_s=np.zeros(n), orig_position=zeros, announcements=zeros,
        first_announced_wait_s=nan, callback_wait_s=nan,
        callback_requested=np.zeros(n, bool), callback_promised_wait_s=nan,
        first_announced_at_s=nan, callback_requested_at_s=nan,
        talk_s=None if like.talk_s is None else nan,
        callback_attempts=None if like.callback_attempts is None else zeros,
        callback_held_s=None if like.callback_held_s is None else nan,
        callback_cancelled=None if like.callback_cancelled is None else np.zeros(n, bool),
        closed_callback=booking_codes(closed["callback_status"]))


def with_closed_calls(table: CallTable, closed: pd.DataFrame) -> CallTable:
    """`table` (the run's queue calls) with its closed calls, every call in order of entry
    (a closed call's at its ringing), as the fast engine's table holds them."""
    queued = replace(table, closed_callback=np.full(len(table), NO_BOOKING, np.int8))
    rang = closed_table(closed, queued)
    order = np.argsort(np.concatenate([queued.entered_s, rang.entered_s]), kind="stable")
    columns = {f.name: np.concatenate([getattr(queued, f.name), getattr(rang, f.name)])[order]
               for f in fields(CallTable) if isinstance(getattr(queued, f.name), np.ndarray)}
    return replace(queued, **columns)
