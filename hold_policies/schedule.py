"""When the next announcement is due: the one timing rule check-ins and legacy messages share."""

from __future__ import annotations

from hold_policies.situation import Situation

DUE_SLACK_S = 5.0
"""Polls drift by a few seconds (speech length, network); this close counts as due."""


def due_in_s(situation: Situation, *, first_s: float, interval_s: float) -> float:
    """Seconds until the next announcement: first after `first_s` in queue, then every interval."""
    if situation.since_announcement_s is None:
        return first_s - situation.waited_s
    return interval_s - situation.since_announcement_s


def is_due(situation: Situation, *, first_s: float, interval_s: float) -> bool:
    return due_in_s(situation, first_s=first_s, interval_s=interval_s) <= DUE_SLACK_S


def pause_until_due_s(
    situation: Situation, *, first_s: float, interval_s: float, min_s: int = 5
) -> int:
    """Whole seconds of silence that bring the next poll to when the announcement is due."""
    remaining = due_in_s(situation, first_s=first_s, interval_s=interval_s)
    return int(min(max(round(remaining), min_s), interval_s))
