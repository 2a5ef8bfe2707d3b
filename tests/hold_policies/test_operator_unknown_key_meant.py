"""An unknown key is refused with the key it most likely meant, from the keys its own table
takes: the same in other case, one it begins, or the closest spelling. "check the spelling"
alone had left the operator to find the wrong letter (`polcy`, `[queue.support]`, `mon`)."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, parse_config


def refusal(data: dict) -> str:
    with pytest.raises(ConfigError) as refused:
        parse_config(data, "f.toml", as_written=True)
    return str(refused.value)


@pytest.mark.parametrize(("data", "line"), [
    ({"queue": {"support": {}}}, "queue: unknown key (did you mean 'queues'?"),
    ({"queues": {"support": {"polcy": "silence"}}},
     "queues.support.polcy: unknown key (did you mean 'policy'?"),
    ({"queues": {"support": {"Voice": "man"}}},
     "queues.support.Voice: unknown key (did you mean 'voice'?"),
    ({"queues": {"support": {"hours": {"timezone": "UTC", "monday": "08:00-18:00",
                                       "tue": "08:00-18:00"}}}},
     "queues.support.hours.tue: unknown key (did you mean 'tuesday'?"),
    ({"queues": {"support": {"checkin": {"intervall_s": 60}}}},
     "queues.support.checkin.intervall_s: unknown key (did you mean 'interval_s'?"),
    ({"queues": {"support": {"variants": {"v": {"policy": "checkin", "prompt": {}}}}}},
     "queues.support.variants.v.prompt: unknown key (did you mean 'prompts'?"),
    ({"callbacks": {"max_attempt": 3}},
     "callbacks.max_attempt: unknown key (did you mean 'max_attempts'?"),
])
def test_the_key_meant_is_named(data, line):
    assert f"  {line} see README 'Configuration')" in refusal(data)


def test_a_key_near_none_is_left_to_the_spelling():
    assert "  queues.support.volume: unknown key (check the spelling; see README " \
           "'Configuration')" in refusal({"queues": {"support": {"volume": 3}}})
