"""A stored version loaded leniently (what loaded yesterday loads today) may carry a format
on a placeholder, which `config check` refuses in a new file. The policy must say the plain
value: a width spec had built a gigabyte inside one poll (the caller dropped at Twilio's
15 s), `{wait:d}` raised on every check-in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hold_policies import WaitEstimate
from hold_policies.config import ConfigError, parse_config
from hold_policies.factory import build_policy
from hold_policies.prompts import filled
from tests.hold_policies.test_policies import said, situation

ESTIMATE = WaitEstimate(expected_s=240.0, upper_s=290.0, departures_seen=20)
FORMATTED = {"position": "You are number {position:>999999999} in line.",
             "wait": "Expect an answer within {wait:d}.", "keep_waiting": "Press {keep_key!r}."}


def loaded(as_written: bool):
    data = {"queues": {"support": {"policy": "checkin", "prompts": FORMATTED}}}
    return parse_config(data, "stored version", as_written=as_written)


def test_a_new_file_with_formats_is_refused_but_a_stored_version_still_loads():
    with pytest.raises(ConfigError, match="format"):
        loaded(as_written=True)
    assert loaded(as_written=False).queues["support"].prompts.position == FORMATTED["position"]


def test_the_check_in_says_each_formatted_placeholder_as_its_plain_value():
    policy = build_policy(loaded(as_written=False).queues["support"])
    words = said(policy.next_segment(situation(waited_s=600, since_announcement_s=90,
                                               position=3, estimate=ESTIMATE)))
    assert "You are number 3 in line." in words
    assert "Press 1." in words
    assert len(words) < 1000


@given(st.text(alphabet="{}:!.[]0>abwaitposition ", max_size=40))
def test_filling_never_formats_never_raises_past_a_brace_error(template):
    try:
        out = filled(template, position=3, wait="5 minutes")
    except ValueError:
        return  # an unpaired brace: the config refuses these on every load
    assert len(out) <= len(template) + 20 * template.count("{")


def test_an_attribute_or_index_on_a_placeholder_says_the_names_value():
    assert filled("Number {position.real}, {position[0]}, {wait!s:>9}.", position=3,
                  wait="5 minutes") == "Number 3, 3, 5 minutes."
