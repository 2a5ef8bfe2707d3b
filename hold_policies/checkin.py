"""`checkin`: silence, and about once a minute a short, honest check-in.

The check-in apologises, gives the caller's position and, when the data supports it, an
estimated wait rounded up into a band, and asks whether they can hold a little longer.
Silence after it means "keep waiting": nobody is ever dropped for not pressing a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from hold_policies.base import Choice, Decision, Voice, spoken
from hold_policies.durations import step_duration_s
from hold_policies.estimate import WaitBand, band_for
from hold_policies.languages import language_of
from hold_policies.prompts import Prompts, filled
from hold_policies.schedule import is_due, pause_until_due_s
from hold_policies.situation import Situation
from hold_policies.steps import AskSpeech, OfferKeys, Pause, Segment, SegmentKind


@dataclass(frozen=True)
class CheckinPolicy:
    """Check in every `interval_s` seconds, first after `first_checkin_s` (default: interval)."""

    voice: Voice = field(default_factory=Voice)
    prompts: Prompts = field(default_factory=Prompts)
    interval_s: int = 60
    first_checkin_s: int | None = None
    keep_key: str = "1"
    gather_timeout_s: int = 4
    announce_position: bool = True
    announce_wait: bool = True
    position_only_when_changed: bool = False
    ask_reason: bool = False
    reason_timeout_s: int = 5
    reason_speech_end_s: int = 2
    reason_max_speech_s: int = 15
    reason_language: str | None = None
    reason_hints: str | None = None
    name: str = "checkin"
    variant: str = ""  # the variant of this policy it is, if any (its experiment arm)

    @property
    def first_s(self) -> int:
        return self.interval_s if self.first_checkin_s is None else self.first_checkin_s

    def welcome(self) -> Segment:
        welcome = self.prompts.welcome_for(self.name, self.interval_s, self.first_checkin_s,
                                           language_of(self.voice.language))
        return spoken(self.voice, SegmentKind.WELCOME, welcome)

    def next_segment(self, situation: Situation) -> Segment:
        if not is_due(situation, first_s=self.first_s, interval_s=self.interval_s):
            pause = pause_until_due_s(situation, first_s=self.first_s, interval_s=self.interval_s)
            return Segment(steps=(Pause(pause),), kind=SegmentKind.SILENCE)
        return self.checkin(situation)

    def checkin(self, situation: Situation) -> Segment:
        """The check-in itself, followed by silence until the next one is due."""
        band = self.band(situation)
        told = self.position_to_say(situation)
        sentences = [self.prompts.apology, self.closed_words(situation),
                     *self.position_sentences(situation, band, told)]
        sentences.append(self.fill(self.prompts.keep_waiting, situation, band))
        offer = self.extra_offer(situation, band)
        kind = SegmentKind.CHECKIN
        keys: tuple[str, ...] = (self.keep_key,)
        offered_window_s = None
        if offer is not None:
            sentences.append(offer[0])
            keys += (offer[1],)
            offered_window_s = offer[2]
            kind = SegmentKind.CALLBACK_OFFER
        gather = OfferKeys(
            prompt=(self.voice.say(" ".join(s for s in sentences if s)),),
            keys=keys,
            timeout_s=self.gather_timeout_s,
        )
        asked = (gather, self.reason_question()) if self.asks_reason(situation) else (gather,)
        rest = max(round(self.interval_s - sum(step_duration_s(step) for step in asked)), 5)
        return Segment(
            steps=(*asked, Pause(int(rest))),
            kind=kind,
            announced_position=told,
            announced_wait_s=band.seconds if band else None,
            offered_keys=keys,
            apologises=bool(self.prompts.apology),
            offered_window_s=offered_window_s,
        )

    def closed_words(self, situation: Situation) -> str:
        """Once the line has closed around a caller still in line, each check-in says so
        (and that they will still be answered), rather than carrying on as if it were open."""
        return self.prompts.closed_while_waiting if situation.closes_in_s == 0 else ""

    def asks_reason(self, situation: Situation) -> bool:
        """Only in the first check-in, and only once: with the log, no check-in has been
        logged; without it (a database outage), the time in line says whether this is the
        first, so a caller is not asked again at every later one."""
        return (self.ask_reason and situation.announcements == 0
                and situation.waited_s < self.first_s + self.interval_s / 2)

    def reason_question(self) -> AskSpeech:
        """A few words about the call, after the check-in's keys (a key press skips it)."""
        return AskSpeech(
            prompt=(self.voice.say(self.prompts.reason_question),),
            timeout_s=self.reason_timeout_s, speech_end_s=self.reason_speech_end_s,
            max_speech_s=self.reason_max_speech_s,
            language=self.reason_language or self.voice.language, hints=self.reason_hints)

    def band(self, situation: Situation) -> WaitBand | None:
        """The band to announce, or None when there is nothing honest to say."""
        if not self.announce_wait or situation.estimate is None:
            return None
        return band_for(situation.estimate.upper_s)

    def position_to_say(self, situation: Situation) -> int | None:
        """The position this check-in says, or None to leave it out.

        A caller told "number 7" never hears "number 8" next (a callback ahead, or a caller put
        back in line after a Twilio error, can move them back): then the position is left out,
        not bent. A position that is only a bound (not Twilio's) is never said. With
        `position_only_when_changed` an unchanged position is left out too,
        except at the head of the line, where "you are next" is always worth saying.
        """
        if not self.announce_position or not situation.position_known:
            return None
        told, now = situation.told_position, situation.position
        if told is not None and now > told:
            return None
        if self.position_only_when_changed and told == now and now != 1:
            return None
        return now

    def position_sentences(self, situation: Situation, band: WaitBand | None,
                           told: int | None) -> list[str]:
        sentences = []
        if told is not None:
            template = self.prompts.next_in_line if told == 1 else self.prompts.position
            sentences.append(self.fill(template, situation, band))
        if band is not None:
            sentences.append(self.fill(self.prompts.wait, situation, band))
        return sentences

    def extra_offer(self, situation: Situation, band: WaitBand | None
                    ) -> tuple[str, str, float | None] | None:
        """(sentence, key, the callback window it offers in seconds or None) of an extra
        offer; plain check-ins make none."""
        return None

    def fill(self, template: str, situation: Situation, band: WaitBand | None) -> str:
        language = language_of(self.voice.language)
        return filled(
            band.fitted(template, language) if band else template,
            position=situation.position,
            wait=band.words(language) if band else "",
            keep_key=self.keep_key,
            callback_key=getattr(self, "callback_key", ""),
            number=situation.callback_number,
            minutes="",
            reason="",
        )

    def on_key(self, situation: Situation, digit: str) -> Decision:
        if digit == self.keep_key:
            return Decision(Choice.KEEP_WAITING,
                            self.still_waiting(situation, self.prompts.keep_waiting_ack))
        return Decision(Choice.UNKNOWN, self.still_waiting(situation, self.prompts.not_understood))

    def still_waiting(self, situation: Situation, text: str) -> Segment:
        """`text` said to a caller a key leaves in line. Any key pressed in the first
        check-in ends it before its question, so the question follows (it is still owed):
        the keep key's thanks, "that key does nothing here", or a callback refused."""
        said = spoken(self.voice, SegmentKind.ACKNOWLEDGE, text)
        if not self.key_cut_the_question(situation):
            return said
        return replace(said, steps=(*said.steps, self.reason_question()))

    def key_cut_the_question(self, situation: Situation) -> bool:
        """A key pressed in the first check-in ends it before its question: the question
        follows the thanks instead (still asked once). With the log, the first check-in is
        the only one logged; without it, the time in line says so."""
        if not self.ask_reason:
            return False
        return situation.announcements == 1 or (
            situation.announcements == 0 and situation.waited_s < self.first_s + self.interval_s)
