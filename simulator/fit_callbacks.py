"""Callback acceptance and the chance a customer answers a callback attempt.

Acceptance = callers who chose a callback / callers under a callback-offering policy who
heard at least one announcement (the log has no offer event; an announcement is when an
offer can come). Answer probability: with attempts logged (`callback_attempts`, the live
log's CALLBACK_ATTEMPT events, the simulator's count), connected / attempts (each attempt a
Bernoulli trial); without them (or with a kept callback that counts no attempt: a log from
before they were logged), from the completion rate c and the retries r, assuming failures
used every retry: p = 1 - (1 - c)^(1 / (r + 1)), where c is connected / (connected +
failed): a promise still open, or cancelled, is no trial yet.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulator.fit_results import CallbackFit

RESOLVED = ("callback_connected", "callback_failed")


def heard_an_offer(records: pd.DataFrame) -> np.ndarray:
    """Callers under the callback policy who heard at least one announcement: acceptance's
    denominator (`acceptance`; `simulator.fit_take_up` counts their offers)."""
    offering = (records["policy"].astype(str) == "callback").to_numpy()
    return offering & (records["announcements"].to_numpy() > 0)


def acceptance(records: pd.DataFrame) -> float | None:
    """Callers who chose a callback / callers who heard an announcement under the callback
    policy (None: nobody did). The one definition: a log's (`fit_callbacks`) and a simulated
    twin's (`simulator.fit_take_up`)."""
    heard = heard_an_offer(records)
    requested = records["callback_requested"].to_numpy(bool)
    return float(requested[heard].sum() / heard.sum()) if heard.any() else None


def fit_callbacks(records: pd.DataFrame, retries: int) -> CallbackFit:
    """Fit from records with callback_requested, outcome, announcements, policy."""
    requested = records["callback_requested"].to_numpy(bool)
    accepted = acceptance(records)
    n = int(requested.sum())
    if not n:
        return CallbackFit(0, accepted, None, None, "no callbacks in the log")
    outcomes = records["outcome"].astype(str).to_numpy()[requested]
    connected = int((outcomes == "callback_connected").sum())
    if _attempts_logged(records, requested, outcomes):
        attempts = int(records["callback_attempts"].to_numpy()[requested].sum())
        if not attempts:
            return CallbackFit(n, accepted, None, None, "no callback attempted yet")
        p = connected / attempts
        return CallbackFit(n, accepted, p, math.sqrt(p * (1 - p) / attempts),
                           "connected / attempts")
    resolved = int(np.isin(outcomes, RESOLVED).sum())  # a promise open or cancelled: no trial
    if not resolved:
        return CallbackFit(n, accepted, None, None, "no callback kept or given up yet")
    completion = connected / resolved
    p = 1 - (1 - completion) ** (1 / (retries + 1))
    se_c = math.sqrt(completion * (1 - completion) / resolved)
    slope = (1 - completion) ** (1 / (retries + 1) - 1) / (retries + 1) if completion < 1 else 0
    return CallbackFit(n, accepted, float(p), float(se_c * slope),
                       f"from completion, assuming {retries} retries")


def _attempts_logged(records: pd.DataFrame, requested: np.ndarray, outcomes: np.ndarray) -> bool:
    """Every callback taker's attempts are counted, and each kept callback counts its answer."""
    if "callback_attempts" not in records:
        return False
    attempts = pd.to_numeric(records["callback_attempts"], errors="coerce").to_numpy(float)
    attempts = attempts[requested]
    kept = outcomes == "callback_connected"
    return bool(np.isfinite(attempts).all() and (attempts[kept] >= 1).all())
