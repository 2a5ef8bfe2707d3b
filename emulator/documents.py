"""Reading TwiML the way Twilio does: parse, enforce each context's allowed verbs, time it.

A wait document may only hold Play, Say, Pause, Gather, Redirect, Leave and Hangup; a Queue
noun's url document only Play, Say, Pause and Redirect. Anything else (or invalid XML) is a
`TwimlError`, which the emulator turns into QueueResult=error exactly as Twilio would, so
app bugs show up instead of being papered over. <Say> is timed by `emulator.speech`, a
syllable model independent of the app's own (hold_policies.durations), so the app's timing
assumptions are tested rather than echoed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from xml.etree import ElementTree

from emulator.ears import ears_for
from emulator.speech import speech_seconds

WAIT_VERBS = frozenset({"Play", "Say", "Pause", "Gather", "Redirect", "Leave", "Hangup"})
CONNECT_VERBS = frozenset({"Play", "Say", "Pause", "Redirect"})
NUMBER_URL_VERBS = frozenset({"Play", "Say", "Pause", "Gather", "Redirect", "Hangup"})
"""A Number noun's url runs on the answered leg before the bridge: it may inform the called
party or let them decline (<Gather>, <Hangup>); it may not <Dial> (Number doc)."""
GATHER_CHILDREN = frozenset({"Play", "Say", "Pause"})
CALL_VERBS = frozenset({"Play", "Say", "Pause", "Gather", "Redirect", "Leave", "Hangup",
                        "Enqueue", "Dial", "Reject", "Record", "Sms", "Connect"})


class TwimlError(ValueError):
    """A document Twilio would refuse in this context."""


@dataclass(frozen=True)
class Verb:
    name: str
    text: str
    attrs: dict[str, str]
    children: tuple[Verb, ...] = field(default=())

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)


@lru_cache(maxsize=4096)
def parse(xml: bytes, allowed: frozenset[str] = CALL_VERBS) -> tuple[Verb, ...]:
    """The top-level verbs of a <Response>, checked against `allowed` (memoised: the app
    answers the same few documents again and again; verbs are never modified)."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as error:
        raise TwimlError(f"invalid XML: {error}") from None
    if root.tag != "Response":
        raise TwimlError(f"root element is <{root.tag}>, not <Response>")
    verbs = tuple(_verb(node) for node in root)
    for verb in verbs:
        if verb.name not in allowed:
            raise TwimlError(f"<{verb.name}> is not allowed here (allowed: {sorted(allowed)})")
        if verb.name == "Gather":
            for child in verb.children:
                if child.name not in GATHER_CHILDREN:
                    raise TwimlError(f"<{child.name}> is not allowed inside <Gather>")
            _finish_key_not_offered(verb)
    return verbs


OFFERED = re.compile(r"\bpress ([0-9*#])", re.IGNORECASE)
"""A key a prompt asks the caller to press ("Press 2 ...", "press #"), in English; `offered`
reads them in the words' own language too."""


def offered(verbs: tuple[Verb, ...]) -> list[str]:
    """The keys the words of `verbs` ask for, in the order said, in English or in the
    language each <Say> is spoken in ("pulse 2": emulator.ears)."""
    return ears_for(said_in(verbs)).keys(spoken(verbs))


def said_in(verbs: tuple[Verb, ...]) -> set[str]:
    """The languages the words of `verbs` are spoken in (each <Say>'s `language`)."""
    return {said.get("language") or "" for verb in verbs for said in (verb, *verb.children)
            if said.name == "Say"} - {""}


def _finish_key_not_offered(gather: Verb) -> None:
    """Twilio ends a <Gather> on its finishOnKey ("#" unless set, "" for none) and leaves
    that key out of Digits: a one-key Gather offering it would post nothing for the key it
    asks for (a longer entry's "then press #" is what finishOnKey is for)."""
    finish = gather.get("finishOnKey", "#")
    if (finish and gather.get("numDigits") == "1"
            and finish in offered((gather,))):
        raise TwimlError(f"<Gather> offers the key {finish!r} but ends on it (finishOnKey "
                         f"{finish!r}): Twilio posts no Digits for it")


def _verb(node: ElementTree.Element) -> Verb:
    return Verb(node.tag, (node.text or "").strip(), dict(node.attrib),
                tuple(_verb(child) for child in node))


AudioSeconds = Callable[[str], float]
"""Length in seconds of the audio at a <Play> URL (the emulator fetches and measures it)."""


def seconds(verb: Verb, audio_s: AudioSeconds) -> float:
    """How long a verb plays when no key interrupts it."""
    if verb.name == "Say":
        return speech_seconds(verb.text) * int(verb.get("loop", "1") or 1)
    if verb.name == "Play":
        return audio_s(verb.text) * max(int(verb.get("loop", "1") or 1), 1)
    if verb.name == "Pause":
        return float(verb.get("length", "1"))
    if verb.name == "Gather":
        return sum(seconds(child, audio_s) for child in verb.children) + float(
            verb.get("timeout", "5"))
    return 0.0


def describe(verbs: tuple[Verb, ...]) -> str:
    """What a caller hears, in words: said text, [play URL] and [pause N s]."""
    parts = []
    for verb in verbs:
        for item in (verb, *verb.children):
            if item.name == "Say":
                parts.append(item.text)
            elif item.name == "Play":
                parts.append(f"[play {item.text}]")
            elif item.name == "Pause":
                parts.append(f"[pause {item.get('length', '1')} s]")
    return " ".join(parts)


def spoken(verbs: tuple[Verb, ...]) -> str:
    """Everything said, in order (including inside a Gather)."""
    texts = []
    for verb in verbs:
        if verb.name == "Say":
            texts.append(verb.text)
        texts += [child.text for child in verb.children if child.name == "Say"]
    return " ".join(texts)
