"""`[callbacks] default_region` and `countries` take only codes phone numbers are read in:
"UK" (the United Kingdom is "GB" in ISO 3166) had been taken, and then no British caller was
ever called back (each number reads as "GB", never in {"UK"}), with nothing said. A code in
small letters is refused in words, not as a regular expression."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, parse_config


def problems(callbacks: dict) -> str:
    with pytest.raises(ConfigError) as refused:
        parse_config({"callbacks": callbacks}, "f.toml", as_written=True)
    return str(refused.value)


def test_uk_is_refused_with_the_code_to_write():
    said = problems({"default_region": "UK"})
    assert "callbacks.default_region: 'UK' is not the ISO 3166 code of its country: " \
           "write 'GB'" in said


def test_a_code_no_country_has_is_refused_in_the_list():
    said = problems({"countries": ["GB", "EU"]})
    assert "callbacks.countries.1: 'EU' is no country's ISO 3166 code" in said


def test_small_letters_are_refused_in_words():
    said = problems({"countries": ["gb"]})
    assert "callbacks.countries.0: a country's two-letter ISO 3166 code in capitals" in said
    assert "pattern" not in said


def test_real_codes_are_taken_and_a_stored_version_still_loads():
    config = parse_config({"callbacks": {"default_region": "GB", "countries": ["GB", "IE"]}},
                          as_written=True)
    assert config.callbacks.callable_countries() == {"GB", "IE"}
    stored = parse_config({"callbacks": {"default_region": "UK"}})  # loaded to run
    assert stored.callbacks.default_region == "UK"
