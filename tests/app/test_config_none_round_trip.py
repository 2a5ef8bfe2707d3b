"""A setting set to "none" where its default is something else (a queue's voice or
language, [callbacks] promise_target) survives export and import: TOML has no null, so
"none" is written "" or false, and read back as none."""

from __future__ import annotations

import tomllib

import pytest

from app.console.toml_writer import dumps
from app.storage.config_versions import body_of, effective_body
from hold_policies.config import ConfigError, parse_config

NONE_SETTINGS = [
    ({"queues": {"support": {"voice": None}}}, 'voice = ""'),
    ({"queues": {"support": {"language": None}}}, 'language = ""'),
    ({"callbacks": {"promise_target": None}}, "promise_target = false"),
]


@pytest.mark.parametrize("body, written", NONE_SETTINGS,
                         ids=["voice", "language", "promise_target"])
@pytest.mark.parametrize("export", [body_of, effective_body], ids=["as stored", "every key"])
def test_none_is_exported_and_imported_as_none(body, written, export):
    """`config export --effective` (every key) had left these out, so importing it back
    turned them on."""
    config = parse_config(body, "the API")
    exported = dumps(export(config))
    assert written in exported.splitlines()
    assert parse_config(tomllib.loads(exported), "the export") == config


def test_twiml_of_a_queue_without_voice_names_none():
    config = parse_config(tomllib.loads('[queues.support]\nvoice = ""\nlanguage = ""\n'))
    assert (config.queues["support"].voice, config.queues["support"].language) == (None, None)


def test_the_off_token_is_only_its_own_type():
    with pytest.raises(ConfigError, match="promise_target"):
        parse_config({"callbacks": {"promise_target": ""}})
    with pytest.raises(ConfigError, match="voice"):
        parse_config({"queues": {"support": {"voice": False}}})


def test_the_texts_left_to_their_defaults_are_left_out_of_every_key_and_follow_the_language():
    """`config export --effective` had written the English default texts, which imported
    back became the operator's: a Spanish queue's customers were texted in English again."""
    config = parse_config({"queues": {"ventas": {"language": "es-ES"}}})
    exported = tomllib.loads(dumps(effective_body(config)))
    assert "sms_text" not in exported["callbacks"]
    assert "sms_confirm_text" not in exported["callbacks"]
    assert "retry_after_s" in exported["callbacks"]  # every other key is there
    back = parse_config(exported, "the export")
    assert back.callbacks.text("sms_text", "es-ES").startswith("Lo sentimos")
    written = parse_config({"callbacks": {"sms_text": "Sorry, we missed you."}})
    assert tomllib.loads(dumps(effective_body(written)))["callbacks"]["sms_text"] == (
        "Sorry, we missed you.")
    assert written.callbacks.text("sms_text", "es-ES") == "Sorry, we missed you."
