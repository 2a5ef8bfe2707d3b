"""Callers' numbers kept from readers who need only to tell two callers apart: analysts'
console lists, and the process log (shipped, kept and read by more people than the call
log; Twilio's error messages quote the number they refused)."""

from __future__ import annotations

import re

NUMBER_IN_TEXT = re.compile(r"(?<!\w)(?:\+|%2[Bb])?\d{6,}(?!\w)")
"""A phone number as Twilio writes one in a message (E.164, or its digits alone), or as a URL
carries one (`number=%2B14155550177`: the callback confirmation's own action URL); a run of
digits inside a SID or a word is not one."""


def mask_number(number: str | None) -> str | None:
    """'+15550001234' -> '+•••••••••34': enough to tell two callers apart, not to ring them."""
    if not number:
        return number
    keep = number[-2:]
    plus = "%2B" if number[:3].upper() == "%2B" else number[0] if number[0] == "+" else ""
    return plus + "•" * max(len(number) - max(len(plus), 1) - 2, 3) + keep


def without_numbers(text: object) -> str:
    """`text` (an error, say) with every phone number in it masked."""
    return NUMBER_IN_TEXT.sub(lambda found: mask_number(found[0]) or "", str(text))
