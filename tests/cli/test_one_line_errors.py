"""Bad input gets one line naming the argument and a non-zero exit, never a traceback."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main as cli_main
from cli.main import cli


def run(args: list[str], **kwargs) -> object:
    result = CliRunner().invoke(cli, args, **kwargs)
    assert isinstance(result.exception, SystemExit), result.exception  # no stray exception
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize(("args", "named"), [
    (["simulate", "--calls", "99999999999999999999"], "'--calls'"),
    (["simulate", "--calls", "1000000000"], "'--calls'"),
    (["simulate", "--calls", "100", "--queue", "nope"], "--queue: 'nope'"),
    (["simulate", "--calls", "100", "--warmup", "nan"], "'--warmup': 'nan' is not a finite"),
    (["simulate", "--calls", "100", "--warmup", "inf"], "'--warmup': 'inf' is not a finite"),
    (["report", "--db", "notaurl"], "--db: cannot use the call log"),
    # without --scenario they had been ignored: a different run from the one asked for
    (["simulate", "--calls", "100", "--days", "366"], "--day and --days choose a fitted day"),
    (["compare", "--calls", "100", "--day", "sun"], "--day and --days choose a fitted day"),
])
def test_bad_arguments_are_named_in_one_line(args, named) -> None:
    result = run(args)
    assert result.exit_code != 0 and named in result.output


def test_a_database_without_tables_says_to_upgrade(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()
    result = run(["report", "--db", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert result.exit_code == 1 and "holdwell db upgrade" in result.output


@pytest.mark.parametrize("args", [
    ["report", "--records", "{csv}", "--html", "{missing}/x.html"],
    ["export", "--format", "csv", "--records", "{csv}", "--out", "{missing}/x.csv"],
    ["fit", "--records", "{csv}", "--out", "{missing}/x.toml"],
])
def test_writing_into_a_missing_folder_is_refused_first(args, tmp_path: Path) -> None:
    csv = tmp_path / "calls.csv"
    csv.write_text("call_id\n", encoding="utf-8")
    filled = [a.format(csv=csv, missing=tmp_path / "nope") for a in args]
    result = run(filled)
    assert result.exit_code == 2 and "does not exist" in result.output


def test_an_unknown_database_driver_is_one_line(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://x@localhost/y")
    result = run(["db", "upgrade"])
    assert result.exit_code == 1 and "DATABASE_URL: cannot upgrade" in result.output


@pytest.mark.parametrize(("url", "said"), [
    ("postgresql+psycopg://u@host:abc/db", "cannot read the host or port of"),
    ("postgresql+psycopg://postgres@[::1/x", "cannot read the host or port of"),
    ("sqlite://", "is a database in memory, which keeps nothing"),
    ("sqlite:///:memory:", "is a database in memory, which keeps nothing"),
])
@pytest.mark.parametrize("args", [["db", "upgrade"], ["config", "export"],
                                  ["privacy", "redact", "--older-than", "90"],
                                  ["audit", "prune", "--older-than", "90"],
                                  ["callbacks", "--once"]])
def test_a_url_no_command_can_use_is_named(monkeypatch, url, said, args) -> None:
    """A bad port had been an "unexpected error (ValueError)" naming nothing; a database in
    memory was "upgraded" and then asked for again by every command (operator audit 33)."""
    monkeypatch.setenv("DATABASE_URL", url)
    result = run(args)
    assert result.exit_code == 1 and "DATABASE_URL: " in result.output, result.output
    assert said in result.output and "unexpected" not in result.output


def test_a_password_that_is_not_utf8_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'users.db'}")
    result = run(["users", "add", "erin", "--role", "analyst"],
                 input=b"\xff\xfepassword-long\n")
    assert result.exit_code == 1 and "standard input: the password is not UTF-8" in result.output


def test_the_safety_net_prints_one_line_and_exits_1(monkeypatch, capsys) -> None:
    def broken(path: str, **_: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(cli_main, "read_config", broken)
    monkeypatch.setattr(sys, "argv", ["holdwell", "config", "check", "x.toml"])
    monkeypatch.delenv("HOLDWELL_DEBUG", raising=False)
    with pytest.raises(SystemExit) as leaving:
        cli_main.main()
    assert leaving.value.code == 1
    assert capsys.readouterr().err.strip() == (
        "holdwell: unexpected error (RuntimeError): boom; set HOLDWELL_DEBUG=1 for the traceback")



@pytest.mark.parametrize("password", ["my/secret", "p@ss/w0rd", "plain"])
def test_a_database_password_is_never_printed(monkeypatch, password) -> None:
    """A '/' or '@' in the password ended the old mask early: it was printed in clear."""
    monkeypatch.setenv("DATABASE_URL",
                       f"postgresql+psycopg://postgres:{password}@127.0.0.1:9/nowhere")
    for args in (["report"], ["db", "upgrade"]):
        result = run(args)
        assert result.exit_code == 1 and "DATABASE_URL" in result.output
        assert password not in result.output and "***" in result.output


def test_commands_that_only_read_or_add_rows_never_migrate_nor_create_a_database(
        tmp_path: Path, monkeypatch) -> None:
    """`config export` and `users` ran `db upgrade` first: a mistyped path made a new
    database, and an old one was migrated outside the deploy's release step."""
    from app.storage.migrate import upgrade

    typo = tmp_path / "typo.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{typo}")
    result = run(["config", "export"])
    assert result.exit_code == 1 and "does not exist" in result.output and not typo.exists()
    old = tmp_path / "old.db"
    upgrade(f"sqlite:///{old}", "0010")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{old}")
    for args in (["config", "export"], ["users", "token", "nobody"]):
        result = run(args)
        assert result.exit_code == 1 and "run `holdwell db upgrade`" in result.output
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0010",)


