"""Overflow instead of a drop, and a message instead of a wait (issue 16 items 4-5).

A queue may set a maximum wait. Past it, the caller is no longer left to wait in silence or
dropped (a blogger was hung up on after 63 minutes): every wait document becomes an offer —
a callback that keeps their place, or a message (voicemail) that becomes a callback task —
with, by default, the choice to stay on the line. The same offer answers Twilio's
`queue-full`, in the plain call document after the Enqueue (where the caller is not queued).

The rule is pure and applies to every policy alike: `with_overflow` gives the policy's class
an `Overflowing` twin (a dataclass with one more field), so the live app, the emulator and
the fast engine all hear it from `next_segment` and `on_key`, and nothing else changes for a
queue without overflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from hold_policies.base import Choice, Decision, HoldPolicy, Voice, callback_confirmation, spoken
from hold_policies.callback import CallbackPolicy
from hold_policies.checkin import CheckinPolicy
from hold_policies.closing import no_callback_words
from hold_policies.music_ads import MusicAdsPolicy
from hold_policies.overflow_rules import Overflow
from hold_policies.prompts import confirmation_template, filled
from hold_policies.schedule import is_due, pause_until_due_s
from hold_policies.silence import SilencePolicy
from hold_policies.situation import Situation
from hold_policies.steps import Leave, Pause, Play, Segment, SegmentKind


class Overflowing:
    """Mixin over a policy class: past the maximum wait the overflow offer replaces the
    policy's segments, and the offer's keys mean a callback or a message."""

    overflow: Overflow
    voice: Voice

    def next_segment(self, situation: Situation) -> Segment:
        """Past the maximum wait: the offer; once heard, a policy with check-ins goes on
        with them (position, wait) carrying the offer's keys, and the others hear the offer
        again at ever longer gaps (`Overflow.again_after_s`), opened with thanks rather than
        the first apology, and silence between (polled every `repeat_s` at most)."""
        own = super().next_segment(situation)  # type: ignore[misc]
        rules = self.overflow
        keys = rules.keys_for(situation)
        if not rules.due(situation) or not keys:
            return own
        if not rules.heard_offer(situation):
            return rules.offer(self.voice, keys) or own
        if isinstance(self, CheckinPolicy):
            return rules.with_choices(self.voice, own, keys) if own.is_announcement else own
        gap_s = rules.again_after_s(situation)
        if is_due(situation, first_s=rules.max_wait_s or 0, interval_s=gap_s):
            return rules.offer(self.voice, keys, again=True) or own
        silence_s = pause_until_due_s(situation, first_s=rules.max_wait_s or 0,
                                      interval_s=gap_s)
        return between_offers(own, min(silence_s, rules.repeat_s))

    def on_key(self, situation: Situation, digit: str) -> Decision:
        decision = super().on_key(situation, digit)  # type: ignore[misc]
        rules = self.overflow
        if decision.choice is Choice.CALLBACK or not rules.due(situation):
            return decision  # the policy's own answer: the offer's keys count once it is heard
        if decision.choice is not Choice.UNKNOWN and digit not in (rules.voicemail_key,
                                                                   rules.callback_key):
            return self.unless_sent_away(situation, decision, rules.words.cannot_stay)
        if digit in rules.keys and digit not in rules.keys_now(situation.closes_in_s):
            return Decision(Choice.KEEP_WAITING, spoken(  # no promise the line cannot keep
                self.voice, SegmentKind.ACKNOWLEDGE,
                filled(no_callback_words(self.prompts,  # type: ignore[attr-defined]
                                         situation.closes_in_s))))
        if digit == rules.voicemail_key and not situation.caller_id_callable:
            return self.unless_sent_away(situation, Decision(  # a message is a callback to
                Choice.KEEP_WAITING, spoken(  # them: never offered, so no choice here
                    self.voice, SegmentKind.ACKNOWLEDGE, rules.words.no_message_withheld)),
                rules.words.wrong_key)
        if digit == rules.voicemail_key:
            return Decision(Choice.VOICEMAIL, Segment(
                (self.voice.say(rules.words.to_message), Leave()), SegmentKind.ACKNOWLEDGE))
        if digit == rules.callback_key:
            template = confirmation_template(self.prompts,  # type: ignore[attr-defined]
                                             situation.callback_number, estimated=False)
            return Decision(Choice.CALLBACK, callback_confirmation(
                self.voice, filled(template, number=situation.callback_number)))
        return self.unless_sent_away(situation, decision, rules.words.wrong_key)

    def unless_sent_away(self, situation: Situation, decision: Decision, words: str
                         ) -> Decision:
        """The policy's answer to a key that takes neither the callback nor the message
        ("You keep your place in line"), unless the caller's next wait document is the
        offer with `after_offer = "leave"`, which ends the wait: then `words` ("Sorry, we
        cannot keep you waiting any longer.", or the overflow's `wrong_key`), the offer's
        keys once more, and its goodbye and <Leave/> (the offer: the drivers log it as made, so
        a caller it sends away ends as `overflow`). The keep key had been thanked with "You
        keep your place in line." and the goodbye followed. Wherever the caller waits on
        (the offer heard, check-ins going on), the policy's answer is true and stands. A
        policy without check-ins (silence, music) hears the offer again after a gap, and it
        ends the wait then: their caller is never told they keep their place either (the
        next document had been a pause, so the answer had stood; review 40, R2)."""
        rules = self.overflow
        if rules.after_offer != "leave":
            return decision
        upcoming: Segment | None = self.next_segment(situation)
        if not isinstance(self, CheckinPolicy) and not _sends_away(upcoming):
            upcoming = rules.offer(self.voice, rules.keys_for(situation), again=True)
        if upcoming is None or not _sends_away(upcoming):
            return decision
        keys = upcoming.offered_keys
        steps = (rules.menu(self.voice, keys, words), self.voice.say(rules.words.goodbye),
                 Leave())
        return Decision(decision.choice, Segment(steps, SegmentKind.OVERFLOW_OFFER,
                                                 offered_keys=keys, apologises=True,
                                                 voicemail_key=upcoming.voicemail_key))


def between_offers(own: Segment, gap_s: int) -> Segment:
    """What a policy without check-ins plays between offers, `gap_s` before the next poll:
    its own bed (the music, the comfort noise; never the advert) where one clip fits, else
    silence. Dead air in place of the comfort noise is what makes callers think the line
    dropped (caller audit: it had been silence until the next offer, for as long as they
    held); a clip cannot be cut short, so one longer than the gap waits for the next."""
    bed = own.steps[-1] if own.steps else None
    if isinstance(bed, Play) and bed.expected_s <= gap_s:
        kind = SegmentKind.SILENCE if own.kind is SegmentKind.SILENCE else SegmentKind.MUSIC
        return Segment((bed,), kind)
    return Segment((Pause(gap_s),), SegmentKind.SILENCE)


def _sends_away(segment: Segment | None) -> bool:
    """Whether a wait document is the offer that ends the wait (`after_offer = "leave"`)."""
    return segment is not None and segment.kind is SegmentKind.OVERFLOW_OFFER and any(
        isinstance(step, Leave) for step in segment.steps)


@dataclass(frozen=True)
class OverflowingSilence(Overflowing, SilencePolicy):
    overflow: Overflow = field(default_factory=Overflow)


@dataclass(frozen=True)
class OverflowingCheckin(Overflowing, CheckinPolicy):
    overflow: Overflow = field(default_factory=Overflow)


@dataclass(frozen=True)
class OverflowingCallback(Overflowing, CallbackPolicy):
    overflow: Overflow = field(default_factory=Overflow)


@dataclass(frozen=True)
class OverflowingMusicAds(Overflowing, MusicAdsPolicy):
    overflow: Overflow = field(default_factory=Overflow)


TWINS: dict[type, type] = {SilencePolicy: OverflowingSilence, CheckinPolicy: OverflowingCheckin,
                           CallbackPolicy: OverflowingCallback, MusicAdsPolicy: OverflowingMusicAds}
"""Each policy class's overflowing twin (named classes, so policies still pickle)."""


def with_overflow(policy: HoldPolicy, rules: Overflow | None) -> HoldPolicy:
    """`policy` under the queue's overflow rules; unchanged when the queue has none."""
    if rules is None:
        return policy
    if isinstance(policy, Overflowing):
        return replace(policy, overflow=rules)
    twin = TWINS[type(policy)]
    return twin(**{f.name: getattr(policy, f.name) for f in fields(policy)}, overflow=rules)


def overflow_of(policy: HoldPolicy) -> Overflow | None:
    """The policy's overflow rules, or None."""
    return policy.overflow if isinstance(policy, Overflowing) else None


def callback_key_of(policy: HoldPolicy) -> str | None:
    """The key that books a callback: the policy's own, else the overflow offer's."""
    own = getattr(policy, "callback_key", None)
    rules = overflow_of(policy)
    return own or (rules.callback_key if rules else None)
