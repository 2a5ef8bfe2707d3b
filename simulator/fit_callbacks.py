"""Callback acceptance and the chance a customer answers a callback attempt.

Acceptance = callers who chose a callback / callers under a callback-offering policy who
heard at least one announcement (the log has no offer event; an announcement is when an
offer can come). Answer probability: with attempts logged (`callback_attempts`), connected /
attempts (each attempt a Bernoulli trial); without them, from the completion rate c and the
retries r, assuming failures used every retry: p = 1 - (1 - c)^(1 / (r + 1)), where c is
connected / (connected + failed): a promise still open, or cancelled, is no trial yet.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulator.fit_results import CallbackFit

RESOLVED = ("callback_connected", "callback_failed")


def fit_callbacks(records: pd.DataFrame, retries: int) -> CallbackFit:
    """Fit from records with callback_requested, outcome, announcements, policy."""
    requested = records["callback_requested"].to_numpy(bool)
    offering = (records["policy"].astype(str) == "callback").to_numpy()
    heard = offering & (records["announcements"].to_numpy() > 0)
    acceptance = float(requested[heard].sum() / heard.sum()) if heard.any() else None
    n = int(requested.sum())
    if not n:
        return CallbackFit(0, acceptance, None, None, "no callbacks in the log")
    outcomes = records["outcome"].astype(str).to_numpy()[requested]
    connected = int((outcomes == "callback_connected").sum())
    if "callback_attempts" in records and records["callback_attempts"][requested].notna().all():
        attempts = int(records["callback_attempts"].to_numpy()[requested].sum())
        if not attempts:
            return CallbackFit(n, acceptance, None, None, "no callback attempted yet")
        p = connected / attempts
        return CallbackFit(n, acceptance, p, math.sqrt(p * (1 - p) / attempts),
                           "connected / attempts")
    resolved = int(np.isin(outcomes, RESOLVED).sum())  # a promise open or cancelled: no trial
    if not resolved:
        return CallbackFit(n, acceptance, None, None, "no callback kept or given up yet")
    completion = connected / resolved
    p = 1 - (1 - completion) ** (1 / (retries + 1))
    se_c = math.sqrt(completion * (1 - completion) / resolved)
    slope = (1 - completion) ** (1 / (retries + 1) - 1) / (retries + 1) if completion < 1 else 0
    return CallbackFit(n, acceptance, float(p), float(se_c * slope),
                       f"from completion, assuming {retries} retries")
