"""A config file that sets nothing (empty, or comments only; a truncated copy, a `>`
mistake): `config import` refused it, `config check` called it OK and start-up seeded a new
database from it without a word (operator audit 35, D10). Now check refuses it with import's
own sentence (both take --all-defaults), and seeding says it in the log."""

from __future__ import annotations

import logging

from click.testing import CliRunner

from app.storage import config_versions
from cli.main import cli


def test_config_check_refuses_a_file_that_sets_nothing_as_import_does(config_file,
                                                                      sqlite_url,
                                                                      monkeypatch):
    path = config_file("# the deploy copy, cut short\n")
    checked = CliRunner().invoke(cli, ["config", "check", path])
    assert checked.exit_code == 1 and "OK" not in checked.output
    said = f"{path} sets nothing (empty, or comments only): every policy, prompt and opening " \
        "hour would be the built-in defaults"
    assert checked.output.startswith(said) and "--all-defaults" in checked.output
    nothing = CliRunner().invoke(cli, ["config", "check", "/dev/null"])
    assert nothing.exit_code == 1 and "/dev/null sets nothing" in nothing.output
    meant = CliRunner().invoke(cli, ["config", "check", path, "--all-defaults"])
    assert meant.exit_code == 0 and f"{path}: OK, 1 queue(s)" in meant.output
    monkeypatch.setenv("DATABASE_URL", sqlite_url)  # import says the same sentence
    rich = config_file('[queues.support]\npolicy = "silence"\n')
    assert CliRunner().invoke(cli, ["config", "import", rich]).exit_code == 0
    empty = config_file("")
    refused = CliRunner().invoke(cli, ["config", "import", empty])
    assert refused.exit_code == 1
    assert f"{empty} sets nothing (empty, or comments only): every policy" in refused.output


def test_seeding_a_new_database_from_such_a_file_is_warned_of(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        app = make_app("# nothing here\n")
    seeded = config_versions.get(app.extensions["holdwell"].store.engine)
    assert seeded.number == 1 and seeded.author == "HOLDWELL_CONFIG"  # seeded all the same
    [said] = [r.getMessage() for r in caplog.records if "sets nothing" in r.getMessage()]
    assert said.startswith("config file ") and "a truncated copy?" in said
    assert "Seeded config version 1 from it all the same" in said
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        make_app('[queues.support]\npolicy = "silence"\n')  # a file that sets something,
    assert not [r for r in caplog.records if "sets nothing" in r.getMessage()]  # and no seed
