"""A day's spans with a comma too many ("08:00-12:00, 13:00-18:00,") are refused saying so:
the refusal had been "'' is not HH:MM-HH:MM", quoting an empty span nobody wrote."""

from __future__ import annotations

import pytest

from hold_policies.hours import parse_spans


@pytest.mark.parametrize("day", ["08:00-12:00, 13:00-18:00,", "08:00-12:00,,13:00-18:00",
                                 ", 08:00-18:00"])
def test_a_comma_too_many_is_named(day):
    with pytest.raises(ValueError) as refused:
        parse_spans(day)
    assert "has an empty span between its commas (a comma too many?)" in str(refused.value)
    assert "'' is not" not in str(refused.value)


def test_spans_and_a_closed_day_still_read():
    assert len(parse_spans("08:00-12:00, 13:00-18:00")) == 2
    assert parse_spans(" closed ") == () and parse_spans("") == ()
