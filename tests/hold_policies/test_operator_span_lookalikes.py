"""A span copied from a document ("08:00–18:00": an en dash, as word processors type it)
looks exactly like a good one in the refusal that quotes it; the refusal now names the
character that only looks like '-' or ':'."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, parse_config
from hold_policies.hours import parse_spans


@pytest.mark.parametrize(("span", "named"), [
    ("08:00–18:00", "'–' (U+2013 EN DASH) looks like '-'"),
    ("08:00 — 18:00", "'—' (U+2014 EM DASH) looks like '-'"),
    ("08:00-12:00, 13:00−18:00", "'−' (U+2212 MINUS SIGN) looks like '-'"),
    ("08：00-18:00", "'：' (U+FF1A FULLWIDTH COLON) looks like ':'"),
])
def test_a_lookalike_character_is_named(span, named):
    with pytest.raises(ValueError, match="is not HH:MM-HH:MM") as refused:
        parse_spans(span)
    assert named in str(refused.value)


def test_the_config_check_names_it_at_the_days_key():
    with pytest.raises(ConfigError) as refused:
        parse_config({"queues": {"support": {"hours": {
            "timezone": "Europe/London", "monday": "08:00–18:00"}}}}, as_written=True)
    assert "queues.support.hours.monday:" in str(refused.value)
    assert "EN DASH" in str(refused.value) and "type a plain '-'" in str(refused.value)


def test_other_mistakes_get_no_such_note():
    with pytest.raises(ValueError) as refused:
        parse_spans("8am-6pm")
    assert "looks like" not in str(refused.value)
