"""Deterministic assignment of calls to experiment arms (intention-to-treat needs it stable)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping


def uniform_draw(call_id: str, salt: str = "") -> float:
    """A number in [0, 1) fixed by the call id: retries and restarts give the same arm."""
    digest = hashlib.sha256(f"{salt}:{call_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def addable(arms: Mapping[str, float]) -> dict[str, float]:
    """The weights as given, or, when they are too big to add up (1e308 twice is inf), the
    same proportions scaled by the largest: every reader of a split's shares adds them."""
    if math.isfinite(sum(arms.values())):
        return dict(arms)
    top = max(arms.values())
    return {name: weight / top for name, weight in arms.items()}


def shares(arms: Mapping[str, float]) -> dict[str, float]:
    """Each arm's share of callers (the weights over their sum; empty for no arms)."""
    scaled = addable(arms) if arms else {}
    total = sum(scaled.values())
    return {name: weight / total for name, weight in scaled.items()} if total else {}


def assign_arm(call_id: str, arms: Mapping[str, float], salt: str = "") -> str:
    """The arm for `call_id`, with probabilities proportional to the weights in `arms`."""
    if not arms:
        raise ValueError("no arms to assign")
    arms = addable(arms)
    total = sum(arms.values())
    point = uniform_draw(call_id, salt) * total
    for name, weight in sorted(arms.items()):
        point -= weight
        if point < 0:
            return name
    return max(sorted(arms))
