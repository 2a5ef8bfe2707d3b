"""A day's opening hours given as something other than text (`monday = 8`, `true`, a table,
a list with a number in it) are refused once, at the day's key, in TOML's words: pydantic's
own errors, one per member of the type, had named keys no file has ("monday.str",
"monday.list[str]") and counted one mistake as two problems."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, every_problem, parse_config

ZONE = {"timezone": "Europe/London"}


def problems(**days: object) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        parse_config({"queues": {"support": {"hours": {**ZONE, **days}}}}, "f.toml",
                     as_written=True)
    return str(refused.value).splitlines()[1:]


@pytest.mark.parametrize(("value", "said"), [
    (8, "8 (a number)"),
    (True, "true (a true/false switch)"),
    ({"from": "08:00", "to": "18:00"}, "a table"),
    (["08:00-12:00", 13], "item 2 of the list is 13 (a number)"),
])
def test_a_day_that_is_not_text_is_one_problem_at_its_key(value, said):
    (line,) = problems(monday=value, tuesday="08:00-18:00")
    assert line.startswith(f"  queues.support.hours.monday: {said}, but a day's hours are "
                           "text in quotes"), line
    assert "list[str]" not in line and ".str:" not in line


def test_the_api_names_the_same_key_once():
    error = every_problem({"queues": {"support": {"hours": {**ZONE, "monday": 8,
                                                            "tuesday": "08:00-18:00"}}}})
    assert error is not None
    assert [item["loc"] for item in error.errors()] == [("queues", "support", "hours",
                                                         "monday")]


@pytest.mark.parametrize("value", ["08:00-18:00", ["08:00-12:00", "13:00-18:00"], "closed",
                                   "", []])
def test_every_written_day_is_taken(value):
    config = parse_config({"queues": {"support": {"hours": {**ZONE, "monday": value,
                                                            "tuesday": "08:00-18:00"}}}},
                          as_written=True)
    assert config.queues["support"].hours.monday == value
