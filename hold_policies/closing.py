"""How long the line must stay open for a callback with no window to be promised."""

from __future__ import annotations

from hold_policies.estimate import BAND_MINUTES

UNBOUNDED_CLOSING_MARGIN_S = BAND_MINUTES[-1] * 60.0
"""With no estimate, a callback is offered only while the line stays open this long: the
longest window ever promised, since nothing bounds this caller's wait."""


def open_long_enough(closes_in_s: float | None) -> bool:
    """Whether a callback with no window ("when your turn comes") may be promised with the
    line closing in `closes_in_s` (None: it does not close)."""
    return closes_in_s is None or closes_in_s >= UNBOUNDED_CLOSING_MARGIN_S
