"""Overflow instead of a drop, and messages, in the fast engine (issue 16 items 4-5).

Past the queue's maximum wait the policy itself serves the overflow offer (its segments come
from hold_policies.overflow, as live); callers react to it as `Reactions.overflow_callback_p`
and `overflow_voicemail_p` say (drawn once per caller, `Listener.answer_overflow`). A caller
offered the overflow who then ends without an answer, a callback or a message is `overflow`,
never `abandoned` — as the app decides it. A message is a callback task that keeps the
caller's place: they leave the line once the message (`message_s`) is recorded, and its
callback lives and ends like any other (connected or failed). When the queue's overflow
answers Twilio's queue-full (`when_full`), a caller who arrives while `queue_size` callers wait
is never queued: they hear the offer, and take a callback or leave a message (their place
counts from that moment), or the call ends as `overflow` (wait 0). Without it, a caller who
arrives while the queue's `max_size` wait hears Twilio's queue-full and ends as `error`.
"""

from __future__ import annotations

from hold_policies.overflow import overflow_of
from simulator.behaviour import Listener
from simulator.table import ERROR, OVERFLOW
from simulator.waiter import LEAVE, Waiter


class Overflows:
    """The overflow half of `PolledEngine` (a mixin: it uses the engine's state)."""

    def setup_overflow(self) -> None:
        self.rules = rules = overflow_of(self.policy)
        self.offered: set[int] = set()  # callers who heard the overflow offer
        self.message_wait: dict[int, float] = {}  # wait until a message-leaver left the line
        offered_when_full = rules is not None and rules.when_full
        self.full_at = rules.queue_size if offered_when_full else self.scenario.queue_max_size

    def leave_message(self, waiter: Waiter, t: float, said_s: float) -> None:
        """The message key: out of the line (the wait ends), recorded, then a callback task."""
        self.request_callback(waiter, t, None)
        self.message_wait[waiter.i] = t + said_s - self.arrivals[waiter.i]
        self.schedule(waiter, t + said_s + self.scenario.reactions.message_s, LEAVE)

    def left_for_callback(self, waiter: Waiter, t: float) -> None:
        """As for any callback; a message's wait ended when its caller left the line."""
        super().left_for_callback(waiter, t)
        if waiter.i in self.message_wait:
            self.ledger.wait[waiter.i] = self.message_wait.pop(waiter.i)

    def turned_away(self, i: int, t: float) -> None:
        """The queue is full: the offer outside the queue, else the call ends as overflow;
        with no offer at queue-full, Twilio's queue-full ends it as an `error`, as the app
        logs it (app.storage.call_writes.ERROR_RESULTS) and the emulator's runs show."""
        if self.rules is None or not self.rules.when_full:
            self.ledger.outcome[i] = ERROR
            self.ledger.wait[i] = 0.0
            return
        segment = self.rules.full_offer(self.policy.voice, self.closes_in_s(t))
        choice = None
        if segment is not None:
            self.offered.add(i)
        if segment is not None and self.listening is not None:
            heard = self.heard_in(segment)[0]
            ears = Listener(self.listening, self.patience[i], t, self.draw)
            choice = ears.answer_overflow(t + (heard.message_end_s or 0.0), heard)
        if choice is None:
            self.ledger.outcome[i] = OVERFLOW
            self.ledger.wait[i] = 0.0
            return
        self.line.join(i)  # a callback task from now: its place counts from this moment
        self.live.join(i)  # (until its caller has chosen)
        self.waiting += 1
        self.eligible += 1
        waiter = self.waiters[i] = Waiter(i, None, self.patience[i], t, self.draw)
        if choice.cause == "voicemail":
            return self.leave_message(waiter, choice.at_s, 0.0)
        self.request_callback(waiter, choice.at_s, None)
        self.schedule(waiter, choice.at_s, LEAVE)
