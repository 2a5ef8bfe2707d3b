"""Caller phone numbers, validated with `phonenumbers` before anything is stored."""

from __future__ import annotations

import phonenumbers

from hold_policies.config import CallbacksConfig

NEVER_DIALLED = frozenset({
    phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.UAN, phonenumbers.PhoneNumberType.PAGER,
    phonenumbers.PhoneNumberType.VOICEMAIL})
"""Numbers a caller could key in to make the line pay (or reach no one): never called back."""


def callback_number(raw: str | None, rules: CallbacksConfig | None = None) -> str | None:
    """E.164 form of a number we may call back, or None: anonymous, client:, invalid, of a
    kind never dialled, or (with `rules`) outside the countries callbacks may dial. A number
    keyed without a country code is read in `rules.default_region`."""
    if not raw:
        return None
    try:
        parsed = phonenumbers.parse(raw, rules.default_region if rules else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed) or \
            phonenumbers.number_type(parsed) in NEVER_DIALLED:
        return None
    if rules is not None and \
            phonenumbers.region_code_for_number(parsed) not in rules.callable_countries():
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def spoken_digits(number: str) -> str:
    """Digits one by one ("4 1 5 ..."): Twilio's <Say> reads runs of digits as one number."""
    return " ".join(ch for ch in number if ch.isdigit())
