"""every_problem: parse_config's problems as one pydantic error, by key, for the console's form
and the API: the same problems `holdwell config check` lists, a table's rules across keys in
one message at the table's key as pydantic gives them."""

from __future__ import annotations

import pytest

from hold_policies.config import (
    AS_WRITTEN,
    ConfigError,
    HoldwellConfig,
    error_lines,
    every_problem,
    parse_config,
)

FILE = {
    "line": {"support_number": "+14155550100", "default_queue": "nosuch"},
    "queues": {
        "sales": {"hours": {"timezone": "Europe/London", "monday": "8:60-18:00"}},
        "support": {"policy": "callback", "voice": "Polly.Joanna", "language": "es-ES",
                    "checkin": {"interval_s": -5},
                    "callback": {"callback_key": "x", "keep_key": "2"}},
    },
}


def test_the_problems_are_config_checks_by_key():
    found = every_problem(FILE, as_written=True)
    assert found is not None
    with pytest.raises(ConfigError) as checked:
        parse_config(FILE, as_written=True)
    assert sorted(error_lines(found.errors())) == sorted(str(checked.value).splitlines()[1:])
    keys = [".".join(map(str, item["loc"])) for item in found.errors()]
    assert keys == ["queues.sales.hours.monday", "queues.support.checkin.interval_s",
                    "queues.support.callback.callback_key", "queues.support", ""]
    assert not any("no day has opening hours" in item["msg"] or "are both" in item["msg"]
                   for item in found.errors())  # each reads a refused key


def test_a_tables_rules_are_one_message_as_pydantic_gives_them():
    table = {"policy": "callback", "voice": "Polly.Joanna", "language": "es-ES",
             "experiment": {"arms": {"callback": 50, "nope": 50}}}
    found = every_problem({"line": {"support_number": "+14155550100"},
                           "queues": {"support": table}}, as_written=True)
    with pytest.raises(ValueError) as by_pydantic:
        HoldwellConfig.model_validate({"line": {"support_number": "+14155550100"},
                                       "queues": {"support": table}},
                                      context={AS_WRITTEN: True})
    assert [(item["loc"], item["msg"]) for item in found.errors()] == [
        (item["loc"], item["msg"]) for item in by_pydantic.value.errors()]
    assert "; " in found.errors()[0]["msg"]  # two rules, one message


def test_a_valid_config_has_none_and_a_form_s_texts_are_taken_when_not_strict():
    assert every_problem({"queues": {"support": {"checkin": {"interval_s": 60}}}}) is None
    assert every_problem({"queues": {"support": {"checkin": {"interval_s": "60"}}}},
                         strict=False) is None
    strict = every_problem({"queues": {"support": {"checkin": {"interval_s": "60"}}}})
    assert strict is not None and strict.errors()[0]["type"] == "int_type"


LONG = "Bitte warten Sie. " * 190  # 3,420 bytes: over Polly's 3,000, under 4,096


@pytest.mark.parametrize(("voice", "told"), [({}, False), ({"voice": "Polly.Joanna"}, True)])
def test_a_voice_left_to_a_refused_language_is_not_judged(voice, told):
    """Left out, the voice is the language's own: with the language refused it had been the
    default's (Polly.Joanna), and the words were judged by Polly's limit for a voice the
    language may not have had ("xx-XX" has none: 4,096). A voice given is judged at once."""
    queue = {"language": "en_US", "prompts": {"welcome": LONG}, **voice}
    found = every_problem({"queues": {"support": queue}}, as_written=True)
    assert found is not None
    messages = [item["msg"] for item in found.errors()]
    assert messages[0].endswith("not a language tag as Twilio takes it: a language code and "
                                "an optional region, e.g. \"en-US\", \"en-GB\", \"cmn-CN\"")
    assert any("Polly.Joanna" in message for message in messages) is told
    assert len(messages) == 1 + told
    if not voice:  # a language the refused one might have been meant as: no Polly voice
        assert every_problem({"queues": {"support": {**queue, "language": "xx-XX"}}},
                             as_written=True) is None
