"""`holdwell config import` of a file exported before someone else saved a version: refused,
naming both versions and who saved the newer one, unless --force; what an import changes is
said setting by setting (operator audit 35, D2: a console change had been undone with only
"queue support: changed" said)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine

from app.clock import SystemClock
from app.storage import config_versions
from app.storage.migrate import upgrade
from cli.main import cli
from hold_policies.config import parse_config

FILE_A = '[queues.support]\npolicy = "checkin"\n[queues.support.prompts]\nkeep_waiting = ' \
    '"A wrote this. Press {keep_key}."\n'


@pytest.fixture
def runner(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return CliRunner()


def save_as(url: str, author: str, body: dict) -> int:
    """Another operator's save (the console's or the API's), as the database keeps it."""
    engine = create_engine(url)
    try:
        return config_versions.add(engine, parse_config(body), author=author, note="by hand",
                                   now=SystemClock().now()).number
    finally:
        engine.dispose()


def active_number(url: str) -> int:
    engine = create_engine(url)
    try:
        return config_versions.get(engine).number
    finally:
        engine.dispose()


def exported_and_edited(runner, tmp_path, extra: str) -> str:
    exported = runner.invoke(cli, ["config", "export"])
    assert exported.exit_code == 0 and exported.output.startswith("# holdwell config version")
    path = tmp_path / "edited.toml"
    path.write_text(exported.output + extra, encoding="utf-8")
    return str(path)


