"""`holdwell twilio setup` reads the config the app runs from DATABASE_URL: a URL it cannot
use (a driver not installed, a port that is no number, SQLite in memory) is one line naming
DATABASE_URL, before any REST call. A driver not installed and a port like ':abc' had been
"holdwell: unexpected error (ModuleNotFoundError) ..." naming nothing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import cli


@pytest.fixture
def setup_with(monkeypatch, tmp_path, mocker):  # noqa: ANN201
    """Run `twilio setup --dry-run` with DATABASE_URL set to a URL; the REST client is a mock
    that must never be called."""
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "0" * 32)
    monkeypatch.setenv("HOLDWELL_PUBLIC_URL", "https://hold.example.com")
    monkeypatch.delenv("HOLDWELL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    client = mocker.patch("app.twilio_rest.Client")

    def invoke(url: str):  # noqa: ANN202
        monkeypatch.setenv("DATABASE_URL", url)
        result = CliRunner().invoke(cli, ["twilio", "setup", "--dry-run"])
        assert client.mock_calls == []
        return result

    return invoke


@pytest.mark.parametrize("url", [
    "mysql://holdwell@db.example.com/holdwell",  # no MySQL driver installed here
    "postgres://holdwell@db.example.com:abc/holdwell",  # a port that is no number
    "sqlite:///:memory:",  # keeps nothing: the app could run no version from it
    "not a url",
])
def test_a_database_url_setup_cannot_use_is_one_line_naming_it(setup_with, url):
    result = setup_with(url)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.output.startswith("Error: DATABASE_URL: "), result.output
    assert len(result.output.strip().splitlines()) == 1
