"""A value of the right meaning written as the wrong TOML kind is refused with how the file
writes it: a number in quotes, a whole number with a decimal point, a phone key without
quotes, a date in another form. pydantic's "Input should be a valid integer (got '60')" had
not said that the quotes were the mistake."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, parse_config


@pytest.mark.parametrize(("data", "said"), [
    ({"queues": {"support": {"checkin": {"interval_s": "60"}}}},
     "checkin.interval_s: Input should be a valid integer: a number is written without "
     "quotes, interval_s = 60 (got '60')"),
    ({"queues": {"support": {"checkin": {"gather_timeout_s": 4.0}}}},
     "checkin.gather_timeout_s: Input should be a valid integer: a whole number is written "
     "without a decimal point, gather_timeout_s = 4 (got 4.0)"),
    ({"estimate": {"confidence": "0.9"}},
     "estimate.confidence: Input should be a valid number: a number is written without "
     "quotes, confidence = 0.9 (got '0.9')"),
    ({"queues": {"support": {"checkin": {"keep_key": 1}}}},
     'checkin.keep_key: Input should be a valid string: a phone key is written in quotes, '
     'keep_key = "1" (got 1)'),
    ({"queues": {"support": {"hours": {"timezone": "UTC", "monday": "08:00-18:00",
                                       "closed": [20261225]}}}},
     "hours.closed.0: Input should be a valid date: a date is written YYYY-MM-DD, e.g. "
     "2026-12-25 (got 20261225)"),
])
def test_the_kind_of_value_expected_is_said_as_toml_writes_it(data, said):
    with pytest.raises(ConfigError) as refused:
        parse_config(data, as_written=True)
    assert said in str(refused.value), str(refused.value)


def test_a_word_where_a_number_belongs_keeps_pydantics_words():
    with pytest.raises(ConfigError, match="valid integer: a whole number, written without "
                                          r"quotes \(e.g. 60\) \(got 'often'\)"):
        parse_config({"queues": {"support": {"checkin": {"interval_s": "often"}}}})


def test_a_quoted_number_too_long_for_int_is_refused_not_a_crash():
    with pytest.raises(ConfigError, match="interval_s: Input should be a valid integer: a "
                                          "whole number, written without quotes"):
        parse_config({"queues": {"support": {"checkin": {"interval_s": "9" * 5000}}}},
                     as_written=True)
