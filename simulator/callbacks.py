"""A callback's life in the simulation: it keeps the caller's place and always ends counted.

The caller presses the callback key, hears the confirmation and leaves the queue, but stays
in line at their original place. When that place comes up (an agent is free and no older
caller or callback is waiting) the agent dials: the customer answers with
`Callbacks.answer_p` and talks; otherwise the agent moves on after `ring_s`, and the callback
waits `retry_spacing_s` (still holding its place; `soonest_retry_s` when the regular spacing
would break the promised window) before it may be tried again. After
`retries` missed retries it fails. The run ends only when every callback has connected or
failed (issue 5, item 6).

Customer-first dialling (the policy's `dialling = "customer_first"`, issue 16 item 7), as the
live callback worker does it: agents never dial; the customer is rung (no agent's time) as
soon as it is their turn — they entered before everyone still waiting, the line is open — and
while fewer than the policy's `customer_first_at_once` (2) are rung or held. Answered
(`answer_p`, after `answer_after_s` and the greeting) they are held at the head of the line:
the next free agent takes them before anyone else, so their second wait is only until that
agent (`callback_held_s`). They keep their place in line (counted in positions) until then.
Held customers do not hang up (an assumption: that wait is short). A miss costs `ring_s` and
the retry spacing, as agent-first. Live, the worker looks every `--interval` seconds, so a
turn may start up to that much later than here.
"""

from __future__ import annotations

import heapq
from collections import deque

from hold_policies.promise import retry_delay_s
from simulator.table import CALLBACK_CONNECTED, CALLBACK_FAILED
from simulator.waiter import CONFIRMING, DIALLING, HELD, READY, SPACING, WAITING, Waiter

RETRY, RING_END, PICKED_UP = 10, 11, 12  # event actions of callbacks
CUSTOMER_FIRST = "customer_first"


class CallbackLifecycle:
    """The callback half of `PolledEngine` (a mixin: it uses the engine's state)."""

    def setup_callbacks(self) -> None:
        """How this queue dials callbacks: read from the policy, like the live worker."""
        self.customer_first = getattr(self.policy, "dialling", "") == CUSTOMER_FIRST
        self.in_hand: set[int] = set()  # customer-first: those rung or held now
        self.at_once = getattr(self.policy, "customer_first_at_once", 2)
        self.held: deque[int] = deque()  # answered, at the head of the line
        self.held_since: dict[int, float] = {}

    def ready(self, waiter: Waiter) -> None:
        """The callback may be dialled now: by an agent (agent-first: one more for agents to
        take), or by the worker when its turn comes (customer-first: `ring_in_turn`)."""
        waiter.phase = READY
        waiter.seq = -1
        if not self.customer_first:
            self.eligible += 1

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
        self.ready(waiter)
        self.live.leave(waiter.i)
        self.waiting -= 1
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
        """A missed attempt finished ringing, a retry's spacing is over, or (customer-first)
        the customer picked up."""
        if waiter.action == RETRY:
            self.ready(waiter)
            return
        if waiter.action == PICKED_UP:
            return self.hold_at_head(waiter, t)
        if waiter.i in self.in_hand:  # customer-first: kept their place while it rang
            self.in_hand.discard(waiter.i)
            self.line.leave(waiter.i)
        if waiter.attempts <= self.scenario.callbacks.retries:
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
        """No agent will ever come: callbacks still in line (or held) fail rather than stay
        pending."""
        self.held.clear()  # held customers are still in line (their place is counted)
        for i in list(self.line.entries):
            self.line.leave(i)
            self.fail_callback(self.waiters[i], t)

    def ring_in_turn(self, t: float) -> None:
        """Customer-first: ring the callbacks ready in line that nobody still waiting entered
        before, while fewer than `customer_first_at_once` are being rung or held."""
        if len(self.in_hand) >= self.at_once:
            return
        waiters = self.waiters
        for index in self.line.entries:
            waiter = waiters[index]
            if waiter.phase == WAITING:
                return  # someone who came first still waits: not their turn yet
            if waiter.phase != READY:
                continue  # in a retry spacing or hearing the confirmation: skipped, as live
            if self.closed_line is not None and not self.is_open_at(t):
                waiter.phase = SPACING  # never rung outside opening hours: in place till then
                self.schedule(waiter, self.next_opening_s(t), RETRY)
                return
            self.ring_customer(waiter, t)
            if len(self.in_hand) >= self.at_once:
                return

    def ring_customer(self, waiter: Waiter, t: float) -> None:
        """The worker rings the customer (no agent is tied up): picked up, or missed. They
        stay in line meanwhile (ahead of everyone after them, as the app counts a claimed
        callback in the positions it says)."""
        i, settings = waiter.i, self.scenario.callbacks
        self.in_hand.add(i)
        waiter.phase = DIALLING
        waiter.attempts += 1
        self.ledger.callback_attempts[i] = waiter.attempts
        self.speed.attempts.append(t)
        if self.callback_draw() < settings.answer_p:
            self.speed.answered.append(t)
            greeted = t + settings.answer_after_s + self.scenario.handoff.held_greeting_s
            self.schedule(waiter, greeted, PICKED_UP)
        else:
            self.schedule(waiter, t + settings.ring_s, RING_END)

    def hold_at_head(self, waiter: Waiter, t: float) -> None:
        """Answered and greeted: at the head of the line, the next free agent's first."""
        waiter.phase = HELD
        waiter.seq = -1
        self.held.append(waiter.i)
        self.held_since[waiter.i] = t
        self.eligible += 1

    def take_held(self, t: float) -> None:
        """A free agent takes the held customer: the promise is kept now."""
        i = self.held.popleft()
        self.eligible -= 1
        self.line.leave(i)
        heapq.heapreplace(self.agents.free, t + self.service[i])  # "connecting", then talk
        self.settle_callback(i, CALLBACK_CONNECTED)
        self.ledger.callback_wait[i] = t - self.arrivals[i]
        self.ledger.callback_held[i] = t - self.held_since.pop(i)
        self.speed.departures.append(t)
        self.in_hand.discard(i)
        del self.waiters[i]
