"""Every word a queue's callers and agents may hear, checked against what Twilio takes.

Each text, and each group of texts said together in one <Say>, must fit the queue's voice
(hold_policies.say_limits); and all the words one arm may say, weighed as TwiML, must leave
room in one 64,000-byte answer, however the calls go. Placeholders count at their longest
(prompts.LONGEST_FILL). Run when words are saved or checked (AS_WRITTEN), never when a
stored version is loaded to run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import NamedTuple, Protocol

from hold_policies.closed_line import ClosedLine
from hold_policies.languages import language_of
from hold_policies.overflow_rules import MESSAGES_TOLD, Overflow
from hold_policies.prompts import filled_at_longest, prompts_in
from hold_policies.say_limits import (
    TWIML_FRAME_BYTES,
    TWIML_MAX_BYTES,
    say_problem,
    twiml_bytes,
)


class Table(Protocol):
    """A table of words in the config: which of them the operator set."""

    model_fields_set: set[str]


class HasWords(Table, Protocol):
    words: Table


class Variant(Protocol):
    prompts: Table


class SpeakingQueue(Protocol):
    """What this module reads of a queue's config (hold_policies.config.QueueConfig, which
    imports this module)."""

    voice: str | None
    language: str | None
    prompts: Table
    variants: Mapping[str, Variant]
    hours: HasWords | None
    overflow: HasWords | None

    def heard_names(self) -> set[str]: ...

    def prompt_overrides(self, name: str) -> dict[str, str]: ...

    def base_policy(self, name: str) -> str: ...

    def closed_line(self) -> ClosedLine | None: ...

    def overflow_rules(self) -> Overflow | None: ...

SAID_TOGETHER: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("prompts.apology",), ("prompts.position", "prompts.next_in_line"), ("prompts.wait",),
     ("prompts.keep_waiting",),
     ("prompts.callback_offer", "prompts.callback_offer_no_estimate",
      "prompts.closed_while_waiting")),  # no callback is offered once the line has closed
    (("prompts.agent_caller_reason",), ("prompts.agent_caller_position",),
     ("prompts.agent_caller_promised",)),
    (("overflow.words.sorry", "overflow.words.full", "overflow.words.still"),
     ("overflow.words.callback", "overflow.words.full_callback"),
     ("overflow.words.voicemail",), ("overflow.words.stay",)),
)
"""Texts joined into one <Say>, one of each slot's alternatives: the check-in
(CheckinPolicy.checkin), the agent's briefing (app.voice.reason.words) and the overflow's
offer (Overflow.menu)."""
SAID_MORE_THAN_ONCE = {"overflow.words.agent_transcript": MESSAGES_TOLD}
"""Texts one answer may say several times: each of the messages an agent hears."""


class Said(NamedTuple):
    """A text as it is said, and the key an operator sets it with."""

    text: str
    key: str


DEFAULT = " (default)"
"""Marks the key of a text the operator left to holdwell's default."""


def _table(prefix: str, words: dict[str, str], set_at: dict[str, str]) -> dict[str, Said]:
    return {f"{prefix}.{name}": Said(text, set_at.get(name, f"{prefix}.{name}{DEFAULT}"))
            for name, text in words.items()}


def words_of(queue: SpeakingQueue, arm: str) -> dict[str, Said]:
    """Every text a caller of `arm` (a policy or variant) and its agents may hear."""
    set_at = {name: "prompts." + name for name in queue.prompts.model_fields_set}
    variant = queue.variants.get(arm)
    if variant is not None:
        set_at |= {n: f"variants.{arm}.prompts.{n}" for n in variant.prompts.model_fields_set}
    language = language_of(queue.language)
    prompts = prompts_in(language, **queue.prompt_overrides(arm))
    words = asdict(prompts) | {"welcome": prompts.welcome_for(queue.base_policy(arm),
                                                              language=language)}
    said = _table("prompts", words, set_at)
    if queue.hours is not None and (line := queue.closed_line()) is not None:
        closed = {n: f"hours.words.{n}" for n in queue.hours.words.model_fields_set}
        said |= _table("hours.words", asdict(line.words), closed)
    if queue.overflow is not None and (rules := queue.overflow_rules()) is not None:
        told = {n: f"overflow.words.{n}" for n in queue.overflow.words.model_fields_set}
        said |= _table("overflow.words", asdict(rules.words), told)
    return said


