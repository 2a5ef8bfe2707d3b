"""Text that TwiML can carry: XML 1.0 forbids some characters, and one of them in a prompt
makes the whole wait document unreadable, so Twilio drops the caller from the queue.

XML 1.0 allows tab, newline, carriage return, U+0020-U+D7FF, U+E000-U+FFFD and U+10000 up;
everything else (the other C0 controls, lone surrogates, U+FFFE, U+FFFF) is refused here.
"""

from __future__ import annotations

import re

NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""One character XML 1.0 cannot hold (a str from JSON may hold a lone surrogate)."""


def _named(char: str) -> str:
    """What an operator is told they pasted, in words they can search for."""
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate ({code}, half of a broken character)"
    if char in "\ufffe\uffff":
        return f"a Unicode noncharacter ({code})"
    return f"a control character ({code})"


def xml_text(text: str) -> str:
    """`text` unchanged, or ValueError naming the first character TwiML cannot carry."""
    found = NOT_IN_XML.search(text)
    if found:
        raise ValueError(f"contains {_named(found.group())} at character {found.start() + 1}, "
                         f"not allowed in speech text or anything else TwiML carries (XML 1.0 "
                         f"forbids it); delete it")
    return text


def without_xml_invalid(text: str) -> str:
    """`text` with every character XML 1.0 cannot carry removed: the last guard for words
    stored before the config check refused them."""
    return NOT_IN_XML.sub("", text)
