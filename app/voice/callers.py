"""Caller phone numbers, validated with `phonenumbers` before anything is stored."""

from __future__ import annotations

import phonenumbers


def callback_number(raw: str | None, region: str | None = None) -> str | None:
    """E.164 form of a number we can call back, or None (anonymous, client:, invalid)."""
    if not raw:
        return None
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def spoken_digits(number: str) -> str:
    """Digits one by one ("4 1 5 ..."): Twilio's <Say> reads runs of digits as one number."""
    return " ".join(ch for ch in number if ch.isdigit())
