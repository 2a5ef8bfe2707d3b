"""Caller phone numbers, validated with `phonenumbers` before anything is stored."""

from __future__ import annotations

import phonenumbers

from hold_policies.config import CallbacksConfig, HoldwellConfig

NEVER_DIALLED = frozenset({
    phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.UAN, phonenumbers.PhoneNumberType.PAGER,
    phonenumbers.PhoneNumberType.VOICEMAIL})
"""Numbers a caller could key in to make the line pay (or reach no one): never called back."""


def _valid(raw: str | None, region: str | None) -> phonenumbers.PhoneNumber | None:
    """`raw` parsed, if it is a valid number (not "anonymous", client:, or a placeholder)."""
    if not raw:
        return None
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def names_one_line(raw: str | None) -> bool:
    """Whether a caller ID names one telephone line, so two calls from it are one person's:
    a withheld number ("anonymous", "restricted", or a placeholder such as +266696687, which
    no numbering plan holds) is shared by strangers and names no one."""
    return _valid(raw, None) is not None


def callback_number(raw: str | None, rules: CallbacksConfig | None = None) -> str | None:
    """E.164 form of a number we may call back, or None: anonymous, client:, invalid, of a
    kind never dialled, or (with `rules`) outside the countries callbacks may dial. A number
    keyed without a country code is read in `rules.default_region`."""
    parsed = _valid(raw, rules.default_region if rules else None)
    if parsed is None or phonenumbers.number_type(parsed) in NEVER_DIALLED:
        return None
    if rules is not None and \
            phonenumbers.region_code_for_number(parsed) not in rules.callable_countries():
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def number_to_call(raw: str | None, config: HoldwellConfig) -> str | None:
    """`callback_number` under the config's callback rules, and never the line's own number
    (`line.support_number`, the callbacks' caller ID): keyed in, the next agent was sent to
    dial the line itself, whose leg came back in as a returning caller with a callback booked,
    and the log counted the loop a callback kept."""
    number = callback_number(raw, config.callbacks)
    return None if number is not None and number == config.line.support_number else number


def spoken_digits(number: str) -> str:
    """Digits one by one ("4 1 5 ..."): Twilio's <Say> reads runs of digits as one number."""
    return " ".join(ch for ch in number if ch.isdigit())
