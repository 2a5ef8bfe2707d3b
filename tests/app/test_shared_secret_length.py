"""HOLDWELL_OPS_TOKEN and HOLDWELL_SECRET_KEY: shorter than 16 characters is never used, and an
error at start names the variable (one character had opened the unmasked callbacks page and
signed sessions); the app still starts, its voice routes with it (review 35, R9: a refusal had
taken the line down at an upgrade). Both are read without surrounding whitespace, as a
presented bearer token is."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.settings import Settings
from app.signed_client import SignedClient
from cli.main import cli
from tests.conftest import AUTH_TOKEN

OPS_TOKEN = "ops-token-0123456789abcdef"
SECRET_KEY = "session-key-0123456789abcdef"


@pytest.mark.parametrize("name", ["HOLDWELL_OPS_TOKEN", "HOLDWELL_SECRET_KEY"])
@pytest.mark.parametrize("value", ["a", "x" * 15, f" {'y' * 15}\n"])
def test_a_short_secret_is_never_used_and_an_error_names_it(name, value, caplog):
    settings = Settings.from_env({name: value})
    assert (settings.ops_token, settings.secret_key) == (None, None)
    assert f"{name} is shorter than 16 characters" in caplog.text
    if len(value.strip()) > 1:
        assert value.strip() not in caplog.text  # never the value itself


def test_sixteen_characters_are_enough():
    settings = Settings.from_env({"HOLDWELL_OPS_TOKEN": "o" * 16, "HOLDWELL_SECRET_KEY": "k" * 16})
    assert (settings.ops_token, settings.secret_key) == ("o" * 16, "k" * 16)


def test_a_one_character_token_opens_nothing_and_the_line_runs(make_app, monkeypatch,
                                                               sqlite_url):
    monkeypatch.setenv("HOLDWELL_OPS_TOKEN", "a")
    client = make_app().test_client()
    assert client.get("/ops/callbacks", headers={"Authorization": "Bearer a"}).status_code == 404
    answer = SignedClient(client, AUTH_TOKEN).post(
        "/voice/incoming", {"CallSid": "CA" + "0" * 32, "From": "+14155550100"})
    assert answer.status_code == 200
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    result = CliRunner().invoke(cli, ["callbacks", "--once"])
    assert result.exit_code == 0, result.output


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
