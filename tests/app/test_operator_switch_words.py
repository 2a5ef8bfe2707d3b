"""HOLDWELL_INSECURE_SKIP_SIGNATURE set to a word that is neither on nor off ("ture", "2")
stays off, now with a warning naming it: it had been off without a word, and a local
experiment whose switch looked set got 403 for every request."""

from __future__ import annotations

import logging

import pytest

from app.settings import Settings


def warnings_of(caplog) -> list[str]:  # noqa: ANN001
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("value", ["ture", "2", "enabled"])
def test_an_unknown_word_is_off_with_a_warning(caplog, value):
    caplog.set_level(logging.WARNING)
    assert Settings.from_env({"HOLDWELL_INSECURE_SKIP_SIGNATURE": value}).validate_signatures
    (warning,) = warnings_of(caplog)
    assert warning.startswith(f"HOLDWELL_INSECURE_SKIP_SIGNATURE={value!r} is neither on")


@pytest.mark.parametrize(("value", "skipped"), [("1", True), (" TRUE ", True), ("on", True),
                                                ("0", False), ("no", False), ("", False)])
def test_on_and_off_words_are_read_without_a_word(caplog, value, skipped):
    caplog.set_level(logging.WARNING)
    settings = Settings.from_env({"HOLDWELL_INSECURE_SKIP_SIGNATURE": value})
    assert settings.validate_signatures is not skipped
    assert warnings_of(caplog) == []
