"""Caller phone numbers, validated with `phonenumbers` before anything is stored."""

from __future__ import annotations

from functools import lru_cache

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
    if raw is not None and len(raw) > LONGEST_NUMBER_CHARS:
        return None  # no number: and never a key of _e164's cache
    if rules is None:
        return _e164(raw, None, None)
    return _e164(raw, rules.default_region, rules.callable_countries())


LONGEST_NUMBER_CHARS = 64
"""Longer than any telephone number however it is written (E.164 has 15 digits): the
cache below is keyed on the raw text, and a raw From of up to 64 KB from each signed
request had been kept there, about 250 MB a worker at 4,096 of them."""


@lru_cache(maxsize=4096)
def _e164(raw: str | None, region: str | None,
          countries: frozenset[str] | None) -> str | None:
    """`callback_number`, kept for the numbers of the callers in line: every poll asks
    whether its caller can be called back, and parsing took 30 us of a 1 ms answer."""
    parsed = _valid(raw, region)
    if parsed is None or phonenumbers.number_type(parsed) in NEVER_DIALLED:
        return None
    if countries is not None and phonenumbers.region_code_for_number(parsed) not in countries:
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


def spoken_number(number: str, rules: CallbacksConfig | None = None) -> str:
    """A whole number read back as the caller keyed it, in groups with a pause (a comma)
    between them: "2 1 2, 5 5 5, 7 8 9 0". Eleven digits in one run are hard to check by ear,
    and the E.164 form said a country code the caller never keyed. A number in
    `rules.default_region`'s country code is said as dialled there (with its trunk prefix,
    "0 2 0, 7 9 4 6, 0 0 0 0" in the UK, none in the US); any other is its country code,
    then the rest (the international prefix, 011 or 00, is left out)."""
    parsed = phonenumbers.parse(number, None)
    home = phonenumbers.country_code_for_region(rules.default_region if rules else "US")
    if parsed.country_code == home:
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        groups = _grouped("".join(ch for ch in national if ch.isdigit()))
    else:
        groups = [str(parsed.country_code),
                  *_grouped(phonenumbers.national_significant_number(parsed))]
    return ", ".join(spoken_digits(group) for group in groups)


def _grouped(digits: str) -> list[str]:
    """`digits` in as few groups of 3 or 4 as they fill, the longer groups last (3-3-4, the
    way a North American number is said); fewer than 6 digits cannot all be so grouped, and
    the first group is then shorter."""
    count = max(1, -(-len(digits) // 4))
    size, longer = divmod(len(digits), count)
    sizes = [size] * (count - longer) + [size + 1] * longer
    starts = [sum(sizes[:i]) for i in range(count)]
    return [digits[start:start + length] for start, length in zip(starts, sizes, strict=True)]
