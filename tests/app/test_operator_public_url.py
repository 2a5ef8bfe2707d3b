"""HOLDWELL_PUBLIC_URL as an operator pastes it: whitespace around it is stripped with a
warning (a trailing newline had been kept, so every signature was checked against a URL
Twilio never called: 403 for every call), and a value that cannot start every URL (no host,
a blank inside, a query) is refused naming the variable."""

from __future__ import annotations

import logging

import pytest

from app.settings import Settings, SettingsError


def public_url(value: str) -> str | None:
    return Settings.from_env({"HOLDWELL_PUBLIC_URL": value}).public_url


def test_a_trailing_newline_is_stripped_with_a_warning(caplog):
    caplog.set_level(logging.WARNING)
    assert public_url("https://hold.example.com\n") == "https://hold.example.com"
    assert public_url(" https://hold.example.com/ ") == "https://hold.example.com"
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2 and all("HOLDWELL_PUBLIC_URL" in w and "whitespace" in w
                                      for w in warnings)


@pytest.mark.parametrize(("value", "said"), [
    ("https://", "no host"),
    ("https:///voice", "no host"),
    ("https://hold example.com", "blank"),
    ("https://hold.example.com?queue=sales", "query"),
    ("https://hold.example.com#top", "fragment"),
])
def test_a_value_that_cannot_start_every_url_is_refused_naming_the_variable(value, said):
    with pytest.raises(SettingsError) as refused:
        public_url(value)
    assert "HOLDWELL_PUBLIC_URL" in str(refused.value) and said in str(refused.value)


@pytest.mark.parametrize(("value", "kept"), [
    ("https://hold.example.com", "https://hold.example.com"),
    ("https://hold.example.com/", "https://hold.example.com"),
    ("https://example.com/holdwell", "https://example.com/holdwell"),
    ("http://localhost:5000", "http://localhost:5000"),
    ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
])
def test_every_base_url_is_taken(value, kept):
    assert public_url(value) == kept


def test_left_empty_it_is_unset(caplog):
    caplog.set_level(logging.WARNING)
    assert public_url("") is None and public_url("  ") is None
    assert not caplog.records
