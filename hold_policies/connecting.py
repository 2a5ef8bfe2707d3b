"""What a caller hears as an agent takes them: thanks for waiting only after a wait.

A caller an agent takes as they ring (or within a few seconds) had heard "Thank you for
waiting" from the default `connecting`: hollow, since they had not waited. Before
THANKS_AFTER_S in line they hear the fixed `connecting_now` in the queue's language
("Connecting you to an agent now.") instead. An operator's own `connecting` is their words
for every caller, answered at once or not: holdwell does not swap it for its own text (in
another language, or without their greeting); write it without thanks to have none said.
"""

from __future__ import annotations

from hold_policies.base import Voice
from hold_policies.languages import language_of
from hold_policies.prompts import Prompts, prompts_in

THANKS_AFTER_S = 10.0
"""Seconds in line before "Thank you for waiting" is true: under it a caller heard at most the
welcome's first words (the welcome opens the first wait document, at QueueTime 0)."""


def waited(waited_s: float | None) -> bool:
    """Whether a caller in line `waited_s` waited, so thanks for waiting are true (None: not
    known, e.g. a callback's customer or a leg continuing an earlier wait, who did wait)."""
    return waited_s is None or waited_s >= THANKS_AFTER_S


def connecting_words(prompts: Prompts, voice: Voice, waited_s: float | None) -> str:
    """What is said just before the bridge to a caller in line `waited_s` (`waited`): the
    operator's `connecting`, or the language's own without thanks."""
    language = language_of(voice.language)
    if waited(waited_s) or prompts.connecting != prompts_in(language).connecting:
        return prompts.connecting
    return language.text("connecting_now")
