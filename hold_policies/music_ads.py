"""`music_ads`: the legacy status quo, music with a periodic message and advert.

Kept as the baseline analysts compare against, not as a recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hold_policies.base import Choice, Decision, Voice, spoken
from hold_policies.languages import language_of
from hold_policies.prompts import Prompts
from hold_policies.schedule import is_due
from hold_policies.situation import Situation
from hold_policies.steps import Play, Segment, SegmentKind


@dataclass(frozen=True)
class MusicAdsPolicy:
    """Music in clips of `music_s`; every `message_every_s` the legacy message or advert."""

    voice: Voice = field(default_factory=Voice)
    prompts: Prompts = field(default_factory=Prompts)
    music: str = "hold_music"
    music_s: int = 60
    message_every_s: int = 60
    ad_audio: str | None = None  # a recorded advert; None says the legacy message instead
    name: str = "music_ads"
    variant: str = ""  # the variant of this policy it is, if any (its experiment arm)

    def welcome(self) -> Segment:
        return spoken(self.voice, SegmentKind.WELCOME, self.prompts.welcome_for(
            self.name, language=language_of(self.voice.language)))

    def next_segment(self, situation: Situation) -> Segment:
        music = Play(self.music, expected_s=float(self.music_s))
        if not is_due(situation, first_s=self.message_every_s, interval_s=self.message_every_s):
            return Segment(steps=(music,), kind=SegmentKind.MUSIC)
        message = (
            Play(self.ad_audio, expected_s=15.0) if self.ad_audio
            else self.voice.say(self.prompts.legacy_message)
        )
        return Segment(steps=(message, music), kind=SegmentKind.AD)

    def on_key(self, situation: Situation, digit: str) -> Decision:
        return Decision(
            Choice.UNKNOWN, spoken(self.voice, SegmentKind.ACKNOWLEDGE, self.prompts.not_understood)
        )
