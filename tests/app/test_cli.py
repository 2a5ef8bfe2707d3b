"""The holdwell command, through click's runner."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from cli.main import cli


def test_config_check_accepts_a_good_file(config_file):
    path = config_file('[line]\nsupport_number = "+14155550000"\n'
                       '[queues.support]\npolicy = "callback"\n')
    result = CliRunner().invoke(cli, ["config", "check", path])
    assert result.exit_code == 0
    assert "queue support: policy callback" in result.output and "OK" in result.output


def test_config_check_names_the_bad_key_and_exits_nonzero(config_file):
    path = config_file('[queues.support]\npolicy = "jazz"\nvolume = 11\n')
    result = CliRunner().invoke(cli, ["config", "check", path])
    assert result.exit_code == 1
    assert "queues.support.policy" in result.output and "queues.support.volume" in result.output


def test_db_upgrade_creates_the_tables(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"calls", "call_events", "callbacks"} <= tables


def test_demo_shows_what_callers_heard_and_what_was_logged(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'line.db'}"
    monkeypatch.setenv("DATABASE_URL", url)  # the line's log: the demo must not touch it
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Sorry to keep you waiting" in result.output
    assert "[presses 2]" in result.output and "call you back" in result.output
    rows = [line.split() for line in result.output.splitlines() if line.startswith("CA")]
    outcomes = {row[1]: set() for row in rows}
    for row in rows:
        outcomes[row[1]].add(row[2])
    assert outcomes["callback"] == {"answered", "abandoned", "callback_connected"}
    assert "[called back, picks up]" in result.output
    assert outcomes["silence"] == {"answered", "abandoned"}
    assert (tmp_path / "holdwell-demo.db").exists() and not (tmp_path / "line.db").exists()
