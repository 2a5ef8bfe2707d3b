"""Outcome counts per stretch of the day (hour, half-hour) by when each call entered.

Backtest (per hour) and staffing (per half-hour) both judge a day stretch by stretch; the
rates they report come from these counts, pooled over days before dividing.
"""

from __future__ import annotations

import numpy as np

from hold_policies.records import UNSERVED_FORMULA
from simulator.scenario import DAY_S
from simulator.table import (
    ABANDONED,
    ANSWERED,
    CALLBACK_CONNECTED,
    NOT_QUEUED_CODES,
    UNSERVED_CODES,
    CallTable,
    callback_takers,
)

COUNTS = ("entered", "abandoned", "takers", "unserved", "answered", "answered_wait_s",
          "served_within")
SERVED_IN_TIME_PER_SLOT = ("(answered within T + callbacks connected within T of entering) / "
                           "entered")
"""The report's served_in_time_rate, per stretch of the day: staffing's service level. Its
first one, answered within T / (entered - callback takers), let a policy that sends long
waiters to callbacks drop them from the denominator and meet a target with fewer agents
(analyst audit 36, D3)."""
UNSERVED_PER_SLOT = UNSERVED_FORMULA.replace("/ calls", "/ entered")
"""The report's unserved rate, per stretch of the day: staffing and backtest judged a queue
with overflow by (abandoned + callback failed) alone, counting overflowed callers served."""


def slot_counts(entered_s: np.ndarray, outcome: np.ndarray, requested: np.ndarray,
                wait_s: np.ndarray, callback_wait_s: np.ndarray, *, slot_s: float,
                within_s: float = 20.0) -> dict[str, np.ndarray]:
    """Counts per slot of `slot_s` seconds of the day (seconds from midnight in), of the
    calls that joined the queue (NOT_QUEUED ones are no queue's calls, as in the report);
    `callback_wait_s` is entering -> connected of a connected callback (NaN: none)."""
    queued = ~np.isin(outcome, NOT_QUEUED_CODES)
    entered_s, outcome = np.asarray(entered_s)[queued], np.asarray(outcome)[queued]
    requested, wait_s = np.asarray(requested)[queued], np.asarray(wait_s)[queued]
    callback_wait_s = np.asarray(callback_wait_s, float)[queued]
    slots = int(round(DAY_S / slot_s))
    slot = (entered_s // slot_s).astype(int) % slots
    answered = outcome == ANSWERED
    with np.errstate(invalid="ignore"):  # NaN: no callback connected, never within
        called_back_within = (outcome == CALLBACK_CONNECTED) & (callback_wait_s <= within_s)

    def per_slot(weights: np.ndarray) -> np.ndarray:
        return np.bincount(slot, weights=weights.astype(float), minlength=slots)

    return {"entered": per_slot(np.ones(slot.size)), "abandoned": per_slot(outcome == ABANDONED),
            "takers": per_slot(callback_takers(requested, outcome)),
            "unserved": per_slot(np.isin(outcome, UNSERVED_CODES)),
            "answered": per_slot(answered),
            "answered_wait_s": per_slot(np.where(answered, wait_s, 0.0)),
            "served_within": per_slot(answered & (wait_s <= within_s) | called_back_within)}


def first_days_counts(table: CallTable, slot_s: float, within_s: float = 20.0, days: int = 1,
                      ) -> dict[str, np.ndarray]:
    """Counts of the calls entering in the run's first `days` x 24 hours, pooled by slot."""
    keep = table.entered_s < days * DAY_S
    return slot_counts(table.entered_s[keep], table.outcome[keep],
                       table.callback_requested[keep], table.wait_s[keep],
                       table.callback_wait_s[keep], slot_s=slot_s, within_s=within_s)


def slot_rates(counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rates from (pooled) counts; NaN where a slot had no such calls.

    abandonment = abandoned / (entered - callback takers); unserved = UNSERVED_PER_SLOT;
    asa_s = mean wait of answered calls; service_level = SERVED_IN_TIME_PER_SLOT.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        stayed = counts["entered"] - counts["takers"]
        return {"abandonment": counts["abandoned"] / stayed,
                "unserved": counts["unserved"] / counts["entered"],
                "asa_s": counts["answered_wait_s"] / counts["answered"],
                "service_level": counts["served_within"] / counts["entered"]}