def test_a_database_newer_than_the_code_is_named_as_such_by_every_command(
        tmp_path: Path, monkeypatch) -> None:
    from app.storage.migrate import upgrade

    newer = tmp_path / "newer.db"
    upgrade(f"sqlite:///{newer}")
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{newer}")
    for args in (["db", "upgrade"], ["db", "stamp", "head"], ["config", "export"],
                 ["users", "token", "nobody"]):
        result = run(args)
        assert result.exit_code == 1, args
        assert "DATABASE_URL" in result.output and "0099" in result.output, result.output
        assert "newer code migrated it" in result.output
        assert "unexpected error" not in result.output
    result = run(["db", "stamp", "0042"])
    assert result.exit_code == 1 and "REVISION: '0042' is not a revision" in result.output


def test_an_empty_database_is_told_to_upgrade_by_every_command(tmp_path: Path,
                                                                monkeypatch) -> None:
    """A database made (createdb, an empty file) and never migrated is not 'newer code'."""
    sqlite3.connect(tmp_path / "empty.db").close()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    for args in (["config", "export"], ["users", "add", "ana", "--role", "admin"]):
        result = run(args, input="a-long-enough-password\na-long-enough-password\n")
        assert result.exit_code == 1 and "run `holdwell db upgrade`" in result.output, args
        assert "newer code" not in result.output


def test_a_platforms_postgres_url_reaches_postgresql(monkeypatch) -> None:
    """Hosting platforms hand out `postgres://…`; SQLAlchemy has no dialect of that name."""
    from app.settings import Settings
    from tests.support.postgres import fresh_database

    with fresh_database() as url:
        plain = url.replace("postgresql+psycopg://", "postgres://")
        monkeypatch.setenv("DATABASE_URL", plain)
        result = CliRunner().invoke(cli, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert Settings.from_env({"DATABASE_URL": plain}).database_url == url


def test_the_configs_max_attempts_is_what_a_simulation_tries(tmp_path: Path) -> None:
    """`--engine twilio` had replaced the config's [callbacks] max_attempts with
    --callback-retries + 1 without a word (callers dialled three times under max_attempts =
    2), and the fast engine ignored it (a reviewer's finding)."""
    from cli.simulate_commands import with_configs_attempts
    from hold_policies.config import HoldwellConfig, load_config
    from simulator.scenario import simple_scenario

    config = tmp_path / "holdwell.toml"
    config.write_text('[line]\nsupport_number = "+14155550000"\n[callbacks]\nmax_attempts = 2\n'
                      '[queues.support]\npolicy = "callback"\n')
    scenario = simple_scenario(calls=10, agents=1, arrivals_per_min=1.0, service_mean_min=1.0,
                               patience_mean_min=1.0)
    loaded = load_config(config)
    assert with_configs_attempts(scenario, loaded, scenario.callbacks.retries
                                 ).callbacks.retries == 1
    assert with_configs_attempts(scenario, HoldwellConfig(), 5) is scenario  # none set
    result = run(["simulate", "--calls", "50", "--config", str(config), "--policy", "callback",
                  "--callback-retries", "4"])
    assert result.exit_code != 0 and "--callback-retries 4 and the config's [callbacks] " \
        "max_attempts = 2 disagree" in result.output
