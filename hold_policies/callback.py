"""`callback`: check-ins, plus a callback offer once the estimated wait passes a threshold.

The callback keeps the caller's original place in line; the offer says honestly when the
call will come (the same rounded-up band as the check-in).
"""

from __future__ import annotations

from dataclasses import dataclass

from hold_policies.base import Choice, Decision, callback_confirmation
from hold_policies.checkin import CheckinPolicy
from hold_policies.estimate import WaitBand
from hold_policies.situation import Situation


@dataclass(frozen=True)
class CallbackPolicy(CheckinPolicy):
    """Offer a callback when the wait's upper estimate reaches `offer_after_estimate_s`.

    With too little data for an estimate, offer once the caller has waited
    `offer_without_estimate_after_s`: by then a callback is a kindness either way.
    """

    callback_key: str = "2"
    offer_after_estimate_s: int = 300
    offer_without_estimate_after_s: int = 300
    name: str = "callback"

    def should_offer(self, situation: Situation) -> bool:
        if situation.estimate is not None:
            return situation.estimate.upper_s >= self.offer_after_estimate_s
        return situation.waited_s >= self.offer_without_estimate_after_s

    def extra_offer(self, situation: Situation, band: WaitBand | None) -> tuple[str, str] | None:
        if not self.should_offer(situation):
            return None
        template = (
            self.prompts.callback_offer if band is not None
            else self.prompts.callback_offer_no_estimate
        )
        return self.fill(template, situation, band), self.callback_key

    def on_key(self, situation: Situation, digit: str) -> Decision:
        if digit != self.callback_key:
            return super().on_key(situation, digit)
        band = self.band(situation)
        template = (
            self.prompts.callback_confirm if band is not None
            else self.prompts.callback_confirm_no_estimate
        )
        return Decision(
            Choice.CALLBACK,
            callback_confirmation(self.voice, self.fill(template, situation, band)),
            promised_wait_s=band.seconds if band else None,
        )
