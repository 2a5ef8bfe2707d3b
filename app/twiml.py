"""Render policy segments as TwiML, only through twilio.twiml.voice_response.

Each step maps to one verb; a wait document only ever holds the verbs Twilio allows there
(Play, Say, Pause, Gather, Redirect, Leave, Hangup).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from flask import Response
from twilio.twiml.voice_response import Gather, VoiceResponse

from hold_policies.base import Voice
from hold_policies.say_limits import TWIML_MAX_BYTES
from hold_policies.steps import (
    AskSpeech,
    Hangup,
    Leave,
    OfferKeys,
    Pause,
    Play,
    Say,
    Segment,
    Step,
)
from hold_policies.voices import said_language
from hold_policies.xml_text import without_xml_invalid

log = logging.getLogger("holdwell.voice")
AudioUrl = Callable[[str], str | None]
"""Maps an audio name to a URL Twilio can GET, or None when the clip is unavailable."""

WAIT_VERBS = frozenset({"Play", "Say", "Pause", "Gather", "Redirect", "Leave", "Hangup"})


def no_audio(_name: str) -> str | None:
    return None


def add_step(
    parent: VoiceResponse | Gather, step: Step, *, choice_url: str, audio_url: AudioUrl
) -> None:
    """Append one step to `parent`; a missing audio clip becomes silence of the same length,
    and words left empty (a prompt set to "") are left out."""
    match step:
        case Say(text=text, voice=voice, language=language):
            if text.strip():  # a prompt configured "" means no words
                parent.say(text, voice=voice,  # an empty <Say> is Twilio's warning 13520
                           language=said_language(voice, language))
        case Play(audio=audio, expected_s=seconds):
            url = audio if step.is_external else audio_url(audio)
            if url:
                parent.play(url)
            else:
                parent.pause(length=max(int(round(seconds)), 1))
        case Pause(seconds=seconds):
            parent.pause(length=max(int(seconds), 1))
        case OfferKeys(prompt=prompt, timeout_s=timeout):
            gather = one_key(parent, timeout=timeout, action=choice_url)
            for inner in prompt:
                add_step(gather, inner, choice_url=choice_url, audio_url=audio_url)
        case AskSpeech():
            ask_speech(parent, step, choice_url=choice_url, audio_url=audio_url)
        case Leave():
            parent.leave()
        case Hangup():
            parent.hangup()
        case _:
            raise TypeError(f"not a step: {step!r}")


def one_key(parent: VoiceResponse | Gather, **attributes: object) -> Gather:
    """A <Gather> of one key, posted to its action: finishOnKey="" so that every key, "#"
    too, is that key (Twilio's default finishOnKey "#" ends the Gather and leaves the key
    out of Digits, and config lets an operator offer "#")."""
    return parent.gather(input="dtmf", num_digits=1, finish_on_key="", method="POST",
                         **attributes)


def ask_speech(parent: VoiceResponse | Gather, step: AskSpeech, *, choice_url: str,
               audio_url: AudioUrl) -> None:
    """A speech-only Gather to the same action as keys (its SpeechResult tells them apart);
    no answer simply carries on with the document. speechTimeout is given in seconds:
    "auto" is refused with Twilio's default speech model (warning 13335)."""
    gather = parent.gather(input="speech", action=choice_url, method="POST",
                           timeout=step.timeout_s, speech_timeout=step.speech_end_s,
                           max_speech_time=step.max_speech_s, language=step.language,
                           hints=step.hints)
    for inner in step.prompt:
        add_step(gather, inner, choice_url=choice_url, audio_url=audio_url)


def say(parent: VoiceResponse | Gather, voice: Voice, text: str) -> None:
    """`text` in the queue's voice: how the app speaks outside a policy's own segments."""
    add_step(parent, voice.say(text), choice_url="", audio_url=no_audio)


def say_and_hang_up(response: VoiceResponse, voice: Voice, text: str) -> VoiceResponse:
    """`text` as the last words of a call we end (outside a queue: closed, full, kept)."""
    say(response, voice, text)
    response.hangup()
    return response


def render_segment(
    segment: Segment, *, choice_url: str, audio_url: AudioUrl = no_audio
) -> VoiceResponse:
    response = VoiceResponse()
    render_steps(response, segment.steps, choice_url=choice_url, audio_url=audio_url)
    return response


def render_steps(
    response: VoiceResponse, steps: Iterable[Step], *, choice_url: str, audio_url: AudioUrl
) -> VoiceResponse:
    for step in steps:
        add_step(response, step, choice_url=choice_url, audio_url=audio_url)
    return response


def spoken_text(segment: Segment) -> str:
    """Everything a segment says, for the call log."""
    texts: list[str] = []
    for step in segment.steps:
        inner = step.prompt if isinstance(step, OfferKeys | AskSpeech) else (step,)
        texts.extend(s.text for s in inner if isinstance(s, Say))
    return " ".join(texts)


CHARACTER_REFERENCE = re.compile(r"&#([0-9]{1,7});")
"""How ElementTree writes a character UTF-8 cannot encode (a lone surrogate); text's own `&`
is written `&amp;`, so every match was written by ElementTree."""


def _unless_xml_forbids(found: re.Match[str]) -> str:
    code = int(found.group(1))
    forbidden = code > 0x10FFFF or not without_xml_invalid(chr(code))
    return "" if forbidden else found.group()


def well_formed(xml: str) -> str:
    """`xml` without what XML 1.0 forbids: a control character is written as itself and a lone
    surrogate as a character reference, and either makes the whole document unreadable."""
    return CHARACTER_REFERENCE.sub(_unless_xml_forbids, without_xml_invalid(xml))


class TwimlTooLarge(RuntimeError):
    """An answer Twilio would refuse: the route answers its safe TwiML instead."""


def twiml_response(response: VoiceResponse | str) -> Response:
    """The document Twilio gets, never unreadable: every voice route answers through here, so
    words a config stored before the check held (or any other text) cannot make Twilio end the
    caller's wait; the forbidden characters are dropped once, for the whole document. One
    longer than Twilio takes raises, so the route's safe answer goes instead."""
    xml = str(response)
    safe = well_formed(xml)
    if safe != xml:
        log.warning("dropped characters XML 1.0 forbids from a TwiML answer; check the config's "
                    "words")
    body = safe.encode()
    if len(body) > TWIML_MAX_BYTES:
        raise TwimlTooLarge(f"a TwiML answer of {len(body)} bytes, over Twilio's "
                            f"{TWIML_MAX_BYTES}")
    return Response(body, mimetype="text/xml")


TWIML_CACHE_LIMIT = 10_000


def cached_twiml(cache: dict[tuple, str], key: tuple, build: Callable[[], VoiceResponse]) -> str:
    """Rendered TwiML for a document already built once: policies are pure, so the same
    segment and URLs always render the same XML (a busy queue re-polls the same few)."""
    xml = cache.get(key)
    if xml is None:
        if len(cache) >= TWIML_CACHE_LIMIT:
            cache.clear()
        xml = cache[key] = str(build())
    return xml
