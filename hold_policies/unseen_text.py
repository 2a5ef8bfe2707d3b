"""Characters a reader of the text does not see: Unicode's formatting characters (category
Cf: zero-width spaces and joiners, direction marks, overrides and isolates), controls,
lone combining marks and blank-drawn letters. A reason made of them reads as nothing, and a
direction override shows words other than those read out."""

from __future__ import annotations

import re
import unicodedata

INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
"""Controls, formatting, line and paragraph separators, surrogates, private and unassigned
code points: no name may hold them (app.storage.person_names)."""
UNSEEN_CATEGORIES = INVISIBLE_CATEGORIES | {"Mn", "Me"}
"""Those, and marks that only combine with the letter before them: not counted as shown (a
name may hold such marks, with the letters they join)."""
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Letters and symbols drawn as nothing: the Hangul fillers and the blank Braille pattern."""


def shown(text: str) -> str:
    """`text` without what a reader does not see (UNSEEN_CATEGORIES, BLANK_LETTERS): what
    counting characters a reader sees should count. Formatting characters alone had let
    through controls (\x01\x02\x03), Hangul fillers and a lone combining joiner (reviewer
    34)."""
    return "".join(char for char in text if unicodedata.category(char) not in UNSEEN_CATEGORIES
                   and char not in BLANK_LETTERS)


DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they reorder the
letters after them on a page, never in a speech engine, so the console showed "please stay
on the line" where callers heard it read backwards. The marks U+200E/U+200F and U+061C stay
allowed: they move only the neutral characters beside them, and right-to-left prompts with
numbers in them need them."""


def no_direction_controls(text: str) -> str:
    """`text` unchanged, or ValueError naming the first direction control and where it is."""
    found = DIRECTION_CONTROLS.search(text)
    if found:
        raise ValueError(f"contains a direction control (U+{ord(found.group()):04X}) at "
                         f"character {found.start() + 1}: it shows the words after it in "
                         "another order than a voice says them; delete it")
    return text
