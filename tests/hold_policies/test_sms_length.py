"""An SMS text longer than Twilio's Messages API takes (1,600 characters, error 21617) would
reach no customer: refused when written (config check, import, console and API saves),
naming the key; a stored version that has one still loads and runs."""

from __future__ import annotations

import pytest

from hold_policies.config import SMS_MOST_CHARS, ConfigError, parse_config


def config(**callbacks: str) -> dict:
    return {"line": {"support_number": "+14155550000"},
            "queues": {"support": {"policy": "callback"}}, "callbacks": callbacks}


@pytest.mark.parametrize("key", ["sms_text", "sms_confirm_text"])
def test_a_text_over_twilios_limit_is_refused_when_written_naming_the_key(key):
    too_long = "x" * (SMS_MOST_CHARS + 1)
    with pytest.raises(ConfigError, match=rf"callbacks\.{key}.*1,601 characters.*1,600"):
        parse_config(config(**{key: too_long}), as_written=True)
    assert getattr(parse_config(config(**{key: too_long})).callbacks, key) == too_long


def test_the_filled_wait_counts_towards_the_limit():
    text = "{wait}" + "x" * (SMS_MOST_CHARS - 10)  # fits as written, not once {wait} is filled
    with pytest.raises(ConfigError, match="sms_confirm_text"):
        parse_config(config(sms_confirm_text=text), as_written=True)
    assert parse_config(config(sms_confirm_text="x" * (SMS_MOST_CHARS - 20) + "{wait}"),
                        as_written=True)


@pytest.mark.parametrize(("switch", "key"), [("sms_on_failure", "sms_text"),
                                             ("sms_confirm", "sms_confirm_text")])
def test_an_empty_text_that_is_turned_on_is_refused_when_written(switch, key):
    """Twilio refuses an empty body (21602): every owed text was lost, each with a logged
    error only, though `config check` said OK (operator audit 33, D6)."""
    with pytest.raises(ConfigError, match=rf"callbacks\.{key} is empty, but {switch} is true"):
        parse_config(config(**{key: "  ", switch: True}), as_written=True)
    assert parse_config(config(**{key: ""}), as_written=True)  # off: nothing to send
    assert getattr(parse_config(config(**{key: "", switch: True})).callbacks, key) == ""
