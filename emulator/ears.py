"""What a virtual caller understands, in English and in the language each <Say> is spoken in.

The English patterns are written by hand: they match holdwell's default English prompts and
catch an operator's own English wording that keeps their key phrases ("press 2", "number 3
in line", "within 15 minutes"). A queue in a language with defaults of its own (Spanish,
Portuguese, Italian, French, German, Dutch: hold_policies/languages.toml) says none of
them, so each such language's patterns are derived from its own defaults, never written
twice: every English pattern is tried on each English default (filled with sample values),
and where it matches, the language's default of the same name becomes a pattern, its
placeholders any words; the placeholder the English pattern captured (a key, the position)
becomes the capture. A default's literal key ("press 1 to confirm") counts as a placeholder
of its own, numbered in order. The press word is the one the language puts before its key
placeholders ("pulse", Latin America's "oprima", "tecle", "prima", "prema", "tapez", "Taste",
"toets"); a region's table (es-419, pt-PT) is understood with its language's; the wait is
the language's own `within` phrase around its own minutes ("en un máximo de 15 minutos",
"entro 1 minuto", "binnen 15 minuten"), read as the English "within N
minutes" is ("an hour" and the open-ended wait are no number of minutes, in any language).

Which language a document is in is read from its <Say language="..."> attributes; English
is always understood as well. Custom wording in another language that leaves the defaults'
sentences informs the virtual caller less, as custom English wording without the key
phrases does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from functools import lru_cache

from hold_policies.closed_line import ClosedWords
from hold_policies.languages import ENGLISH, Language, is_english_region, language_of
from hold_policies.overflow_rules import OverflowWords
from hold_policies.prompts import WELCOME_BY_POLICY, Prompts

KEY = r"[0-9*#]"
FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class Ears:
    """The patterns of what a caller understands; each a tuple (several languages may be
    heard in one document). A pattern with groups yields its first group that matched."""

    position: tuple[re.Pattern[str], ...]  # the caller's number in line
    next_in_line: tuple[re.Pattern[str], ...]
    wait: tuple[re.Pattern[str], ...]  # the wait in whole minutes
    apology: tuple[re.Pattern[str], ...]
    advert: tuple[re.Pattern[str], ...]
    callback: tuple[re.Pattern[str], ...]  # a callback is spoken of
    overflow: tuple[re.Pattern[str], ...]  # the overflow offer (waited too long, line full)
    overflow_callback: tuple[re.Pattern[str], ...]  # the callback's key in the offer
    voicemail: tuple[re.Pattern[str], ...]  # the message's key
    offered: tuple[re.Pattern[str], ...]  # any key a prompt asks for ("press N")
    number_check: tuple[re.Pattern[str], ...]  # the number read back for a callback
    number_entry: tuple[re.Pattern[str], ...]  # asked to key in a number
    keep_callback: tuple[re.Pattern[str], ...]  # ringing back: the key that keeps it
    wait_instead: tuple[re.Pattern[str], ...]  # ringing back: the key that waits instead

    def __add__(self, other: Ears) -> Ears:
        return Ears(**{f.name: getattr(self, f.name) + tuple(
            p for p in getattr(other, f.name) if p not in getattr(self, f.name))
            for f in fields(self)})

    def heard(self, concept: str, text: str) -> bool:
        return any(p.search(text) for p in getattr(self, concept))

    def first(self, concept: str, text: str) -> str | None:
        """The capture of the earliest match of `concept` in `text` (None: none)."""
        found = [match for p in getattr(self, concept) if (match := p.search(text))]
        if not found:
            return None
        match = min(found, key=lambda m: m.start())
        return next((g for g in match.groups() if g is not None), None)

    def keys(self, text: str) -> list[str]:
        """Every key offered in `text`, in the order said."""
        found = sorted((m.start(), next(g for g in m.groups() if g is not None))
                       for p in self.offered for m in p.finditer(text))
        return [key for _, key in found]


def _one(pattern: str) -> tuple[re.Pattern[str], ...]:
    return (re.compile(pattern, FLAGS),)


ENGLISH_EARS = Ears(
    position=_one(r"\bnumber (\d+) in line"),
    next_in_line=_one(r"\bnext in line\b"),
    wait=_one(r"\bwithin (\d+) minutes?\b"),
    apology=_one(r"\bsorry\b|important to us"),
    advert=_one(r"did you know|our website|special offer"),
    callback=_one(r"call you back"),
    overflow=_one(r"waited so long|line is full"),
    overflow_callback=_one(r"\bpress (\d|\*|#) and we will call you back"),
    voicemail=_one(r"\bpress (\d|\*|#) to leave a message"),
    offered=_one(rf"\bpress ({KEY})"),
    number_check=_one(r"call you back at"),
    number_entry=_one(r"key in the number"),
    keep_callback=_one(rf"\bto keep it, press ({KEY})"),
    wait_instead=_one(rf"\bwait on the line\b[^.]*?\bpress ({KEY})"),
)
"""The English patterns (the emulator's own since it was written)."""

SAMPLES = {"position": "17", "keep_key": "4", "callback_key": "5", "voicemail_key": "6",
           "wait": "15 minutes", "number": "ending 0199", "opens": "tomorrow at 8 AM",
           "minutes": "5 minutes", "every": "about once a minute", "reason": "my order",
           "text": "my order"}
"""What fills the English defaults to try the English patterns on; each key's is its own,
so what a pattern captured names its placeholder."""
LITERAL_KEYS = ("7", "8", "9", "0")
"""The samples of a default's literal keys, the first said, the second... ("_key0"...)."""
GROUPS = {"position": r"\d+"}
"""A captured placeholder's pattern (a key's: KEY)."""
PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")


def english_defaults() -> dict[str, str]:
    """holdwell's English defaults a caller may hear, by table.name."""
    tables = {"prompts": {k: v for k, v in asdict(Prompts()).items() if k != "welcome"},
              "closed_line": asdict(ClosedWords()), "overflow": asdict(OverflowWords()),
              "welcome": WELCOME_BY_POLICY, "fixed": ENGLISH.fixed}
    return {f"{table}.{name}": text for table, texts in tables.items()
            for name, text in texts.items()}


def own_defaults(language: Language) -> dict[str, str]:
    """`language`'s own words a caller may hear, by the same names (its fixed texts, and its
    defaults where it has them; not the texts, which are sent, not said)."""
    tables = {name: table for name, table in language.words.items() if name != "texts"}
    return {f"{table}.{name}": text for table, texts in {**tables, "fixed": language.fixed
                                                         }.items()
            for name, text in texts.items()}


def press_words(language: Language) -> set[str]:
    """The words `language`'s defaults put before a key placeholder ("pulse {keep_key}")."""
    return {word.lower() for text in own_defaults(language).values()
            for word in re.findall(r"(\w+) \{(?:keep|callback|voicemail)_key\}", text)}


def _literal_keys(text: str, words: Iterable[str]) -> str:
    """`text` with each literal key after a press word made a placeholder of its own, in
    order ("press 1 ... press 2": "press {_key0} ... press {_key1}")."""
    if not (alternatives := "|".join(re.escape(w) for w in sorted(words))):
        return text
    count = iter(range(len(LITERAL_KEYS)))
    return re.sub(rf"\b({alternatives})(\s+)({KEY})(?!\w)",
                  lambda m: f"{m[1]}{m[2]}{{_key{next(count)}}}", text, flags=FLAGS)


def _sample(name: str) -> str:
    return LITERAL_KEYS[int(name[4:])] if name.startswith("_key") else SAMPLES.get(name, "x")


def _as_pattern(template: str, language: Language, capture: str | None) -> str:
    """A default as a pattern of what is said: its placeholders any words, `capture` the
    group. A wait is either the band or the open-ended wait (which replaces `within`)."""
    template = template.strip()
    if language.within and language.open_ended:
        template = template.replace(language.within, "{wait}")
    parts = []
    for n, part in enumerate(PLACEHOLDER.split(template)):
        if n % 2 == 0:
            parts.append(re.escape(part))
        elif part == capture:
            parts.append(f"({GROUPS.get(part, KEY)})")
        else:
            parts.append(".+?")
    return "".join(parts)


def _derived(english: re.Pattern[str], language: Language) -> tuple[re.Pattern[str], ...]:
    """`english`, in `language`: its defaults of the names whose English default it matches."""
    theirs, en_words, own_words = own_defaults(language), {"press"}, press_words(language)
    found: list[str] = []
    for name, text in english_defaults().items():
        if name not in theirs:
            continue
        mine, own = _literal_keys(text, en_words), _literal_keys(theirs[name], own_words)
        match = english.search(PLACEHOLDER.sub(lambda m: _sample(m[1]), mine))
        if match is None:
            continue
        capture = None
        if english.groups:
            value = next((g for g in match.groups() if g is not None), None)
            capture = next((p for p in PLACEHOLDER.findall(mine) if _sample(p) == value), None)
            if capture is None or f"{{{capture}}}" not in own:
                continue
        if (pattern := _as_pattern(own, language, capture)) not in found:
            found.append(pattern)
    return (re.compile("|".join(f"(?:{p})" for p in found), FLAGS),) if found else ()


def _wait(language: Language) -> tuple[re.Pattern[str], ...]:
    """The language's `within` phrase around its minutes ("en un máximo de 15 minutos")."""
    if not language.within or "{wait}" not in language.within:
        return ()
    before, after = (re.escape(part) for part in language.within.split("{wait}", 1))
    minutes = re.escape(language.minutes).replace(re.escape("{n}"), r"(\d+)")
    one = re.escape(language.one_minute)
    one = one.replace("1", "(1)", 1) if "1" in language.one_minute else None
    band = "|".join(f"(?:{p})" for p in (minutes, one) if p)
    return (re.compile(rf"{before}(?:{band}){after}\b", FLAGS),)


@lru_cache(maxsize=32)
def ears_of(code: str) -> Ears:
    """What a caller of built-in language `code` understands besides English (nothing more
    where the language has no words of its own). A region's caller (es-419's, pt-PT's)
    understands its language's words too: an operator of an es-MX queue may write Spain's
    "pulse 2", which its virtual callers understood before es-MX had words of its own."""
    language = language_of(code)
    if language is ENGLISH or is_english_region(language.code):
        return ENGLISH_EARS
    words = press_words(language)
    own = {f.name: _derived(getattr(ENGLISH_EARS, f.name)[0], language)
           for f in fields(Ears)}
    own["wait"] = _wait(language) if language.own_defaults else ()
    own["offered"] = (re.compile(rf"\b(?:{'|'.join(map(re.escape, sorted(words)))})\s+({KEY})",
                                 FLAGS),) if words else ()
    ears = ENGLISH_EARS + Ears(**own)
    primary = language.code.split("-")[0]
    return ears if primary == language.code else ears + ears_of(primary)


def ears_for(tags: Iterable[str | None]) -> Ears:
    """What a caller understands of words spoken in the `tags` (a <Say>'s `language`
    attributes; none: English)."""
    ears = ENGLISH_EARS
    for code in sorted({language_of(tag).code for tag in tags if tag}):
        ears = ears + ears_of(code)
    return ears
