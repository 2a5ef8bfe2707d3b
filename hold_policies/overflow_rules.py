"""A queue's overflow rules as pure values: when the offer is due and what it says.

Kept apart from the policies (hold_policies.overflow) so the config can build them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

from hold_policies.base import Voice
from hold_policies.closing import open_long_enough, when_answered
from hold_policies.durations import step_duration_s
from hold_policies.languages import Language, check_defaults
from hold_policies.prompts import filled
from hold_policies.situation import Situation
from hold_policies.steps import Hangup, Leave, OfferKeys, Pause, Segment, SegmentKind, Step

MESSAGES_TOLD = 3
"""The agent hears a callback's latest few messages: a caller may leave one each time they
ring, and every one read out made the agent's TwiML longer than Twilio's 64 kB (their call
then fails, for every agent who takes the callback)."""
TRANSCRIPT_READ_PER_MESSAGE_S = 1.5
"""A message's transcript read aloud (<Say>) may take longer than the caller took to say it:
half again, for a quick talker and a slower synthetic voice."""


def brief_s(message_max_s: float, transcribe: bool) -> float:
    """The longest an agent hears of a callback's messages before its Dial: what the claim
    timeout is sized for (config.longest_brief), one full message or its transcript."""
    return message_max_s * (TRANSCRIPT_READ_PER_MESSAGE_S if transcribe else 1)


def messages_told(seconds: Sequence[int | None], message_max_s: float,
                  transcribe: bool) -> int:
    """How many of a callback's latest messages (`seconds`: their lengths, oldest first;
    None: unknown, taken as the longest) the agent hears: at most MESSAGES_TOLD, and only
    as many as fit in `brief_s` together, at their real lengths (a message recorded before
    `message_max_s` was lowered may not fit even alone: then none is told, and the callbacks
    page has it). Three full messages had played for 360 s under a claim sized for one,
    released meanwhile: a second agent dialled the customer while the first was still
    hearing about them."""
    budget = brief_s(message_max_s, transcribe)
    told, heard_s = 0, 0.0
    for length in reversed(seconds[-MESSAGES_TOLD:]):
        heard_s += brief_s(message_max_s if length is None else length, transcribe)
        if heard_s > budget:
            break
        told += 1
    return told


QUIET_REPEAT_MOST_S = 300
"""Without check-ins, the longest gap between offers once they have slowed down (or
`repeat_s`, if longer): a caller who chose silence still hears the keys now and then."""


@dataclass(frozen=True)
class OverflowWords:
    """What the overflow offer and the message flow say ({callback_key}, {voicemail_key};
    {text} in `agent_transcript`)."""

    sorry: str = "We are sorry you have waited so long."
    full: str = "Sorry, our line is full right now."
    callback: str = ("Press {callback_key} and we will call you back when your turn comes, "
                     "keeping your place in line.")
    full_callback: str = ("Press {callback_key} and we will call you back when your turn "
                          "comes.")
    """The callback at queue-full: the caller was never in line, so no place is "kept"."""
    full_confirm: str = ("Thank you. We will call you back at the number you are calling "
                         "from, when your turn comes. You can hang up now. Goodbye.")
    full_number_check: str = ("We will call you back at the number ending in {number}. "
                              "Press 1 to confirm.")
    """The read-back at queue-full, before anything is booked ({number}: the caller ID's last
    digits, as in line); no other number is offered there (never in line, no place kept)."""
    wrong_key: str = "Sorry, that key does nothing here."
    """Before the read-back is asked again after a wrong key at queue-full (the in-line
    words promise a place in line the caller never had), and before the offer's keys once
    more after a key that does nothing where the offer ends the wait."""
    still: str = "Thank you for staying with us."
    """Opens the offer when it comes again (the apology was said the first time)."""
    voicemail: str = "Press {voicemail_key} to leave a message, and we will call you back."
    stay: str = "Or stay on the line, and you keep your place."
    goodbye: str = "Please call again a little later. Goodbye."
    cannot_stay: str = "Sorry, we cannot keep you waiting any longer."
    """The keep key where the offer ends the wait (`after_offer = "leave"`): before its keys
    once more and the goodbye; "You keep your place in line" would not be true there."""
    to_message: str = "Please stay on the line to leave your message."
    message_prompt: str = ("Please leave your message after the tone. Press the hash key "
                           "when you are done.")
    message_unsure: str = ("If you chose to leave a message, please leave it after the tone, "
                           "and press the hash key when you are done. If not, you can hang up "
                           "now.")
    """Asked when the log cannot say in time why the caller left the line: the one who chose a
    message leaves it, the one who left for a callback can hang up."""
    message_thanks: str = "Thank you. We have your message, and we will call you back. Goodbye."
    no_message: str = "We did not get a message. Goodbye."
    no_message_now: str = ("Sorry, we cannot take a message just now. "
                           "You keep your place in line.")
    no_message_withheld: str = ("Sorry, we cannot take a message, as we could not call back "
                                "the number you are calling from. You keep your place in line.")
    agent_message: str = "This caller left a message."
    agent_transcript: str = "They said: {text}"


check_defaults("overflow", asdict(OverflowWords()))


def overflow_words_in(language: Language, **written: str) -> OverflowWords:
    """The overflow's words in `language`: the operator's `written`, the rest the
    language's own defaults (holdwell's English ones where it has none)."""
    return OverflowWords(**language.written_over("overflow", written))


@dataclass(frozen=True)
class Overflow:
    """A queue's overflow rules ([queues.NAME.overflow]); a key of None is not offered."""

    max_wait_s: int | None = None  # None: no maximum wait (the offer only at queue-full)
    when_full: bool = False
    queue_size: int = 1000  # the Twilio queue's max_size: full at this many waiting
    callback_key: str | None = "2"
    voicemail_key: str | None = None
    after_offer: str = "keep_waiting"  # or "leave": no key at the offer ends the wait
    repeat_s: int = 60
    gather_timeout_s: int = 6
    message_max_s: int = 120
    transcribe: bool = False
    words: OverflowWords = field(default_factory=OverflowWords)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k in (self.callback_key, self.voicemail_key) if k)

    def due(self, situation: Situation) -> bool:
        """Past the maximum wait: every wait document is the offer from now on."""
        return self.max_wait_s is not None and situation.waited_s >= self.max_wait_s

    def keys_now(self, closes_in_s: float | None) -> tuple[str, ...]:
        """The keys that may be offered with the line closing in `closes_in_s`: a callback
        (or a message, which is one) only while the line stays open long enough to keep it."""
        return self.keys if open_long_enough(closes_in_s) else ()

    def keys_for(self, situation: Situation) -> tuple[str, ...]:
        """The keys this caller may be offered now (`keys_now`), less the message when their
        own number cannot be called back: a message is a callback to it, and a withheld
        caller had been offered one, only to hear "we cannot take a message" when they
        pressed for it. The callback stays: in line they may key in a number for it. None
        while the call log does not answer: neither could be stored, so neither is offered
        (they had been offered, then told "we cannot arrange a call back just now")."""
        if not situation.log_answered:
            return ()
        return tuple(k for k in self.keys_now(when_answered(situation.closes_in_s))
                     if situation.caller_id_callable or k != self.voicemail_key)

    def heard_offer(self, situation: Situation) -> bool:
        """Whether the caller has heard the offer since the maximum wait: the first document
        past it is always the offer, an announcement, so any announcement since was it."""
        since = situation.since_announcement_s
        return (self.max_wait_s is not None and since is not None
                and situation.waited_s - since >= self.max_wait_s)

    def again_after_s(self, situation: Situation) -> float:
        """Without check-ins, how long after the last offer it comes again: `repeat_s` after
        the first, then each gap twice the one before (1, 2, 4 minutes...), at most
        QUIET_REPEAT_MOST_S. The same menu every `repeat_s` had been read again and again to
        a caller who chose silence; this way it grows rare, and its keys still come round."""
        since = situation.since_announcement_s or 0.0
        last_past_max_s = situation.waited_s - since - (self.max_wait_s or 0)
        return min(max(last_past_max_s, 0.0) + self.repeat_s,
                   max(self.repeat_s, QUIET_REPEAT_MOST_S))

    def choices(self, keys: tuple[str, ...], callback: str | None = None) -> list[str]:
        """The sentences that offer `keys` (`callback`: the callback's own words)."""
        words, sentences = self.words, []
        if self.callback_key in keys:
            sentences.append(filled(callback or words.callback, callback_key=self.callback_key))
        if self.voicemail_key in keys:
            sentences.append(filled(words.voicemail, voicemail_key=self.voicemail_key))
        return sentences

    def menu(self, voice: Voice, keys: tuple[str, ...], first: str, last: str = "",
             callback: str | None = None) -> OfferKeys:
        """`first`, the `keys` on offer, then `last`, with one key collected."""
        sentences = [first, *self.choices(keys, callback), last]
        text = " ".join(s for s in sentences if s)
        return OfferKeys((voice.say(text),), keys, self.gather_timeout_s)

    def offer(self, voice: Voice, keys: tuple[str, ...], again: bool = False) -> Segment | None:
        """The wait document past the maximum wait (wait-context verbs only) offering `keys`,
        the caller's (`keys_for`); None when there are none (the policy's own segments go
        on). `again`: the offer comes round once more, opened with thanks, not the first
        apology."""
        if not keys:
            return None
        if self.after_offer == "leave":
            steps = (self.menu(voice, keys, self.words.sorry), voice.say(self.words.goodbye),
                     Leave())
        else:
            gather = self.menu(voice, keys, self.words.still if again else self.words.sorry,
                               self.words.stay)
            rest = max(round(self.repeat_s - step_duration_s(gather)), 5)
            steps = (gather, Pause(int(rest)))
        return Segment(steps, SegmentKind.OVERFLOW_OFFER, offered_keys=keys,
                       apologises=not again, voicemail_key=self.voicemail_key)

    def with_choices(self, voice: Voice, checkin: Segment, offered: tuple[str, ...]) -> Segment:
        """A check-in past the maximum wait, once the offer was heard: the policy's own words
        (position, wait) and then the choices of `offered` (the caller's, as in `offer`) it
        does not already offer. A check-in offering the policy's callback already offers
        this callback (on another key, which `config check` warns of), so it is not offered
        twice."""
        gather = checkin.steps[0] if checkin.steps else None
        if not isinstance(gather, OfferKeys):
            return checkin
        own_callback = checkin.kind is SegmentKind.CALLBACK_OFFER
        keys = tuple(k for k in offered if k not in gather.keys
                     and not (own_callback and k == self.callback_key))
        if not keys:
            return checkin
        said = voice.say(" ".join(self.choices(keys)))
        longer = replace(gather, prompt=(*gather.prompt, said), keys=(*gather.keys, *keys))
        *between, last = checkin.steps[1:] or (None,)
        tail = (*between, _shortened(last, step_duration_s(said))) if last else ()
        return replace(checkin, steps=(longer, *tail),
                       offered_keys=(*checkin.offered_keys, *keys),
                       voicemail_key=self.voicemail_key if self.voicemail_key in keys
                       else checkin.voicemail_key)

    def full_offer(self, voice: Voice, closes_in_s: float | None = None,
                   caller_id_callable: bool = True, log_answered: bool = True
                   ) -> Segment | None:
        """Said after Twilio's queue-full, outside the queue: the offer, else goodbye (None:
        the line closes too soon to offer anything, or the caller's own number cannot be
        called back). Both choices there are a callback to the caller ID: a withheld caller
        had been offered them, then told "we cannot call back the number you are calling
        from" and hung up on. (In line they may key in a number instead; outside it, with no
        place kept, that flow's "you keep your place in line" would not be true.) While the
        call log does not answer (`log_answered` False) the callback, which is never
        confirmed unstored, is left out; the message stays, since its recording is journaled
        like any write."""
        keys = self.keys_now(when_answered(closes_in_s)) if caller_id_callable else ()
        if not log_answered:
            keys = tuple(k for k in keys if k != self.callback_key)
        if not keys:
            return None
        steps = (self.menu(voice, keys, self.words.full, callback=self.words.full_callback),
                 voice.say(self.words.goodbye), Hangup())
        return Segment(steps, SegmentKind.OVERFLOW_OFFER, offered_keys=keys,
                       apologises=True, voicemail_key=self.voicemail_key)


def _shortened(step: Step, by_s: float) -> Step:
    """A trailing pause made `by_s` shorter (at least 5 s), so longer words keep the
    check-in's interval; any other step as it is."""
    if not isinstance(step, Pause):
        return step
    return Pause(int(max(round(step.seconds - by_s), 5)))
