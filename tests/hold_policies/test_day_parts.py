"""A language's parts of the day (day_parts, "de la tarde") are checked as the tables load:
from hour 0, rising, each with words, and every clock template says {part} exactly when they
are given (a template without it would say "las 2" for 14:00, a morning hour)."""

from __future__ import annotations

import pytest

from hold_policies.languages import _language
from tests.hold_policies.test_fixed_placeholders import english_table

CLOCK = {"twelve_hour": False, "on_the_hour": "{h} {part}", "with_minutes": "{h}:{mm} {part}"}
PARTS = [[0, "at night"], [6, "in the morning"], [12, "in the afternoon"]]


def test_a_twelve_hour_clock_with_parts_of_the_day_loads_and_says_them():
    language = _language("xx", {**english_table(), **CLOCK, "day_parts": PARTS,
                                "noon": "", "midnight": ""})
    assert language.time_words(14, 0) == "2 in the afternoon"
    assert language.time_words(0, 30) == "12:30 at night"


@pytest.mark.parametrize(("changes", "said"), [
    ({"day_parts": [[6, "in the morning"]]}, "day_parts"),
    ({"day_parts": [[0, "a"], [12, "b"], [6, "c"]]}, "day_parts"),
    ({"day_parts": [[0, "a"], [24, "b"]]}, "day_parts"),
    ({"day_parts": [[0, " "]]}, "day_parts"),
    ({"day_parts": PARTS, "with_minutes": "{h}:{mm}"}, "with_minutes: says {part}"),
    ({"on_the_hour": "{h} {part}"}, "on_the_hour: says {part}"),
])
def test_day_parts_and_the_clock_that_says_them_are_checked(changes, said):
    table = {**english_table(), **CLOCK, "day_parts": [], **changes}
    with pytest.raises(ValueError, match=said):
        _language("xx", table)
