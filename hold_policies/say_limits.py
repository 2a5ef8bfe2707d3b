"""How many words Twilio takes: in one <Say>, by voice, and in one TwiML answer.

Sources (Twilio's docs): warning 13521, "<Say> element character limits exceeded"
(https://www.twilio.com/docs/api/errors/13521): Amazon Polly voices take at most 3,000 "UTF-8
single byte characters", Google voices 5,000, the basic voices (man, woman, alice) 4,096, and
"the URL-encoded string cannot exceed 4500 characters" (counted as a form encodes it, a space
as "+"). Error 11750: a TwiML answer over 64,000 bytes is refused and the call fails. Checked
when words are saved, so no caller meets them; a stored version still loads (AS_WRITTEN).
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import quote_plus
from xml.sax.saxutils import escape

TWIML_MAX_BYTES = 64_000
"""Twilio refuses a longer TwiML answer (error 11750) and fails the call."""
TWIML_FRAME_BYTES = 8_000
"""Room in one answer for everything but the configured words: verbs, attributes, the action
and wait URLs, the app's own fixed sentences (measured: under 300 bytes for a welcome, a
check-in and an overflow offer, in tests/app/test_say_limits_live.py)."""
SAY_URL_ENCODED_MOST = 4_500
"""Warning 13521: a <Say>'s text, URL-encoded, may not exceed 4,500 characters."""


class SayLimit(NamedTuple):
    """The most UTF-8 bytes one <Say> takes in a family of voices, and the family's name."""

    most_bytes: int
    voices: str


POLLY = SayLimit(3_000, "Amazon Polly voices (Polly.*)")
GOOGLE = SayLimit(5_000, "Google voices (Google.*)")
BASIC = SayLimit(4_096, "basic voices (man, woman, alice, or Twilio's default)")


def say_limit(voice: str | None) -> SayLimit:
    """The limit of the voice a queue speaks in (None: Twilio's default, a basic voice)."""
    if voice and voice.startswith("Polly."):
        return POLLY
    if voice and voice.startswith("Google."):
        return GOOGLE
    return BASIC


def say_problem(text: str, voice: str | None) -> str | None:
    """Why Twilio would not say `text` in one <Say> in `voice` (None: it would)."""
    limit = say_limit(voice)
    size = len(text.encode("utf-8"))
    if size > limit.most_bytes:
        return (f"{size:,} characters (UTF-8 bytes), but Twilio's {limit.voices} say at most "
                f"{limit.most_bytes:,} in one <Say> (warning 13521; this queue's voice: "
                f"{voice or 'the default'})")
    encoded = len(quote_plus(text))
    if encoded > SAY_URL_ENCODED_MOST:
        return (f"{encoded:,} characters once URL-encoded, but Twilio says at most "
                f"{SAY_URL_ENCODED_MOST:,} in one <Say> (warning 13521)")
    return None


def twiml_bytes(text: str) -> int:
    """Bytes `text` takes inside a TwiML answer: UTF-8, with &, < and > escaped."""
    return len(escape(text).encode("utf-8"))
