"""Which Amazon Polly voice speaks which language, so a queue's voice follows its language.

Twilio fails a <Say> whose voice cannot speak its language ("Using an invalid combination of
voice and language may result in error and <Say> instruction failure", TwiML <Say>). The
voice had defaulted to Polly.Joanna (American English) whatever the queue's language, so a
Spanish queue that set only `language = "es-ES"` was read, at best, by an English voice.
Names are Polly's voice IDs (ASCII, as Twilio takes them after "Polly."); a `-Neural` or
`-Generative` suffix speaks the same language. Source: Amazon Polly, "Available voices".
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from hold_policies.languages import shared_region

POLLY_LANGUAGE: dict[str, str] = {
    # English
    "Joanna": "en-US", "Salli": "en-US", "Kendra": "en-US", "Kimberly": "en-US",
    "Ivy": "en-US", "Joey": "en-US", "Justin": "en-US", "Kevin": "en-US", "Matthew": "en-US",
    "Ruth": "en-US", "Stephen": "en-US", "Danielle": "en-US", "Gregory": "en-US",
    "Amy": "en-GB", "Emma": "en-GB", "Brian": "en-GB", "Arthur": "en-GB",
    "Nicole": "en-AU", "Olivia": "en-AU", "Russell": "en-AU",
    "Aditi": "en-IN", "Raveena": "en-IN", "Kajal": "en-IN", "Geraint": "en-GB-WLS",
    "Niamh": "en-IE", "Aria": "en-NZ", "Ayanda": "en-ZA", "Jasmine": "en-SG",
    # Spanish
    "Lucia": "es-ES", "Conchita": "es-ES", "Enrique": "es-ES", "Sergio": "es-ES",
    "Mia": "es-MX", "Andres": "es-MX", "Lupe": "es-US", "Penelope": "es-US", "Miguel": "es-US",
    "Pedro": "es-US",
    # French
    "Lea": "fr-FR", "Celine": "fr-FR", "Mathieu": "fr-FR", "Remi": "fr-FR",
    "Chantal": "fr-CA", "Gabrielle": "fr-CA", "Liam": "fr-CA",
    # German
    "Vicki": "de-DE", "Marlene": "de-DE", "Hans": "de-DE", "Daniel": "de-DE",
    "Hannah": "de-AT",
    # Portuguese
    "Camila": "pt-BR", "Vitoria": "pt-BR", "Ricardo": "pt-BR", "Thiago": "pt-BR",
    "Ines": "pt-PT", "Cristiano": "pt-PT",
    # Italian, Dutch
    "Bianca": "it-IT", "Carla": "it-IT", "Giorgio": "it-IT", "Adriano": "it-IT",
    "Lotte": "nl-NL", "Ruben": "nl-NL", "Laura": "nl-NL", "Lisa": "nl-BE",
    # others Polly speaks
    "Naja": "da-DK", "Mads": "da-DK", "Sofie": "da-DK", "Ewa": "pl-PL", "Maja": "pl-PL",
    "Jacek": "pl-PL", "Jan": "pl-PL", "Ola": "pl-PL", "Tatyana": "ru-RU", "Maxim": "ru-RU",
    "Astrid": "sv-SE", "Elin": "sv-SE", "Liv": "nb-NO", "Ida": "nb-NO", "Filiz": "tr-TR",
    "Burcu": "tr-TR", "Carmen": "ro-RO", "Dora": "is-IS", "Karl": "is-IS", "Mizuki": "ja-JP",
    "Takumi": "ja-JP", "Kazuha": "ja-JP", "Tomoko": "ja-JP", "Seoyeon": "ko-KR",
    "Zhiyu": "cmn-CN", "Zeina": "arb", "Hala": "ar-AE", "Zayd": "ar-AE", "Gwyneth": "cy-GB",
    "Suvi": "fi-FI", "Jitka": "cs-CZ", "Arlet": "ca-ES", "Hiujin": "yue-CN",
}
"""Polly voice ID -> the one language (BCP-47, as Twilio takes it) it speaks."""

DEFAULT_VOICE: dict[str, str] = {
    "en-US": "Joanna", "en-GB": "Amy", "en-AU": "Nicole", "en-IN": "Aditi", "en-IE": "Niamh",
    "en-NZ": "Aria", "en-ZA": "Ayanda", "en-GB-WLS": "Geraint",
    "es-ES": "Lucia", "es-MX": "Mia", "es-US": "Lupe",
    "fr-FR": "Lea", "fr-CA": "Chantal", "de-DE": "Vicki", "de-AT": "Hannah",
    "pt-BR": "Camila", "pt-PT": "Ines", "it-IT": "Bianca", "nl-NL": "Lotte", "nl-BE": "Lisa",
    "da-DK": "Naja", "pl-PL": "Ewa", "ru-RU": "Tatyana", "sv-SE": "Astrid", "nb-NO": "Liv",
    "tr-TR": "Filiz", "ro-RO": "Carmen", "is-IS": "Dora", "ja-JP": "Mizuki", "ko-KR": "Seoyeon",
    "cmn-CN": "Zhiyu", "arb": "Zeina", "cy-GB": "Gwyneth", "fi-FI": "Suvi", "cs-CZ": "Jitka",
    "ca-ES": "Arlet",
}
"""A language's voice when a queue names none; a tag reading a region's shared table (es-AR,
es-419) takes the voice of the first region listed that reads it too (es-MX's Mia), so
Latin-American words are read in a Latin-American voice, not Spain's Lucia; a bare language
(es) or another region takes its first region's."""


def _primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def default_voice(language: str | None) -> str | None:
    """The Polly voice a queue speaking `language` gets when it names none; None (Twilio's
    own default voice, no voice attribute) for a language Polly has no voice for here."""
    if not language:
        return "Polly.Joanna"
    found = next((voice for tag, voice in DEFAULT_VOICE.items()
                  if tag.lower() == language.lower()), None)
    if found is None:  # es-AR or es-419: the first region listed that reads the same table
        region = (shared_region(language) or language).lower()
        found = next((voice for tag, voice in DEFAULT_VOICE.items()
                      if (shared_region(tag) or "").lower() == region), None)
    if found is None:  # es, or fr-BE: the language's first region listed
        found = next((voice for tag, voice in DEFAULT_VOICE.items()
                      if _primary(tag) == _primary(language)), None)
    return f"Polly.{found}" if found else None


def voice_language(voice: str | None) -> str | None:
    """The language a Polly voice speaks (None: not a Polly voice known here)."""
    if not voice or not voice.startswith("Polly."):
        return None
    name = voice.removeprefix("Polly.")
    for suffix in ("-Neural", "-Generative", "-LongForm"):
        name = name.removesuffix(suffix)
    return POLLY_LANGUAGE.get(name)


def said_language(voice: str | None, language: str | None) -> str | None:
    """The `language` attribute a <Say> in `voice` carries: a Polly voice's own tag where it
    speaks the queue's language in another region (Polly.Mia, es-MX, for an es-AR or es-419
    queue: Polly has no voice of those tags, and Twilio fails a <Say> whose voice and
    language do not go together), else the queue's language as written."""
    speaks = voice_language(voice)
    if speaks is None or not language or _primary(speaks) != _primary(language):
        return language
    return speaks


def mismatch(voice: str | None, language: str | None) -> str | None:
    """Why `voice` cannot say `language` (None: it can, or we cannot tell): a Polly voice
    speaks one language, and Twilio fails a <Say> that asks it for another."""
    speaks = voice_language(voice)
    if speaks is None or not language or _primary(speaks) == _primary(language):
        return None
    better = default_voice(language)
    instead = f'voice = "{better}"' if better else 'voice = "" (Twilio\'s default)'
    return (f"voice {voice} speaks {speaks}, but language is {language}: Twilio fails a "
            f"<Say> in a voice that cannot speak its language; set {instead}, another "
            f"{language} voice, or leave voice out to have the language's own")


def unknown_polly_voice(voice: str | None) -> str | None:
    """Why a Polly voice named here may be a typo (None: known, or not a Polly voice): a
    name Polly lacks makes Twilio fail every <Say> in it, and `Polly.Joana` had passed every
    check. A warning, not a refusal: Amazon adds voices this table does not list yet."""
    if not voice or not voice.startswith("Polly.") or voice_language(voice) is not None:
        return None
    name = voice.removeprefix("Polly.").split("-", 1)[0]
    near = difflib.get_close_matches(name, POLLY_LANGUAGE, n=1, cutoff=0.7)
    guess = f" (did you mean Polly.{near[0]}?)" if near else ""
    return (f"not an Amazon Polly voice holdwell knows{guess}: Twilio fails every <Say> in "
            "a voice Polly lacks, so its callers would hear nothing; check the name against "
            "Polly's voice list")


def voice_heard(queue_body: Mapping[str, Any]) -> str | None:
    """The voice a queue's callers hear, from the queue as a version stores it: the one set
    (`""`: none, Twilio's own), else the language's own, else Polly.Joanna for a queue with
    no language (QueueConfig._settle fills a voice left out by this rule)."""
    if "voice" in queue_body:
        return queue_body["voice"] or None
    language = queue_body.get("language", "en-US")
    return default_voice(language) if language else "Polly.Joanna"
