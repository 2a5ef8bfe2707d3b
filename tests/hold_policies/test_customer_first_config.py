"""Issue 16 item 7: `[queues.NAME.callback] dialling` — agent-first (the honest default) or
customer-first — validated with errors that name the key and the problem."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from hold_policies.config import ConfigError, parse_config

LINE = '[line]\nsupport_number = "+14155550100"\n[queues.support]\npolicy = "callback"\n'
EXAMPLE = Path(__file__).resolve().parents[2] / "holdwell.example.toml"


def config(text: str):
    return parse_config(tomllib.loads(LINE + text), "holdwell.toml")


def test_agent_first_is_the_default():
    queue = config("").queues["support"]
    assert queue.callback.dialling == "agent_first"
    assert config("").customer_first_queues() == []


def test_customer_first_is_named_per_queue_with_how_many_at_once():
    parsed = config('[queues.support.callback]\ndialling = "customer_first"\n'
                    "customer_first_at_once = 1\n")
    assert parsed.customer_first_queues() == ["support"]
    assert parsed.queues["support"].callback.customer_first_at_once == 1


@pytest.mark.parametrize(("table", "named"), [
    ('dialling = "customer-first"',
     "queues.support.callback.dialling: Input should be 'agent_first' or 'customer_first'"),
    ("dialling = 1", "queues.support.callback.dialling: Input should be 'agent_first'"),
    ("customer_first_at_once = 0",
     "queues.support.callback.customer_first_at_once: Input should be greater than or equal "
     "to 1"),
    ("customer_first_at_once = 21",
     "queues.support.callback.customer_first_at_once: Input should be less than or equal to"),
])
def test_a_bad_value_names_the_key_and_the_problem(table, named):
    with pytest.raises(ConfigError, match="holdwell.toml") as error:
        config(f"[queues.support.callback]\n{table}\n")
    assert named in str(error.value)


@pytest.mark.parametrize("key", ["dialling", "customer_first_at_once"])
def test_an_experiment_arm_may_not_change_who_dials(key):
    value = '"customer_first"' if key == "dialling" else "1"
    with pytest.raises(ConfigError) as error:
        config(f'[queues.support.variants.early]\npolicy = "callback"\n'
               f"settings = {{ {key} = {value} }}\n")
    assert f"settings.{key}: how callbacks are dialled serves the whole queue" in str(error.value)
    assert "[queues.NAME.callback]" in str(error.value)


def test_the_example_file_shows_the_key_with_its_default():
    text = EXAMPLE.read_text()
    assert '# dialling = "agent_first"' in text and "customer_first" in text
