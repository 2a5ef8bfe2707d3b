"""`holdwell config check` and `config import` refuse words Twilio would not say, naming the
field and the voice's limit; `config export` of an older version still works."""

from __future__ import annotations

from click.testing import CliRunner

from cli.main import cli

LONG = '[queues.support]\npolicy = "checkin"\n[queues.support.prompts]\nwelcome = "{}"\n'


def test_config_check_refuses_a_welcome_over_the_voices_limit(config_file):
    result = CliRunner().invoke(cli, ["config", "check",
                                      config_file(LONG.format("Thank you. " * 5000))])
    assert result.exit_code == 1
    assert "queues.support: prompts.welcome: 55,000 characters" in result.output
    assert "Amazon Polly voices (Polly.*) say at most 3,000" in result.output


def test_config_check_takes_a_longer_welcome_in_a_google_voice(config_file):
    google = LONG.replace('policy = "checkin"\n',
                          'policy = "checkin"\nvoice = "Google.en-US-Standard-C"\n')
    result = CliRunner().invoke(cli, ["config", "check",
                                      config_file(google.format("Thank you." * 400))])
    assert result.exit_code == 0, result.output


def test_config_import_refuses_it_too(config_file, sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    result = CliRunner().invoke(cli, ["config", "import",
                                      config_file(LONG.format("Thank you. " * 5000))])
    assert result.exit_code != 0
    assert "prompts.welcome: 55,000 characters" in result.output
