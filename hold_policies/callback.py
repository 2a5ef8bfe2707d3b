"""`callback`: check-ins, plus a callback offer once the estimated wait passes a threshold.

The callback keeps the caller's original place in line; the offer says honestly when the
call will come: a band sized so that the promise is kept with the plan's target probability,
given the wait and how often customers answer (hold_policies.promise), never below the
check-in's wait band.

No callback is placed while the line is closed, so near closing time (`closes_in_s`) a
callback is only offered when its promise can be kept before the line closes:
- a window ("within 30 minutes") must end by the closing time;
- a callback told no window ("when your turn comes") with an estimate, or told "more than
  an hour", must connect before closing with the plan's target probability;
- with no estimate at all nothing bounds the wait, so the line must stay open for at least
  `UNBOUNDED_CLOSING_MARGIN_S` (the longest window ever promised, an hour).
A caller who presses the callback key anyway is not confirmed a promise the line cannot keep:
they hear `callback_closing_soon` (or, still in line after closing time, `callback_closed`)
and keep their place in line (a keep-waiting choice).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from hold_policies.base import Choice, Decision, HoldPolicy, callback_confirmation
from hold_policies.checkin import CheckinPolicy
from hold_policies.closing import no_callback_words, open_long_enough, when_answered
from hold_policies.config import CallbacksConfig
from hold_policies.estimate import WaitBand
from hold_policies.languages import language_of
from hold_policies.promise import AttemptPlan, callback_window, keeps_within, plan_of
from hold_policies.prompts import confirmation_template
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
    dialling: str = "agent_first"  # or "customer_first": read by the drivers, not here
    customer_first_at_once: int = 2  # customer_first: rung or held at once (the drivers)
    promise: AttemptPlan = field(default_factory=AttemptPlan)
    name: str = "callback"

    def window(self, situation: Situation) -> WaitBand | None:
        """The callback window to promise, or None when there is nothing honest to say. At a
        key press on an offer that named a window (`situation.offered_window_s`), that
        window: the caller is confirmed what they heard, not a band sized again seconds
        later (a caller offered "within 15 minutes" had been confirmed "within 20", or no
        window at all)."""
        if situation.offered_window_s is not None:
            return WaitBand(round(situation.offered_window_s / 60.0))
        if not self.announce_wait or situation.estimate is None:
            return None
        return callback_window(situation.position, situation.estimate, self.promise)

    def keeps_before_closing(self, situation: Situation, *, offering: bool = False) -> bool:
        """Whether the callback this caller would be promised now comes before the line
        closes (see the module's rules); always, for a line without hours. `offering`: for
        an offer, whose caller takes it up to ANSWER_MARGIN_S later, when it must still
        hold (the key and the confirmation are judged as they come)."""
        closes_in_s = (when_answered(situation.closes_in_s) if offering
                       else situation.closes_in_s)
        if closes_in_s is None:
            return True
        band = self.window(situation)
        if band is not None and band.seconds is not None:
            return band.seconds <= closes_in_s
        if situation.estimate is not None:
            return keeps_within(closes_in_s, situation.position, situation.estimate,
                                self.promise)
        return open_long_enough(closes_in_s)

    def should_offer(self, situation: Situation) -> bool:
        if not situation.log_answered or not self.keeps_before_closing(situation,
                                                                       offering=True):
            return False
        if situation.estimate is not None:
            return situation.estimate.upper_s >= self.offer_after_estimate_s
        return situation.waited_s >= self.offer_without_estimate_after_s

    def extra_offer(self, situation: Situation, said_wait: WaitBand | None
                    ) -> tuple[str, str, float | None] | None:
        """The callback offer. An open-ended window right after the check-in said the
        open-ended wait is offered without it ("...when your turn comes"): callers had heard
        "when your turn comes, which may take more than an hour" twice in one check-in."""
        if not self.should_offer(situation):
            return None
        language = language_of(self.voice.language)
        wait_said_open = (said_wait is not None and said_wait.minutes is None
                          and bool(language.open_ended) and language.within in self.prompts.wait
                          and language.within in self.prompts.callback_offer)
        band = self.window(situation)  # the callback's window, not the wait's band
        template = (
            self.prompts.callback_offer if band is not None
            and not (band.minutes is None and wait_said_open)
            else self.prompts.callback_offer_no_estimate
        )
        return (self.fill(template, situation, band), self.callback_key,
                band.seconds if band is not None else None)

    def on_key(self, situation: Situation, digit: str) -> Decision:
        if digit != self.callback_key:
            return super().on_key(situation, digit)
        if not self.keeps_before_closing(situation):  # no promise the line cannot keep
            return Decision(Choice.KEEP_WAITING, self.still_waiting(
                situation, self.fill(no_callback_words(self.prompts, situation.closes_in_s),
                                     situation, None)))
        band = self.window(situation)
        return Decision(
            Choice.CALLBACK,
            callback_confirmation(self.voice, self.fill(confirmation_template(
                self.prompts, situation.callback_number, estimated=band is not None),
                situation, band)),
            promised_wait_s=band.seconds if band else None,
        )


def with_plan(policy: HoldPolicy, callbacks: CallbacksConfig) -> HoldPolicy:
    """A callback policy dialled by the [callbacks] settings (its promise sized for them);
    any other policy as it is."""
    if isinstance(policy, CallbackPolicy):
        return replace(policy, promise=plan_of(callbacks))
    return policy
