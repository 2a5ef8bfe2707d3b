"""Twilio credentials from the environment: whitespace around them is stripped with a warning
(a token with a trailing newline fails every signature), and a value not shaped like Twilio's
is named in a warning at start, not refused (tests and emulators sign with tokens of their own)."""

from __future__ import annotations

import logging

from app import create_app
from app.settings import Settings
from app.signed_client import SignedClient
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

TWILIO_TOKEN = "0123456789abcdef0123456789abcdef"
TWILIO_SID = "AC0123456789abcdef0123456789abcdef"


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_whitespace_around_the_auth_token_is_stripped_with_a_warning_naming_it(caplog):
    caplog.set_level(logging.WARNING)
    settings = Settings.from_env({"TWILIO_AUTH_TOKEN": f" {TWILIO_TOKEN}\r\n"})
    assert settings.auth_token == TWILIO_TOKEN
    (warning,) = warnings_of(caplog)
    assert "TWILIO_AUTH_TOKEN" in warning and "whitespace" in warning
    assert TWILIO_TOKEN not in warning  # a secret never reaches the log


def test_an_auth_token_not_shaped_like_twilios_is_kept_with_a_warning_naming_it(caplog):
    caplog.set_level(logging.WARNING)
    assert Settings.from_env({"TWILIO_AUTH_TOKEN": "abc123"}).auth_token == "abc123"
    (warning,) = warnings_of(caplog)
    assert "TWILIO_AUTH_TOKEN" in warning and "32 hexadecimal characters" in warning
    assert "6 characters" in warning and "abc123" not in warning
    caplog.clear()
    settings = Settings.from_env({"TWILIO_AUTH_TOKEN": TWILIO_TOKEN.upper(),
                                  "TWILIO_ACCOUNT_SID": TWILIO_SID})
    assert (settings.auth_token, settings.account_sid) == (TWILIO_TOKEN.upper(), TWILIO_SID)
    assert warnings_of(caplog) == []  # Twilio's own shapes start without a word


def test_the_account_sid_gets_the_same_treatment(caplog):
    caplog.set_level(logging.WARNING)
    assert Settings.from_env({"TWILIO_ACCOUNT_SID": f"{TWILIO_SID} "}).account_sid == TWILIO_SID
    assert Settings.from_env({"TWILIO_ACCOUNT_SID": "ACxyz"}).account_sid == "ACxyz"
    stripped, shape = warnings_of(caplog)
    assert "TWILIO_ACCOUNT_SID" in stripped and "whitespace" in stripped
    assert "TWILIO_ACCOUNT_SID" in shape and "AC and 32 hexadecimal characters" in shape


def test_a_webhook_signed_with_the_real_token_passes_when_the_variable_ends_in_a_newline(
        monkeypatch, sqlite_url, config_file, clock, tmp_path, caplog):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", f"{AUTH_TOKEN}\n")
    app = create_app({"database_url": sqlite_url, "journal_dir": str(tmp_path / "journal"),
                      "config_path": config_file('[queues.support]\npolicy = "checkin"\n')},
                     clock=clock)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    answer = twilio.post("/voice/incoming", {"CallSid": sid("CAnewline"), "From": "+14155550100"})
    assert answer.status_code == 200
    assert any("TWILIO_AUTH_TOKEN had whitespace" in m for m in warnings_of(caplog))
