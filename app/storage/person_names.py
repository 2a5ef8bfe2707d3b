"""What a person's name may be, and when two names read as one: the audit log and the
People page name people, so a name must show and must not pass for someone else's."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from confusable_homoglyphs import categories, confusables

from hold_policies.unseen_text import INVISIBLE_CATEGORIES

MAX_NAME_LENGTH = 64

UNSEEN = INVISIBLE_CATEGORIES
"""Unicode categories no name may hold: controls (a line break split audit lines, U+0085
too), formatting (zero-width, direction overrides that turned a flash message around),
line and paragraph separators, surrogates, private and unassigned code points."""

SHARED_SCRIPTS = frozenset({"COMMON", "INHERITED"})
"""Digits, punctuation and combining marks: every script's words may hold them."""

MIXES_PEOPLE_WRITE = (frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
                      frozenset({"LATIN", "HAN", "BOPOMOFO"}),
                      frozenset({"LATIN", "HAN", "HANGUL"}))
"""The mixes of scripts one word may hold beyond a single script (Unicode TR39's "highly
restrictive" level): Japanese, Chinese and Korean writing mix these, and none of them holds
look-alikes of another's letters, as Latin, Cyrillic and Greek do ("pаypal")."""


def unseen_char(char: str) -> bool:
    category = unicodedata.category(char)
    return category in UNSEEN or (category == "Zs" and char != " ")


def same_name(name: str) -> str:
    """The name as stored and looked up: composed (NFC), so "á" typed either way is one."""
    return unicodedata.normalize("NFC", name)


def readable(text: str, most: int | None = None) -> str:
    """`text` with what would not show escaped (\\u200b), cut before the character that
    would pass `most` characters: for the audit log's "on" of a failed sign-in, which anyone
    can type (escaped, 64 invisible characters had not fit the column: a 500 on PostgreSQL,
    and nothing audited)."""
    shown: list[str] = []
    length = 0
    for char in text:
        part = char.encode("unicode_escape").decode("ascii") if unseen_char(char) else char
        length += len(part)
        if most is not None and length > most:
            break
        shown.append(part)
    return "".join(shown)


LOOK_ALIKES_KEPT = 4096
"""Characters whose look-alike is remembered: sign-in names anyone types reach it (the
throttle's key), so it is bounded (a name's few letters fit many times over)."""


@lru_cache(maxsize=LOOK_ALIKES_KEPT)
def _ascii_look_alike(char: str) -> str:
    """The ASCII letter `char` passes for, in its own case or the other ("а" → "a", "к" as
    "К" → "K", a dotless "ı" → "i"), else `char`: digits and marks every script shares stay
    ("b0b" is not "bob"), as do letters with no ASCII twin ("é": "José" is not "Jose")."""
    if char.isascii() or categories.alias(char) in SHARED_SCRIPTS:
        return char
    for form in dict.fromkeys((char, char.upper(), char.lower())):
        found = confusables.is_confusable(form, greedy=True) if len(form) == 1 else None
        twins = [glyph["c"] for glyph in (found[0]["homoglyphs"] if found else ())
                 if len(glyph["c"]) == 1 and glyph["c"].isascii() and glyph["c"].isalpha()]
        if twins:
            return twins[0]
    return char


def reads_as(name: str) -> str:
    """What `name` reads as to a person: any case or width ("Ａna", "ANA" read "ana") and
    look-alikes of ASCII letters, of other scripts or of Latin's own (a Cyrillic "АСЕ" or
    "асе" reads "ace", "admın" with a dotless ı "admin"). Two names that read alike clash on
    adding (Unicode TR39's skeleton, kept to ASCII twins). Case is folded after the mapping
    and the mapping tries both cases, so "Коля" and "коля" read alike too."""
    wide_folded = unicodedata.normalize("NFKC", name)
    mapped = "".join(_ascii_look_alike(char) for char in wide_folded)
    return mapped.replace("I", "l").casefold()  # a capital I is an l, as TR39 has it: the
    # Greek and Cyrillic capital I's only twin is "l", so "ΙΚΕΑ" had not read as "IKEA"


def read_alike(one: str, other: str) -> bool:
    """Whether two names read as one: alike through look-alikes (`reads_as`), or the same
    in any case or width (the unique key's rule, so a clash is told by name, not by the
    key: "іван" beside "Іван" had been "already exists, or one differing only in case")."""
    def folded(name: str) -> str:
        return unicodedata.normalize("NFKC", name).casefold()

    return reads_as(one) == reads_as(other) or folded(one) == folded(other)


def _scripts(word: str) -> frozenset[str]:
    return frozenset(categories.alias(char) for char in word) - SHARED_SCRIPTS


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a person's (None: it can): 1 to 64 characters, all showing (no
    controls, zero-width or direction marks, separators, spaces but plain ones), none
    around it, and no word mixing scripts whose letters look alike ("pаypal" with a
    Cyrillic "а"). One script a word ("Ivan Петров") or a mix people write ("山田たろう")
    is fine."""
    if not name or name != name.strip() or len(name) > MAX_NAME_LENGTH or any(
            unseen_char(char) for char in name):
        return (f"name must be 1 to {MAX_NAME_LENGTH} characters, all of them showing (no "
                "control, zero-width or direction characters, no spaces but plain ones, "
                f"none around it) (got {name[:80]!r})")
    for word in name.split(" "):
        scripts = _scripts(word)
        if len(scripts) > 1 and not any(scripts <= mix for mix in MIXES_PEOPLE_WRITE):
            mixed = " and ".join(script.capitalize() for script in sorted(scripts))
            return (f"name {name[:80]!r} mixes {mixed} letters in the word {word[:80]!r}, "
                    "so it could pass for another "
                    "name (a Cyrillic \"а\" looks like a Latin \"a\"): write each word "
                    "in one script")
    return None
