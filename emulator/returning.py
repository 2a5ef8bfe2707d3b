"""Callers who ring again while their callback is pending, in the emulator (issue 16 item 2).

Some callers who took a callback from the queue (`RingingAgain.ring_again_p`) call the line
again from the same number, an exponential `ring_again_s` later, unless a callback reached
them first. The app should recognise them and ask whether to keep the callback or wait on the
line instead: `wait_instead_p` of them press the wait key, the rest the keep key, just after
the question (`Reactions.key_delay_s`). The emulator follows what the app answers: an
<Enqueue> queues the new call (a new wait: patience counts from then), anything else is said
and the call ends. The fast engine has no callers who ring twice, so these reactions are the
emulator's own, and off by default (the engines must agree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from emulator import documents
from emulator.documents import Verb
from emulator.ears import ears_for
from emulator.virtual_caller import VirtualCaller
from simulator.errors import ScenarioError


@dataclass(frozen=True)
class RingingAgain:
    """How callers with a callback booked ring again (assumptions: no field data)."""

    ring_again_p: float = 0.0
    """Share of callers who booked a callback from the queue who call again before it comes.
    Off by default: the fast engine has no such callers."""

    ring_again_s: float = 300.0
    """Mean seconds after booking before they call again (exponential)."""

    wait_instead_p: float = 0.3
    """Share of them who, asked, choose to wait on the line (cancelling the callback); the
    rest keep the callback."""

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name.endswith("_p") and not 0 <= value <= 1:
                raise ScenarioError(f"ringing_again.{item.name}: must be in [0, 1] "
                                    f"(got {value})")
            if item.name.endswith("_s") and not value >= 0:
                raise ScenarioError(f"ringing_again.{item.name}: must be >= 0 s (got {value})")


class Returns:
    """The returning-caller half of `TwilioEmulator` (a mixin: it uses the emulator's state)."""

    def maybe_ring_again(self, caller: VirtualCaller, at: float) -> None:
        """Just left the queue for a callback: perhaps call again later (first calls only)."""
        model = self.ringing_again
        if caller.first is not None or self.draw() >= model.ring_again_p:
            return
        delay = -model.ring_again_s * math.log(1.0 - self.draw())
        self.schedule(at + delay, "rings_again", caller)

    def rings_again(self, caller: VirtualCaller, at: float) -> None:
        if caller.called_back:  # reached meanwhile: nothing to ring about
            return
        self.note(caller, at, "[rings again before the callback comes]")
        self.call_again(caller, at)

    def asked_keep_or_wait(self, caller: VirtualCaller, at: float,
                           verbs: tuple[Verb, ...]) -> bool:
        """If the call document asks to keep the callback or wait, answer it and say True."""
        t = at
        for verb in verbs:
            if verb.name == "Gather":
                break
            t += documents.seconds(verb, self.audio_seconds)
        else:
            return False
        said, ears = documents.spoken((verb,)), ears_for(documents.said_in((verb,)))
        # the keys in the app's default `returning_caller` prompt, in English or its language
        keep, wait = ears.first("keep_callback", said), ears.first("wait_instead", said)
        if keep is None or wait is None:
            return False
        key = wait if self.draw() < self.ringing_again.wait_instead_p else keep
        question = documents.seconds(verb, self.audio_seconds) - float(verb.get("timeout", "5"))
        self.note(caller, at, f"{documents.describe(verbs)} [asked: keep it, or wait]")
        self.schedule(t + question + self.scenario.reactions.key_delay_s, "keep_or_wait",
                      (caller, verb.get("action"), key))
        return True

    def keep_or_wait(self, subject: tuple[VirtualCaller, str, str], at: float) -> None:
        """The answer goes to the Gather's action; what the app says next is followed."""
        caller, action, key = subject
        verbs = self.key_outside_queue(caller, action, key, "returning caller")
        self.answer_call(caller, at, verbs, f"[presses {key}] ")