def _said_together(said: dict[str, Said]) -> Iterable[tuple[str, list[Said]]]:
    """Each text alone, then each group said in one <Say>, at its longest."""
    for said_alone in said.values():
        yield filled_at_longest(said_alone.text), [said_alone]
    for group in SAID_TOGETHER:
        slots = [[said[key] for key in slot if key in said] for slot in group]
        longest = [max(slot, key=lambda s: len(filled_at_longest(s.text).encode()))
                   for slot in slots if slot]
        yield " ".join(filled_at_longest(s.text) for s in longest), longest


def say_problems(queue: SpeakingQueue) -> list[str]:
    """Why a text (or texts said together) would not be said in the queue's voice."""
    problems: dict[str, str] = {}
    for arm in sorted(queue.heard_names() | set(queue.variants)):
        for text, parts in _said_together(words_of(queue, arm)):
            if (problem := say_problem(text, queue.voice)) is None:
                continue
            keys = " + ".join(p.key for p in parts)
            together = " said together" if len(parts) > 1 else ""
            problems.setdefault(keys, f"{keys}{together}: {problem}; shorten it")
    return list(problems.values())


def answer_problem(queue: SpeakingQueue) -> str | None:
    """Why one answer could pass Twilio's 64,000 bytes: all an arm's words, as if said at
    once (no answer says them all, so this errs safe), with placeholders at their longest
    in a character XML escapes longest, and room for the answer's frame."""
    budget = TWIML_MAX_BYTES - TWIML_FRAME_BYTES
    for arm in sorted(queue.heard_names() | set(queue.variants)):
        said = words_of(queue, arm)
        sizes = {name: twiml_bytes(filled_at_longest(s.text, "&"))
                 * SAID_MORE_THAN_ONCE.get(name, 1) for name, s in said.items()}
        if sum(sizes.values()) > budget:
            largest = sorted(sizes, key=sizes.__getitem__, reverse=True)[:3]
            named = ", ".join(f"{said[name].key} ({sizes[name]:,})" for name in largest)
            return (f"the words {arm!r} may say come to {sum(sizes.values()):,} bytes of TwiML "
                    f"at their longest; with the answer's own {TWIML_FRAME_BYTES:,} that could "
                    f"pass the {TWIML_MAX_BYTES:,} Twilio takes in one answer (error 11750, "
                    f"the call fails); shorten the longest: {named}")
    return None


EVERY_CALLER_HEARS: dict[str, tuple[str, ...]] = {
    "silence": ("prompts.welcome", "prompts.connecting"),
    "checkin": ("prompts.welcome", "prompts.apology", "prompts.position",
                "prompts.next_in_line", "prompts.wait", "prompts.keep_waiting",
                "prompts.connecting"),
    "callback": ("prompts.welcome", "prompts.apology", "prompts.position",
                 "prompts.next_in_line", "prompts.wait", "prompts.keep_waiting",
                 "prompts.callback_offer", "prompts.callback_offer_no_estimate",
                 "prompts.connecting"),
    "music_ads": ("prompts.welcome", "prompts.legacy_message", "prompts.connecting"),
}
"""What every caller in line under each policy hears (its welcome, its check-in's or
message's words, and "connecting" when an agent answers, app.voice.routes): the texts a
queue in another language must not leave in English."""


class LeftInEnglish(NamedTuple):
    """Texts of a queue left to holdwell's defaults, which are English: `heard`, what every
    caller in line hears under the queue's policies; `others`, how many more it may say
    (callback confirmations, agents' briefings, closed and overflow words)."""

    heard: list[str]
    others: int


def left_in_english(queue: SpeakingQueue) -> LeftInEnglish:
    """The texts the operator left to holdwell's (English) defaults, those every caller
    hears named: counting all 44 a queue may say had named callback and agent texts a
    silence queue never says, and could not be silenced short of writing every one. None in a
    language with defaults of its own (languages.WORD_TABLES): those are its words."""
    if language_of(queue.language).own_defaults:
        return LeftInEnglish([], 0)
    heard: dict[str, None] = {}
    others: set[str] = set()
    for arm in sorted(queue.heard_names() | set(queue.variants)):
        said = words_of(queue, arm)
        everyone = EVERY_CALLER_HEARS.get(queue.base_policy(arm), ())
        for key, text in said.items():
            if text.key.endswith(DEFAULT):
                if key in everyone:
                    heard[key] = None
                else:
                    others.add(key)
    return LeftInEnglish(list(heard), len(others - set(heard)))
