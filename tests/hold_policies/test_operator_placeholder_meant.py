"""A mistyped placeholder is refused with the one its text may use that it most likely
meant ("unknown placeholder ['open'] (did you mean {opens}?)"), as an unknown key is."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, parse_config

HOURS = {"timezone": "Europe/London", "monday": "08:00-18:00"}


@pytest.mark.parametrize(("queue", "said"), [
    ({"hours": {**HOURS, "words": {"closed": "We open {open}."}}},
     "hours.words.closed: unknown placeholder ['open'] (did you mean {opens}?)"),
    ({"prompts": {"wait": "About {Wait}."}},
     "prompts.wait: unknown placeholder ['Wait'] (did you mean {wait}?)"),
    ({"prompts": {"position": "Number { position }."}},
     "prompts.position: unknown placeholder [' position '] (did you mean {position}?)"),
])
def test_the_placeholder_meant_is_named(queue, said):
    with pytest.raises(ConfigError) as refused:
        parse_config({"queues": {"support": queue}}, as_written=True)
    assert said in str(refused.value), str(refused.value)


def test_a_text_that_takes_none_gets_no_guess():
    with pytest.raises(ConfigError) as refused:
        parse_config({"queues": {"support": {"prompts": {"apology": "Sorry {name}"}}}},
                     as_written=True)
    assert "unknown placeholder ['name']; this text may use: none" in str(refused.value)
