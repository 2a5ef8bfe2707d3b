"""Opening hours in the fast engine: the same `ClosedLine` the live app answers with.

A caller who rings while the line is closed never joins the queue (their call is `closed`,
as in the app). Where the line offers a callback for the next opening and that opening's cap
has room, they book one with `reactions.closed_callback_p`; the booking keeps its place in
line from the moment it was made and may first be dialled at the opening. No callback — booked
while closed or promised in the queue — is dialled while the line is closed: one found ready
then waits for the next opening. Agents keep their own schedule. Every caller's `Situation`
says how long the line stays open (`closes_in_s`, as the live app's), so the callback policy
promises nothing it cannot keep before closing.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

from hold_policies.closed_line import ClosedLine
from hold_policies.hours import CLOSING_HORIZON
from simulator.callbacks import RETRY
from simulator.table import CLOSED
from simulator.waiter import SPACING, Waiter

HORIZON_S = CLOSING_HORIZON.total_seconds()


class ClosedHours:
    """The opening-hours half of `PolledEngine` (a mixin: it uses the engine's state)."""

    closed_line: ClosedLine | None

    def setup_hours(self) -> None:
        self.closed_line = self.scenario.closed_line
        self.booked_for: Counter[float] = Counter()  # bookings per opening (seconds)
        self.steady: tuple[float, float, bool] = (0.0, 0.0, True)  # see closes_in_s
        if self.closed_line is not None:
            self.ledger.closed_callback = {}

    def is_open_at(self, t: float) -> bool:
        line = self.closed_line
        return line is None or line.is_open(self.scenario.start + timedelta(seconds=t))

    def closes_in_s(self, t: float) -> float | None:
        """Seconds from `t` until the line closes (0 while closed; None without hours or when
        it stays open past CLOSING_HORIZON), as `OpeningHours.open_for_s` says. Asked at
        every poll, so the span [since, until) the line is known to stay open (or closed) is
        kept."""
        line = self.closed_line
        if line is None:
            return None
        since, until, open_now = self.steady
        if not since <= t < until:
            moment = self.scenario.start + timedelta(seconds=t)
            open_now = line.is_open(moment)
            change = (line.hours.next_closing if open_now else line.hours.next_opening)(moment)
            until = math.inf if change is None else (change - self.scenario.start
                                                     ).total_seconds()
            self.steady = (t, until, open_now)
        if not open_now:
            return 0.0
        return None if until - t > HORIZON_S else until - t

    def next_opening_s(self, t: float) -> float:
        """Seconds from the run's start to the first open instant at or after `t` (inf if
        the line never opens again)."""
        start = self.scenario.start
        opening = self.closed_line.hours.next_opening(start + timedelta(seconds=t))
        return math.inf if opening is None else (opening - start).total_seconds()

    def closed_arrival(self, i: int, t: float) -> bool:
        """Rang while closed: heard when the line opens; True if they booked a callback."""
        ledger, line = self.ledger, self.closed_line
        ledger.outcome[i] = CLOSED
        ledger.orig_position[i] = 0
        opening = self.next_opening_s(t)
        if (math.isinf(opening) or not line.may_offer(self.booked_for[opening])
                or self.draw() >= self.scenario.reactions.closed_callback_p):
            return False
        self.booked_for[opening] += 1
        ledger.callback_requested_at[i] = 0.0
        ledger.closed_callback[i] = CLOSED  # booked; settled when dialled
        waiter = self.waiters[i] = Waiter(i, None, math.inf, t, self.draw)
        waiter.phase = SPACING
        self.line.join(i)  # arrival order: ahead of everyone who rings later
        self.schedule(waiter, opening, RETRY)
        return True

    def park_until_open(self, waiter: Waiter, t: float) -> None:
        """A callback ready while the line is closed waits, in its place, for the opening."""
        waiter.phase = SPACING
        self.eligible -= 1
        self.schedule(waiter, self.next_opening_s(t), RETRY)
