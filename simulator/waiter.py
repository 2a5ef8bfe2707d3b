"""Someone in line in the polled engine, and the phases and actions the engine and the
callback lifecycle both read: one module below both, so neither imports the other."""

from __future__ import annotations

from collections.abc import Callable

from simulator.behaviour import Listener, Reactions

WAITING, CONFIRMING, READY, SPACING, DIALLING, HELD = range(6)
"""Phases of someone in line: in the queue; hearing the callback confirmation; a callback
that may be dialled; a callback waiting out the retry spacing; a callback being dialled; a
customer-first callback answered and held at the head of the line for the next agent."""
POLL, HANG_UP, PRESS, LEAVE, END = range(5)  # event actions of waiting callers


class Waiter(Listener):
    """Someone in line: their ears and patience (a `Listener`, set up only when reactions are
    on) plus their place in the engine: phase, segments heard and their one live event."""

    __slots__ = ("action", "attempts", "i", "key", "last_announced", "listens",
                 "offered_window_s", "phase", "segments", "seq", "told_position")

    def __init__(self, i: int, reactions: Reactions | None, patience_s: float, entered_s: float,
                 draw: Callable[[], float]) -> None:
        if reactions is not None:
            super().__init__(reactions, patience_s, entered_s, draw)
        self.listens = reactions is not None
        self.i, self.phase, self.segments, self.attempts = i, WAITING, 0, 0
        self.last_announced: float | None = None
        self.told_position: int | None = None  # the lowest position said to them
        self.offered_window_s: float | None = None  # the last document's callback window
        self.seq, self.action, self.key = -1, POLL, ""
