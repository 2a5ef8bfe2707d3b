"""HOLDWELL_OPS_TOKEN and HOLDWELL_SECRET_KEY: shorter than 16 characters is refused at start,
naming the variable (one character had opened the unmasked callbacks page and signed sessions);
both are read without surrounding whitespace, as a presented bearer token is."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.settings import Settings, SettingsError
from cli.main import cli

OPS_TOKEN = "ops-token-0123456789abcdef"
SECRET_KEY = "session-key-0123456789abcdef"


@pytest.mark.parametrize("name", ["HOLDWELL_OPS_TOKEN", "HOLDWELL_SECRET_KEY"])
@pytest.mark.parametrize("value", ["a", "x" * 15, f" {'y' * 15}\n"])
def test_a_short_secret_is_refused_naming_the_variable_and_the_minimum(name, value):
    with pytest.raises(SettingsError, match=rf"^{name} must be at least 16 characters"):
        Settings.from_env({name: value})


def test_sixteen_characters_are_enough():
    settings = Settings.from_env({"HOLDWELL_OPS_TOKEN": "o" * 16, "HOLDWELL_SECRET_KEY": "k" * 16})
    assert (settings.ops_token, settings.secret_key) == ("o" * 16, "k" * 16)


def test_the_app_and_the_worker_refuse_to_start_with_a_one_character_token(make_app,
                                                                           monkeypatch):
    monkeypatch.setenv("HOLDWELL_OPS_TOKEN", "a")
    with pytest.raises(SettingsError, match="HOLDWELL_OPS_TOKEN"):
        make_app()
    result = CliRunner().invoke(cli, ["callbacks", "--once"])
    assert result.exit_code == 1
    assert "cannot start: HOLDWELL_OPS_TOKEN must be at least 16 characters" in result.output


def test_an_ops_token_set_with_a_trailing_newline_still_opens_the_page(make_app, monkeypatch):
    monkeypatch.setenv("HOLDWELL_OPS_TOKEN", f"{OPS_TOKEN}\n")
    client = make_app().test_client()
    page = client.get("/ops/callbacks", headers={"Authorization": f"Bearer {OPS_TOKEN}"})
    assert page.status_code == 200
    wrong = client.get("/ops/callbacks", headers={"Authorization": f"Bearer {OPS_TOKEN}x"})
    assert wrong.status_code == 401


def test_the_session_key_is_read_without_surrounding_whitespace(make_app, monkeypatch):
    monkeypatch.setenv("HOLDWELL_SECRET_KEY", f" {SECRET_KEY}\r\n")
    assert make_app().secret_key == SECRET_KEY