def test_a_file_exported_before_another_save_is_refused_unless_forced(runner, sqlite_url,
                                                                     tmp_path):
    first = tmp_path / "a.toml"
    first.write_text(FILE_A, encoding="utf-8")
    assert runner.invoke(cli, ["config", "import", str(first)]).exit_code == 0  # version 1
    edited = exported_and_edited(runner, tmp_path, '[queues.sales]\npolicy = "silence"\n')
    b_words = {"queues": {"support": {"prompts": {"keep_waiting": "B's words. Press {keep_key}."}}}}
    assert save_as(sqlite_url, "bob", b_words) == 2
    refused = runner.invoke(cli, ["config", "import", edited])
    assert refused.exit_code == 1
    assert f"{edited} was exported from config version 1, but version 2 (active, saved by " \
        "bob at " in refused.output
    assert "is newer (saved since 1: bob (version 2)): importing the file would undo what " \
        "was changed since" in refused.output
    assert "--force" in refused.output and "nothing imported" in refused.output
    assert "queue sales: added" in refused.output  # what it would have done, said first
    assert 'prompts.keep_waiting: "B\'s words. Press {keep_key}." → "A wrote this.' \
        in refused.output
    assert active_number(sqlite_url) == 2
    forced = runner.invoke(cli, ["config", "import", edited, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "imported as config version 3 (active)" in forced.output
    assert "imported anyway (--force)" in forced.output


def test_a_file_exported_from_the_active_version_imports_saying_each_setting_it_changes(
        runner, tmp_path):
    first = tmp_path / "a.toml"
    first.write_text(FILE_A, encoding="utf-8")
    assert runner.invoke(cli, ["config", "import", str(first)]).exit_code == 0
    edited = exported_and_edited(runner, tmp_path, "[callbacks]\nmax_attempts = 4\n"
                                 "[queues.support.checkin]\ninterval_s = 90\n")
    imported = runner.invoke(cli, ["config", "import", edited])
    assert imported.exit_code == 0, imported.output
    assert "warning" not in imported.output  # its base is the active version: nothing undone
    lines = imported.output.splitlines()
    assert lines[lines.index("  queue support: changed") + 1] == "    checkin.interval_s: 60 → 90"
    assert lines[lines.index("  callbacks: changed") + 1] == "    max_attempts: 3 → 4"


def test_a_file_without_the_export_header_imports_as_before_with_a_warning(runner, tmp_path):
    first = tmp_path / "a.toml"
    first.write_text(FILE_A, encoding="utf-8")
    assert runner.invoke(cli, ["config", "import", str(first)]).exit_code == 0
    by_hand = tmp_path / "by_hand.toml"
    by_hand.write_text('[queues.support]\npolicy = "silence"\n', encoding="utf-8")
    imported = runner.invoke(cli, ["config", "import", str(by_hand)])
    assert imported.exit_code == 0 and "imported as config version 2" in imported.output
    assert f"warning: cannot tell which version {by_hand} was exported from" in imported.output
    assert "version 1 (active, saved by cli at" in imported.output
    assert '    policy: "checkin" → "silence"' in imported.output
    assert '    prompts.keep_waiting: "A wrote this. Press {keep_key}." → (default)' \
        in imported.output


def test_a_save_landing_while_the_file_is_checked_is_not_undone_either(runner, sqlite_url,
                                                                       tmp_path, monkeypatch):
    import cli.console_commands as commands

    first = tmp_path / "a.toml"
    first.write_text(FILE_A, encoding="utf-8")
    assert runner.invoke(cli, ["config", "import", str(first)]).exit_code == 0
    edited = exported_and_edited(runner, tmp_path, "[callbacks]\nmax_attempts = 4\n")
    checked = commands._check_base

    def then_bob_saves(*args, **kwargs):  # between the check and the store
        checked(*args, **kwargs)
        save_as(sqlite_url, "bob", {"queues": {"support": {"policy": "silence"}}})

    monkeypatch.setattr(commands, "_check_base", then_bob_saves)
    raced = runner.invoke(cli, ["config", "import", edited])
    assert raced.exit_code == 1
    assert "another config version was saved while" in raced.output
    assert "nothing imported: run the import again" in raced.output
    assert active_number(sqlite_url) == 2  # bob's, kept


def test_a_file_exported_from_another_database_is_told_by_its_header_not_its_number(
        runner, sqlite_url, tmp_path, monkeypatch):
    """Staging's version 1 shares its number with production's: its export had been refused
    as stale in production, or imported over a different version of the same number without
    a word (review 35, R6). The header's author and time tell them apart: it cannot be told,
    so it imports as a file without the header does, with a warning saying why."""
    staging = f"sqlite:///{tmp_path / 'staging.db'}"
    upgrade(staging)
    first = tmp_path / "a.toml"
    first.write_text(FILE_A, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", staging)
    assert runner.invoke(cli, ["config", "import", str(first)]).exit_code == 0
    edited = exported_and_edited(runner, tmp_path, '[queues.sales]\npolicy = "silence"\n')
    monkeypatch.setenv("DATABASE_URL", sqlite_url)  # production: its own versions 1 and 2
    save_as(sqlite_url, "olu", {"queues": {"support": {"policy": "silence"}}})
    save_as(sqlite_url, "bob", {"queues": {"support": {"policy": "checkin"}}})
    done = runner.invoke(cli, ["config", "import", edited])
    assert done.exit_code == 0, done.output
    assert "but by another author or time than this database's" in done.stderr
    assert "exported from another database?" in done.stderr
    assert active_number(sqlite_url) == 3


def test_an_import_that_resizes_a_queue_says_twilio_needs_its_setup_run(runner, tmp_path):
    """The app never resizes Twilio's queue: an import changing max_size says so, as a save
    and a roll-back do (operator audit 41, O1)."""
    first = tmp_path / "first.toml"
    first.write_text(FILE_A, encoding="utf-8")
    assert runner.invoke(cli, ["config", "import", str(first)]).exit_code == 0
    resized = tmp_path / "resized.toml"
    resized.write_text(FILE_A.replace('policy = "checkin"\n', 'policy = "checkin"\n'
                                      'max_size = 50\n'), encoding="utf-8")
    imported = runner.invoke(cli, ["config", "import", str(resized)])
    assert imported.exit_code == 0, imported.output
    assert "queues.support.max_size is now 50" in imported.output
    assert "holdwell twilio setup" in imported.output
