"""`holdwell twilio setup` never points the number at an address Twilio cannot reach: a
HOLDWELL_PUBLIC_URL on this machine or a private network (set for `holdwell serve` while
testing) had been written into the number's voice URL, and every caller then got Twilio's
application error. It is refused before any REST call."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import cli


@pytest.fixture
def setup_at(monkeypatch, tmp_path, mocker):  # noqa: ANN201
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "0" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    monkeypatch.delenv("HOLDWELL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    client = mocker.patch("app.twilio_rest.Client")

    def invoke(public_url: str, *args: str):  # noqa: ANN202
        monkeypatch.setenv("HOLDWELL_PUBLIC_URL", public_url)
        result = CliRunner().invoke(cli, ["twilio", "setup", *args])
        return result, client

    return invoke


@pytest.mark.parametrize("url", ["http://localhost:5000", "https://127.0.0.1:8443",
                                 "https://192.168.1.20", "https://[::1]:5000",
                                 "https://holdwell.local"])
@pytest.mark.parametrize("args", [[], ["--dry-run"]])
def test_a_url_twilio_cannot_reach_is_refused_before_any_rest_call(setup_at, url, args):
    result, client = setup_at(url, *args)
    assert result.exit_code == 1, result.output
    assert f"HOLDWELL_PUBLIC_URL {url} names" in result.output
    assert "Twilio cannot reach" in result.output and "nothing was changed" in result.output
    assert client.mock_calls == []


def test_a_public_url_goes_on_to_twilio(setup_at):
    result, client = setup_at("https://abcd.ngrok-free.app", "--dry-run")
    assert "cannot reach from the internet" not in result.output
    assert client.called  # the REST client was made: setup read the account


@pytest.mark.parametrize(("unset", "said"), [
    (["TWILIO_AUTH_TOKEN"], "(TWILIO_AUTH_TOKEN not set)"),
    (["TWILIO_ACCOUNT_SID"], "(TWILIO_ACCOUNT_SID not set)"),
    (["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"],
     "(TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN not set)"),
])
def test_the_missing_credential_is_named(setup_at, monkeypatch, unset, said):
    """Both had been named whichever was missing, so an operator who had set one checked
    it again instead of setting the other."""
    for name in unset:
        monkeypatch.delenv(name)
    result, client = setup_at("https://hold.example.com")
    assert result.exit_code == 1 and said in result.output, result.output
    assert client.mock_calls == []
