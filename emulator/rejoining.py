"""Dropped lines and ring-backs in the Twilio emulator (issue 16 item 6).

A check-in may end in a dropped line (`Reactions.line_drop_p`, `line_drop_after_s` after it
starts): to Twilio, the caller hung up (QueueResult=hangup, and the call completes). Who rings
back, and when, is drawn exactly as the fast engine draws it (`ring_back_after`, under the
scenario's resume rule), and they call again from the same number. Whether they get their
place back is the app's to decide: the emulator follows its TwiML, an <Enqueue> into whichever
Twilio queue it names (the app's `NAME-rejoin`), from which agents take callers only when the
app's <Dial><Queue> names it. Their patience counts from their first entry, as in the fast
engine (the time away used it up like neutral hold).
"""

from __future__ import annotations

from emulator.virtual_caller import VirtualCaller
from simulator.heard import Heard
from simulator.resume import ring_back_after


def is_checkin(heard: Heard) -> bool:
    """A document the app logs as an announcement (a check-in, a callback offer, an advert),
    as the caller hears it: words that say where they stand, apologise or advertise."""
    return not heard.overflow and (heard.informs or heard.apology or heard.advert)


class Rejoins:
    """The dropped-line half of `TwilioEmulator` (a mixin: it uses the emulator's state)."""

    def maybe_drop(self, caller: VirtualCaller, at: float, heard: Heard) -> None:
        """A check-in started at `at`: the line may drop a few seconds in (the caller's one
        pending event, as in the fast engine: it replaces whatever they would have done)."""
        if self.record and heard.position is not None:
            self.note_place(caller, at, heard.position)
        if not is_checkin(heard) or self.draw() >= self.drop_p:
            return
        reactions = self.scenario.reactions
        caller.live = self.schedule(at + reactions.line_drop_after_s, "drop", caller)

    def note_place(self, caller: VirtualCaller, at: float, told: int) -> None:
        """With `record`, the place a caller was told next to the callers truly ahead of them
        then: those before them in their own Twilio queue, and those waiting in another
        (a rejoin queue) who first entered over a second before them (the app knows entry
        times to Twilio's whole seconds of QueueTime). Callbacks ahead are not seen here, so
        a place told may be larger, never smaller."""
        entered = caller.person.enqueued_at
        line = self.queues.get(caller.queue, [])
        here = line.index(caller) if caller in line else 0
        elsewhere = sum(1 for name, others in self.queues.items() if name != caller.queue
                        for other in others if other.person.enqueued_at < entered - 1.0)
        self.note(caller, at, f"[told place {told}; {here + elsewhere} truly ahead, "
                              f"{elsewhere} in another queue]")

    def drop(self, caller: VirtualCaller, at: float) -> None:
        """The line drops: Twilio sees a hang-up; under the rule the caller may ring back."""
        self.note(caller, at, "[the line drops]")
        self.end_wait(caller, at, "hangup")
        if self.scenario.resume is None:
            return
        reactions = self.scenario.reactions
        delay = ring_back_after(self.scenario.resume, reactions, reactions.line_drop_after_s,
                                self.draw)
        if delay is not None:
            self.schedule(at + delay, "ring_back", caller)

    def ring_back(self, caller: VirtualCaller, at: float) -> None:
        """From the same number; the person's patience still counts from their first entry."""
        self.note(caller, at, "[rings back]")
        self.call_again(caller, at, patience_from=caller.person.enqueued_at)
