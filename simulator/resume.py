"""Back in your place after a dropped line, in the fast engine (issue 16 item 6).

A check-in may end in a dropped line (`Reactions.line_drop_p`, `line_drop_after_s` later),
which the call log can only see as a hang-up. Under the queue's resume rule (the pure one the
app uses, hold_policies.resume) a caller whose hang-up came soon enough after a check-in, and
who rings back (`ring_back_p`, after an exponential `ring_back_s`) within `within_s`, rejoins
at their original place in line as the same call: their record keeps one outcome and a wait
counted from their first entry, as the app's log joins both legs. Callers who decided to hang
up never ring back here; without the rule a drop is an abandon like any other.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from hold_policies.resume import ResumeRule
from simulator.behaviour import Reactions
from simulator.table import ABANDONED
from simulator.waiter import WAITING, Waiter

DROP, RING_BACK = 20, 21  # event actions (callbacks use 10 and 11)


def ring_back_after(rule: ResumeRule, reactions: Reactions, since_checkin_s: float | None,
                    draw: Callable[[], float]) -> float | None:
    """Seconds until a dropped caller rings back to take their place (`ring_back_p`, after an
    exponential `ring_back_s`), or None. Only ring-backs the rule takes back are modelled: one
    too late, or after a hang-up too long after the check-in, would be a new call. Shared by
    the fast engine and the Twilio emulator, so both draw the same callers."""
    if not rule.enabled or draw() >= reactions.ring_back_p:
        return None
    if rule.after_checkin_s and (since_checkin_s is None
                                 or since_checkin_s > rule.after_checkin_s):
        return None  # the log would see a decision, not a drop
    delay = -reactions.ring_back_s * math.log(1.0 - draw())
    return None if delay > rule.within_s else delay


class Resumes:
    """The dropped-line half of `PolledEngine` (a mixin: it uses the engine's state)."""

    def setup_resume(self) -> None:
        self.rule = rule = self.scenario.resume
        self.resumed: dict[int, int] = {}  # caller -> times back in line
        self.dropped_at: dict[int, float] = {}  # caller -> when the line dropped (a departure)
        reactions = self.scenario.reactions
        self.drop_p = reactions.line_drop_p if self.listening is not None else 0.0
        self.rings_back = rule is not None and rule.enabled

    def maybe_drop(self, waiter: Waiter, t: float) -> bool:
        """After a check-in starts at `t`: does this caller's line drop? (then it is scheduled)"""
        if not self.drop_p or self.draw() >= self.drop_p:
            return False
        self.schedule(waiter, t + self.scenario.reactions.line_drop_after_s, DROP)
        return True

    def dropped(self, waiter: Waiter, t: float) -> None:
        """The line dropped: a hang-up in the log; under the rule, perhaps a ring-back."""
        last = waiter.last_announced
        self.leave_queue(waiter, t, ABANDONED)
        if not self.rings_back:
            return
        delay = ring_back_after(self.rule, self.scenario.reactions,
                                None if last is None else t - last, self.draw)
        if delay is None:
            return
        back = Waiter(waiter.i, self.listening, self.patience[waiter.i],
                      self.arrivals[waiter.i], self.draw)
        # the log remembers the call: what was said and when (no check-in at once on return)
        back.told_position, back.last_announced = waiter.told_position, last
        back.segments = waiter.segments
        self.schedule(back, t + delay, RING_BACK)
        self.dropped_at[waiter.i] = t

    def rang_back(self, waiter: Waiter, t: float) -> None:
        """Back in their original place as the same call; the drop was no departure."""
        i = waiter.i
        self.line.rejoin(i)
        self.live.rejoin(i)
        self.waiting += 1
        self.eligible += 1
        waiter.phase = WAITING
        self.waiters[i] = waiter
        self.resumed[i] = self.resumed.get(i, 0) + 1
        gone = self.dropped_at.pop(i)
        for departures in (self.speed.departures, self.speed.abandons):
            for k in range(len(departures) - 1, -1, -1):
                if departures[k] == gone:
                    del departures[k]
                    break
        self.poll(waiter, t)
