"""What the engines write down per call while running, turned into a `CallTable` at the end.

Plain lists for what every call has, dicts for what few calls have (announced waits,
callbacks): writing one field is a list store, and nothing is built per call until asked.
"""

from __future__ import annotations

import numpy as np

from simulator.scenario import Scenario
from simulator.table import ANSWERED, CALLBACK_CONNECTED, NO_BOOKING, CallTable


def _column(values: dict[int, float], n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    if values:
        out[np.fromiter(values.keys(), np.int64, len(values))] = np.fromiter(
            values.values(), float, len(values))
    return out


class Ledger:
    """Per-call results by caller index (arrival order)."""

    __slots__ = ("announcements", "callback_attempts", "callback_held", "callback_promised",
                 "callback_requested_at", "callback_wait", "closed_callback",
                 "first_announced_at", "first_wait", "orig_position", "outcome", "told", "wait")

    def __init__(self, n: int) -> None:
        self.outcome = bytearray(n)  # 0 = answered; see table.OUTCOMES
        self.wait = [0.0] * n
        self.orig_position = [1] * n
        self.announcements = [0] * n
        self.first_wait: dict[int, float] = {}
        self.first_announced_at: dict[int, float] = {}
        self.callback_wait: dict[int, float] = {}
        self.callback_promised: dict[int, float] = {}
        self.callback_requested_at: dict[int, float] = {}
        self.callback_attempts: dict[int, float] = {}
        self.callback_held: dict[int, float] = {}  # customer-first: answered until an agent
        self.closed_callback: dict[int, int] | None = None  # a dict once the line has hours
        self.told: list[tuple[int, float, float, int]] | None = None
        """Every wait told, when a list (simulator.honesty): caller, seconds in queue when
        told, the wait told, the position then. None: not kept (a run's usual case)."""

    def announced(self, i: int, wait_s: float | None, waited_s: float, position: int) -> None:
        """Count an announcement; keep the first wait told and when it was told."""
        self.announcements[i] += 1
        if wait_s is None:
            return
        if i not in self.first_wait:
            self.first_wait[i] = wait_s
            self.first_announced_at[i] = waited_s
        if self.told is not None:
            self.told.append((i, waited_s, wait_s, position))

    def table(self, scenario: Scenario, policy: str, arrivals_s: np.ndarray,
              talk_s: np.ndarray | None = None) -> CallTable:
        n = len(self.outcome)
        outcome = np.frombuffer(bytes(self.outcome), np.int8).copy()
        requested = np.zeros(n, bool)
        if self.callback_requested_at:
            requested[np.fromiter(self.callback_requested_at.keys(), np.int64)] = True
        return CallTable(
            queue=scenario.queue, policy=policy, start=scenario.start,
            entered_s=np.asarray(arrivals_s, float),
            outcome=outcome,
            wait_s=np.asarray(self.wait, float),
            orig_position=np.asarray(self.orig_position, np.int64),
            announcements=np.asarray(self.announcements, np.int64),
            first_announced_wait_s=_column(self.first_wait, n),
            callback_wait_s=_column(self.callback_wait, n),
            callback_requested=requested,
            callback_promised_wait_s=_column(self.callback_promised, n),
            first_announced_at_s=_column(self.first_announced_at, n),
            callback_requested_at_s=_column(self.callback_requested_at, n),
            talk_s=None if talk_s is None else connected_talk(outcome, talk_s + np.where(
                outcome == ANSWERED, scenario.handoff.connects_after(np.asarray(self.wait, float)),
                scenario.handoff.connect_s)),
            callback_attempts=np.nan_to_num(_column(self.callback_attempts, n)).astype(np.int64),
            callback_held_s=_column(self.callback_held, n) if self.callback_held else None,
            closed_callback=None if self.closed_callback is None else np.nan_to_num(
                _column(self.closed_callback, n), nan=NO_BOOKING).astype(np.int8),
        )


def connected_talk(outcome: np.ndarray, talk_s: np.ndarray) -> np.ndarray:
    """Agent seconds from the answer to hanging up where the call reached an agent (answered
    or callback connected), else NaN."""
    return np.where((outcome == ANSWERED) | (outcome == CALLBACK_CONNECTED), talk_s, np.nan)
