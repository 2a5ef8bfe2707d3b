"""`silence`: nothing but silence, optionally a very low comfort noise so the line seems alive."""

from __future__ import annotations

from dataclasses import dataclass, field

from hold_policies.base import Choice, Decision, Voice, spoken
from hold_policies.languages import language_of
from hold_policies.prompts import Prompts
from hold_policies.situation import Situation
from hold_policies.steps import Pause, Play, Segment, SegmentKind


@dataclass(frozen=True)
class SilencePolicy:
    """Silence in segments of `segment_s`; each ends so Twilio re-polls with fresh figures."""

    voice: Voice = field(default_factory=Voice)
    prompts: Prompts = field(default_factory=Prompts)
    segment_s: int = 60
    comfort_noise: str | None = None  # audio name of a low noise bed, or None for true silence
    name: str = "silence"
    variant: str = ""  # the variant of this policy it is, if any (its experiment arm)

    def welcome(self) -> Segment:
        return spoken(self.voice, SegmentKind.WELCOME, self.prompts.welcome_for(
            self.name, language=language_of(self.voice.language)))

    def next_segment(self, situation: Situation) -> Segment:
        if self.comfort_noise:
            step = Play(self.comfort_noise, expected_s=float(self.segment_s))
        else:
            step = Pause(self.segment_s)
        return Segment(steps=(step,), kind=SegmentKind.SILENCE)

    def on_key(self, situation: Situation, digit: str) -> Decision:
        return Decision(
            Choice.UNKNOWN, spoken(self.voice, SegmentKind.ACKNOWLEDGE, self.prompts.not_understood)
        )
