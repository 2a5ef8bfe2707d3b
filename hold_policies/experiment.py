"""Deterministic assignment of calls to experiment arms (intention-to-treat needs it stable)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping


def uniform_draw(call_id: str, salt: str = "") -> float:
    """A number in [0, 1) fixed by the call id: retries and restarts give the same arm."""
    digest = hashlib.sha256(f"{salt}:{call_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_arm(call_id: str, arms: Mapping[str, float], salt: str = "") -> str:
    """The arm for `call_id`, with probabilities proportional to the weights in `arms`."""
    if not arms:
        raise ValueError("no arms to assign")
    total = sum(arms.values())
    if not math.isfinite(total):  # finite weights too big to add up: the same shares, scaled
        top = max(arms.values())
        arms = {name: weight / top for name, weight in arms.items()}
        total = sum(arms.values())
    point = uniform_draw(call_id, salt) * total
    for name, weight in sorted(arms.items()):
        point -= weight
        if point < 0:
            return name
    return max(sorted(arms))
