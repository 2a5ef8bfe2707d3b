"""A clock's abbreviation written as the time zone: one the tz database lacks ("PST") is
refused with the place to name; one it has, fixed all year ("EST", "GMT"), is taken with a
warning, since the place whose clock it names moves in summer (a New York line on "EST"
opens an hour late from March to November), as an Etc/GMT zone is warned of."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, parse_config


def hours(zone: str) -> dict:
    return {"queues": {"support": {"hours": {"timezone": zone, "monday": "08:00-18:00"}}}}


@pytest.mark.parametrize(("zone", "place"), [("PST", "America/Los_Angeles"),
                                             ("BST", "Europe/London"),
                                             ("CEST", "Europe/Paris")])
def test_an_abbreviation_that_is_no_zone_is_refused_with_the_place(zone, place):
    with pytest.raises(ConfigError) as refused:
        parse_config(hours(zone), as_written=True)
    assert f"{zone!r} is a clock's abbreviation, not a zone: name the place, e.g. " \
           f"{place!r}" in str(refused.value)


@pytest.mark.parametrize(("zone", "place"), [("EST", "America/New_York"),
                                             ("GMT", "Europe/London")])
def test_an_abbreviation_fixed_all_year_is_taken_with_a_warning(zone, place):
    (warning,) = parse_config(hours(zone), as_written=True).warnings()
    assert warning.startswith(f"queues.support.hours.timezone = {zone!r} keeps ")
    assert "no summer time" in warning and f"name the place, {place!r}" in warning


def test_a_place_and_utc_are_taken_without_a_word():
    for zone in ("America/New_York", "Europe/London", "UTC"):
        assert parse_config(hours(zone), as_written=True).warnings() == []
