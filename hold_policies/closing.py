"""How long the line must stay open for a callback with no window to be promised."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hold_policies.estimate import BAND_MINUTES

if TYPE_CHECKING:
    from hold_policies.prompts import Prompts

UNBOUNDED_CLOSING_MARGIN_S = BAND_MINUTES[-1] * 60.0
"""With no estimate, a callback is offered only while the line stays open this long: the
longest window ever promised, since nothing bounds this caller's wait."""


def open_long_enough(closes_in_s: float | None) -> bool:
    """Whether a callback with no window ("when your turn comes") may be promised with the
    line closing in `closes_in_s` (None: it does not close)."""
    return closes_in_s is None or closes_in_s >= UNBOUNDED_CLOSING_MARGIN_S


def no_callback_words(prompts: Prompts, closes_in_s: float | None) -> str:
    """What a caller pressing for a callback the line cannot keep hears: the line closes too
    soon, or (still in line after closing time) it has closed; "we close too soon" had been
    said an hour after closing."""
    return prompts.callback_closed if closes_in_s == 0 else prompts.callback_closing_soon
