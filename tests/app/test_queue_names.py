"""A queue's name is its Twilio queue's, and the app derives two more from it
(NAME-callbacks, NAME-rejoin): none may collide, and all must fit Twilio's 64 characters."""

from __future__ import annotations

import pytest

from app.storage.callback_rest import priority_queue
from app.storage.resume_writes import rejoin_queue
from hold_policies.config import TWILIO_QUEUE_NAME_CHARS, ConfigError, parse_config


@pytest.mark.parametrize("name, problem", [
    ("support-callbacks", "may not end in '-callbacks'"),
    ("support-rejoin", "may not end in '-rejoin'"),
    ("q" * 55, "a queue's name is 1 to 54 characters"),
])
def test_a_queue_name_that_would_collide_or_overflow_is_refused_by_name(name, problem):
    with pytest.raises(ConfigError) as refused:
        parse_config({"queues": {"support": {}, name: {}}})
    assert name in str(refused.value) and problem in str(refused.value)


def test_every_twilio_queue_the_app_derives_fits_and_is_distinct():
    longest = "q" * 54
    config = parse_config({"queues": {longest: {}, "q" * 53: {}, "support": {}}})
    names = [twilio for queue in config.queues
             for twilio in (queue, priority_queue(queue), rejoin_queue(queue))]
    assert len(set(names)) == len(names)
    assert max(map(len, names)) <= TWILIO_QUEUE_NAME_CHARS


@pytest.mark.parametrize("name", ["soporte técnico", "q" * 55, "café"])
def test_config_check_says_what_a_queue_name_may_be_in_words(tmp_path, name):
    """`holdwell config check` had answered a name with an accent, a space or 55 characters
    with the raw "String should match pattern '^[A-Za-z0-9_-]{1,54}$'" (operator audit B4)."""
    from click.testing import CliRunner

    from cli.main import cli

    path = tmp_path / "holdwell.toml"
    path.write_text(f'[queues."{name}"]\npolicy = "silence"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code and "pattern" not in result.output
    assert f"queues.{name}.[key]: a queue's name is 1 to 54 characters, each a letter A-Z " \
        "(no accents or spaces), a digit, '-' or '_' (it is also its Twilio queue's name) " \
        f"(got {name!r})" in result.output
