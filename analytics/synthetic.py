"""Synthetic call records with known truths, for tests, benchmarks and demos of the report.

Each caller has an exponential patience and an exponential offered wait (the time an agent would
take to answer); whichever comes first ends the wait. So the true abandonment rate among callers
who keep waiting is mean_offered_wait / (mean_offered_wait + mean_patience) and the true median
patience is ln 2 · mean_patience, while the observed abandon times are short and heavily censored:
exactly the trap a naive average falls into.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.validation import OUTCOMES
from hold_policies.records import RECORD_COLUMNS

START = pd.Timestamp("2025-03-03 08:00", tz="UTC")


@dataclass(frozen=True)
class SyntheticArm:
    """One policy (or experiment arm) of a synthetic scenario."""

    policy: str
    mean_patience_s: float
    mean_offered_wait_s: float
    callback_share: float = 0.0  # share of callers who take a callback
    callback_connect_share: float = 0.9  # share of callbacks that reach an agent
    checkin_every_s: float | None = None  # an announcement every this many seconds
    arm: str = ""
    queue: str = "support"

    @property
    def abandonment_rate(self) -> float:
        """True abandonment among callers who did not take a callback."""
        return self.mean_offered_wait_s / (self.mean_offered_wait_s + self.mean_patience_s)

    @property
    def median_patience_s(self) -> float:
        """True median of the exponential patience."""
        return float(np.log(2.0) * self.mean_patience_s)


def arm_for_rate(policy: str, rate: float, mean_offered_wait_s: float = 60.0, **kw) -> SyntheticArm:
    """An arm whose true abandonment rate (without callbacks) is `rate`."""
    mean_patience_s = mean_offered_wait_s * (1.0 - rate) / rate
    return SyntheticArm(policy, mean_patience_s, mean_offered_wait_s, **kw)


def synthetic_records(
    arms: Sequence[SyntheticArm], calls_per_arm: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Records (normalised dtypes, like `validate_records` output) for each arm in turn."""
    frames = [_arm_records(arm, calls_per_arm, rng, tag=i) for i, arm in enumerate(arms)]
    frame = pd.concat(frames, ignore_index=True)
    for name in ("queue", "policy", "arm"):
        frame[name] = frame[name].astype("category")
    frame["outcome"] = pd.Categorical(frame["outcome"], categories=OUTCOMES)
    return frame[list(RECORD_COLUMNS)]


def _arm_records(arm: SyntheticArm, n: int, rng: np.random.Generator, tag: int) -> pd.DataFrame:
    patience = rng.exponential(arm.mean_patience_s, n)
    offered = rng.exponential(arm.mean_offered_wait_s, n)
    callback = rng.random(n) < arm.callback_share
    connected = callback & (rng.random(n) < arm.callback_connect_share)
    abandoned = ~callback & (patience < offered)
    wait = np.where(callback, rng.uniform(10.0, 60.0, n), np.minimum(patience, offered))
    outcome = np.select(
        [callback & connected, callback, abandoned],
        ["callback_connected", "callback_failed", "abandoned"],
        "answered",
    )
    announcements = np.zeros(n, dtype=np.int64)
    if arm.checkin_every_s:
        announcements = np.floor(wait / arm.checkin_every_s).astype(np.int64)
    announced = np.where(announcements > 0, np.ceil(offered / 60.0) * 60.0, np.nan)
    seconds = np.cumsum(rng.exponential(10.0, n))
    return pd.DataFrame(
        {
            "call_id": np.char.add(f"syn{tag}-", np.arange(n).astype(str)),
            "queue": arm.queue,
            "policy": arm.policy,
            "arm": arm.arm,
            "entered_at": START + pd.to_timedelta(seconds, unit="s"),
            "outcome": outcome,
            "wait_s": wait,
            "orig_position": pd.array(1 + rng.poisson(offered / 20.0), dtype="Int64"),
            "announcements": announcements,
            "first_announced_wait_s": announced,
            "callback_wait_s": np.where(connected, np.maximum(offered, wait) + 30.0, np.nan),
            "callback_requested": callback,
            "callback_promised_wait_s": np.where(callback, np.ceil(offered / 60.0) * 60.0, np.nan),
            # the first estimate is told at the first check-in (the whole offered wait then)
            "first_announced_at_s": np.where(announcements > 0, 0.0, np.nan),
            "callback_cancelled": np.zeros(n, bool),  # synthetic callbacks are never withdrawn
        }
    )
