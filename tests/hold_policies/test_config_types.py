"""A config value of the wrong type is named, not coerced (`max_size = true` became 1, and
`holdwell twilio setup` would then have sized the Twilio queue to one caller)."""

from __future__ import annotations

import tomllib

import pytest

from hold_policies.config import ConfigError, parse_config


@pytest.mark.parametrize(("toml", "key"), [
    ("[queues.support]\nmax_size = true\n", "queues.support.max_size"),
    ('[queues.support.checkin]\ninterval_s = "60"\n', "queues.support.checkin.interval_s"),
    ('[queues.support.checkin]\nannounce_wait = "yes"\n',
     "queues.support.checkin.announce_wait"),
])
def test_a_value_of_the_wrong_type_is_refused_by_name(toml, key):
    with pytest.raises(ConfigError, match=key):
        parse_config(tomllib.loads(toml))


def test_a_stored_version_with_iso_dates_and_whole_numbers_still_reads():
    """Stored versions are JSON: dates as ISO strings, floats that happen to be whole."""
    config = parse_config({"queues": {"support": {
        "hours": {"timezone": "UTC", "monday": "09:00-17:00",
                  "closed": ["2026-12-25"]},
        "checkin": {"interval_s": 60}}}})
    assert str(config.queues["support"].hours.closed[0]) == "2026-12-25"


def test_a_closed_date_that_is_no_date_is_named():
    with pytest.raises(ConfigError, match=r"closed.*not a date"):
        parse_config({"queues": {"support": {"hours": {"timezone": "UTC", "monday": "09:00-17:00",
                                                       "closed": ["Christmas"]}}}})


@pytest.mark.parametrize(("toml", "line"), [
    ('[queues.support]\nhours = "08:00-18:00"\n',
     "queues.support.hours: must be a table ([queues.support.hours], or { … } inline), not a "
     "single value (got '08:00-18:00')"),
    ('[queues.support.experiment]\narms = "checkin"\n',
     "queues.support.experiment.arms: must be a table ([queues.support.experiment.arms], or "
     "{ … } inline), not a single value (got 'checkin')"),
    ('queues = "support"\n',
     "queues: must be a table ([queues], or { … } inline), not a single value (got 'support')"),
    ('[queues.support.experiment]\narms = ["checkin", "music_ads"]\n',  # review 43
     "queues.support.experiment.arms: must be a table ([queues.support.experiment.arms], or "
     "{ … } inline), not a list (got ['checkin', 'music_ads'])"),
    ('[[queues.support.hours]]\ntimezone = "UTC"\n',
     "queues.support.hours: must be a table ([queues.support.hours], or { … } inline), not an "
     "array of tables ([[…]]) (got [{'timezone': 'UTC'}])"),
])
def test_a_value_where_a_table_belongs_is_named_in_toml_words(toml, line):
    """`hours = "08:00-18:00"` had been "Input should be a valid dictionary or instance of
    HoursConfig": a Python class the operator never saw, and no word of a TOML table."""
    with pytest.raises(ConfigError) as refused:
        parse_config(tomllib.loads(toml))
    assert str(refused.value).splitlines()[1:] == [f"  {line}"]
    assert "instance of" not in str(refused.value)
