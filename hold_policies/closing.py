"""How long the line must stay open for a callback with no window to be promised."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hold_policies.estimate import BAND_MINUTES

if TYPE_CHECKING:
    from hold_policies.prompts import Prompts

UNBOUNDED_CLOSING_MARGIN_S = BAND_MINUTES[-1] * 60.0
"""With no estimate, a callback is offered only while the line stays open this long: the
longest window ever promised, since nothing bounds this caller's wait."""


ANSWER_MARGIN_S = 60.0
"""How long after an offer its caller may still be taking it: the offer's own words and
the keys' wait, then their number read back and confirmed. An offer is made only where its
promise still holds that much later: one heard at 16:59:50 ("we will call you back when
your turn comes", which needs the line open an hour) and taken at once had been answered
"Sorry, we close too soon to promise you a call back" 15 seconds later (caller audit)."""


def when_answered(closes_in_s: float | None) -> float | None:
    """`closes_in_s` as it will be once a caller offered a callback now has taken it (0:
    closed by then; None: the line does not close)."""
    return None if closes_in_s is None else max(closes_in_s - ANSWER_MARGIN_S, 0.0)


def open_long_enough(closes_in_s: float | None) -> bool:
    """Whether a callback with no window ("when your turn comes") may be promised with the
    line closing in `closes_in_s` (None: it does not close)."""
    return closes_in_s is None or closes_in_s >= UNBOUNDED_CLOSING_MARGIN_S


def no_callback_words(prompts: Prompts, closes_in_s: float | None) -> str:
    """What a caller pressing for a callback the line cannot keep hears: the line closes too
    soon, or (still in line after closing time) it has closed; "we close too soon" had been
    said an hour after closing."""
    return prompts.callback_closed if closes_in_s == 0 else prompts.callback_closing_soon
