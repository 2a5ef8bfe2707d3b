"""The fixed texts' placeholders are checked as the tables load: queue_full_closing must say
{opens} (else a full queue at closing hears no opening), and no other fixed text may take a
brace (it would be read out)."""

from __future__ import annotations

import pytest

from hold_policies.languages import BUILT_IN, FIXED_PLACEHOLDERS, _language, language_of


def english_table(**fixed: str) -> dict:
    english = dict(vars(language_of("en")))
    table = {name: value for name, value in english.items() if name not in ("code", "words")}
    table["weekdays"], table["months"] = list(table["weekdays"]), list(table["months"])
    table["fixed"] = {**english["fixed"], **fixed}
    return table


def test_every_built_in_language_says_when_it_opens_at_closing():
    for code, language in BUILT_IN.items():
        assert "{opens}" in language.text("queue_full_closing"), code
    assert {"queue_full_closing": {"opens"}} == FIXED_PLACEHOLDERS


@pytest.mark.parametrize(("name", "text"), [
    ("queue_full_closing", "Sorry, we close soon. Please call again later."),
    ("queue_full", "Sorry, we are full until {opens}."),
])
def test_a_fixed_text_with_the_wrong_placeholders_is_refused(name, text):
    _language("xx", english_table())  # the table as it is loads
    with pytest.raises(ValueError, match=f"xx.fixed. {name}: placeholders"):
        _language("xx", english_table(**{name: text}))
