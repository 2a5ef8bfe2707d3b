"""The OpenAPI document states a day's opening hours as a pattern, and the pattern and
`parse_spans` agree: what the document allows, the API refuses only for what a regex cannot
say (an end before its start, overlapping spans); what it refuses, the API refuses too."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hold_policies.config import HoursConfig
from hold_policies.hours import DAY_PATTERN, SPANS_PATTERN, parse_spans

WORDS_A_REGEX_CANNOT_SAY = ("must end after it starts", "overlap")
NEAR_MISSES = st.text(alphabet="0123456789:-, closedCLOSED٠٨\t", max_size=30)


def _refusal(text: str) -> str | None:
    try:
        parse_spans(text)
    except ValueError as error:
        return str(error)
    return None


@settings(max_examples=400, deadline=None)
@given(st.from_regex(DAY_PATTERN, fullmatch=True))
def test_what_the_document_allows_is_refused_only_for_order(text):
    refusal = _refusal(text)
    assert refusal is None or any(words in refusal for words in WORDS_A_REGEX_CANNOT_SAY)


@settings(max_examples=600, deadline=None)
@given(NEAR_MISSES)
def test_what_the_document_refuses_the_api_refuses(text):
    if re.search(DAY_PATTERN, text) is None:
        assert _refusal(text) is not None


@pytest.mark.parametrize("text", ["٠٨:٠٠-١٨:٠٠", "08:00-18:0٠"])
def test_only_ascii_digits_are_times(text):
    """`\\d` had taken other scripts' digits, which the document's [0-9] does not."""
    assert _refusal(text) is not None


def test_the_document_carries_both_patterns():
    schema = HoursConfig.model_json_schema()
    monday = schema["properties"]["monday"]["anyOf"]
    assert {"type": "string", "pattern": DAY_PATTERN} in monday
    assert {"type": "array", "items": {"type": "string", "pattern": SPANS_PATTERN}} in monday


@pytest.mark.parametrize("text", ["8:00-18:00", "0:00-9:30, 13:00-24:00", "08:00-9:00"])
def test_the_document_allows_a_one_digit_hour_as_the_api_does(text):
    assert re.search(DAY_PATTERN, text) and re.search(SPANS_PATTERN, text)
    assert _refusal(text) is None


@pytest.mark.parametrize("text", ["25:00-26:00", "8:60-18:00", "8-18", "8:0-18:00",
                                  "8am-6pm", "24:00-24:00", "8:00-24:30", "008:00-18:00"])
def test_the_document_and_the_api_both_refuse_a_bad_time(text):
    assert re.search(DAY_PATTERN, text) is None and re.search(SPANS_PATTERN, text) is None
    assert _refusal(text) is not None
