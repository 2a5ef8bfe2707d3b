"""A callback's life in the simulation: it keeps the caller's place and always ends counted.

The caller presses the callback key, hears the confirmation and leaves the queue, but stays
in line at their original place. When that place comes up (an agent is free and no older
caller or callback is waiting) the agent dials: the customer answers with
`Callbacks.answer_p` and talks; otherwise the agent moves on after `ring_s`, and the callback
waits `retry_spacing_s` (still holding its place; `soonest_retry_s` when the regular spacing
would break the promised window) before it may be tried again. After
`retries` missed retries it fails. The run ends only when every callback has connected or
failed (issue 5, item 6).
"""

from __future__ import annotations

import heapq

from hold_policies.promise import retry_delay_s
from simulator.table import CALLBACK_CONNECTED, CALLBACK_FAILED
from simulator.waiter import CONFIRMING, DIALLING, READY, SPACING, Waiter

RETRY, RING_END = 10, 11  # event actions of callbacks


class CallbackLifecycle:
    """The callback half of `PolledEngine` (a mixin: it uses the engine's state)."""

    def request_callback(self, waiter: Waiter, t: float, promised_s: float | None) -> None:
        """The caller chose a callback at `t`; they leave once the confirmation is heard."""
        waiter.phase = CONFIRMING
        self.eligible -= 1
        ledger, i = self.ledger, waiter.i
        waited = ledger.callback_requested_at[i] = t - self.arrivals[i]
        if promised_s is not None:  # recorded, as the app does, as a deadline from entering
            ledger.callback_promised[i] = waited + promised_s

    def left_for_callback(self, waiter: Waiter, t: float) -> None:
        """The confirmation ended: out of the queue, still in line at the same place."""
        waiter.phase = READY
        waiter.seq = -1
        self.waiting -= 1
        self.eligible += 1
        self.ledger.wait[waiter.i] = t - self.arrivals[waiter.i]

    def attempt_callback(self, waiter: Waiter, t: float) -> None:
        """An agent dials the customer back: connected, or the agent moves on after ringing."""
        i, settings, handoff = waiter.i, self.scenario.callbacks, self.scenario.handoff
        self.line.leave(i)
        self.eligible -= 1
        waiter.phase = DIALLING
        waiter.attempts += 1
        self.ledger.callback_attempts[i] = waiter.attempts
        self.speed.attempts.append(t)  # the answer rate later promises are sized with
        dial = t + handoff.callback_intro_s  # the agent hears who it is, then dials
        if self.callback_draw() < settings.answer_p:
            self.speed.answered.append(t)
            connected = dial + settings.answer_after_s
            talk_ends = connected + handoff.callback_greeting_s + self.talk[i]
            heapq.heapreplace(self.agents.free, talk_ends)
            self.settle_callback(i, CALLBACK_CONNECTED)
            self.ledger.callback_wait[i] = connected - self.arrivals[i]
            self.speed.departures.append(t)
            del self.waiters[i]
            return
        heapq.heapreplace(self.agents.free, dial + settings.ring_s + handoff.missed_s)
        self.schedule(waiter, dial + settings.ring_s, RING_END)

    def callback_event(self, waiter: Waiter, t: float) -> None:
        """A missed attempt finished ringing, or a retry's spacing is over."""
        if waiter.action == RETRY:
            waiter.phase = READY
            waiter.seq = -1
            self.eligible += 1
        elif waiter.attempts <= self.scenario.callbacks.retries:
            waiter.phase = SPACING
            self.line.rejoin(waiter.i)
            self.schedule(waiter, t + self.retry_delay(waiter.i, t), RETRY)
        else:
            self.fail_callback(waiter, t)

    def retry_delay(self, i: int, t: float) -> float:
        """The regular spacing, or the soonest one when the promise needs it (as the app)."""
        settings = self.scenario.callbacks
        promised = self.ledger.callback_promised.get(i)
        left = None if promised is None else self.arrivals[i] + promised - t
        return retry_delay_s(left, settings.retry_spacing_s, settings.soonest_retry_s,
                             settings.retry_margin_s)

    def fail_callback(self, waiter: Waiter, t: float) -> None:
        """No more attempts: counted as failed (not a departure the queue speed sees)."""
        self.settle_callback(waiter.i, CALLBACK_FAILED)
        del self.waiters[waiter.i]

    def settle_callback(self, i: int, outcome: int) -> None:
        """A callback's end: the caller's outcome, or, for one booked while the line was
        closed, the booking's result (the call itself stays `closed`, as in the app)."""
        booked = self.ledger.closed_callback
        if booked is not None and i in booked:
            booked[i] = outcome
        else:
            self.ledger.outcome[i] = outcome

    def fail_stranded_callbacks(self, t: float) -> None:
        """No agent will ever come: callbacks still in line fail rather than stay pending."""
        for i in list(self.line.entries):
            self.line.leave(i)
            self.fail_callback(self.waiters[i], t)
