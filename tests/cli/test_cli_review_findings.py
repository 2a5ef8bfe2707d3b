"""Mistakes a reviewer made with the command line, each answered in one line that names
the option, variable or file, never the safety net's "unexpected error"."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main as cli_main
from cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def holdwell(args: list[str], monkeypatch, capsys) -> tuple[int, str]:
    """`holdwell ARGS` as the console script runs it (its safety net included)."""
    monkeypatch.setattr(sys, "argv", ["holdwell", *args])
    monkeypatch.delenv("HOLDWELL_DEBUG", raising=False)
    with pytest.raises(SystemExit) as leaving:
        cli_main.main()
    captured = capsys.readouterr()
    return leaving.value.code, captured.out + captured.err


@pytest.mark.parametrize("interval", ["nan", "inf", "-inf"])
def test_the_watch_interval_must_be_a_finite_number(interval) -> None:
    """nan made a tight loop of rounds; inf one round, then sleep for ever."""
    result = CliRunner().invoke(cli, ["callbacks", "--once", "--interval", interval])
    assert result.exit_code == 2 and "'--interval'" in result.output
    assert "is not a finite number" in result.output or "not in the range" in result.output


@pytest.mark.parametrize("port", ["0", "99999", "-1"])
def test_serve_refuses_a_port_that_does_not_exist(port) -> None:
    """99999 wrapped round to another port, silently."""
    result = CliRunner().invoke(cli, ["serve", "--port", port])
    assert result.exit_code == 2 and "--port" in result.output


def test_python_m_cli_is_the_command() -> None:
    ran = subprocess.run([sys.executable, "-m", "cli", "--help"], cwd=ROOT, text=True,
                         capture_output=True, timeout=60)
    assert ran.returncode == 0 and "Usage:" in ran.stdout


@pytest.mark.parametrize("url", ["notaurl", "mysql://u@localhost/db"])
def test_serve_names_a_database_url_it_cannot_use(url, monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "x" * 32)
    code, said = holdwell(["serve"], monkeypatch, capsys)
    assert code == 1 and "DATABASE_URL" in said and "unexpected error" not in said


def test_serve_names_a_database_newer_than_the_code(monkeypatch, capsys, tmp_path) -> None:
    db = tmp_path / "ahead.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('0099')")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "x" * 32)
    code, said = holdwell(["serve"], monkeypatch, capsys)
    assert code == 1 and "0099" in said and "this code does not know" in said
    assert "unexpected error" not in said


@pytest.mark.parametrize("make", ["directory", "under_a_file"])
def test_a_config_path_that_is_not_a_file_is_named(make, monkeypatch, capsys,
                                                   tmp_path) -> None:
    path = tmp_path / "adir"
    path.mkdir()
    if make == "under_a_file":
        (tmp_path / "empty.toml").write_text("")
        path = tmp_path / "empty.toml" / "x"
    monkeypatch.setenv("HOLDWELL_CONFIG", str(path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    code, said = holdwell(["callbacks", "--once"], monkeypatch, capsys)
    assert code == 1 and str(path) in said and "cannot read" in said
    assert "unexpected error" not in said


def test_a_locked_database_is_named_by_the_user_commands(monkeypatch, capsys,
                                                         tmp_path) -> None:
    from tests.support.locked_sqlite import locked_sqlite

    url = f"sqlite:///{tmp_path / 'users.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert holdwell(["db", "upgrade"], monkeypatch, capsys)[0] in (0, None)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("correct horse battery\n"))
    with locked_sqlite(url, "EXCLUSIVE"):
        code, said = holdwell(["users", "add", "bob", "--role", "admin"], monkeypatch, capsys)
    assert code == 1 and "DATABASE_URL" in said and "locked" in said
    assert "unexpected error" not in said


@pytest.mark.parametrize("value", ["²", "１２"])
def test_a_budget_in_digits_int_cannot_read_is_named(value, monkeypatch) -> None:
    from app.settings import SettingsError, load_settings

    monkeypatch.setenv("HOLDWELL_DB_BUDGET_MS", value)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "x" * 32)
    with pytest.raises(SettingsError, match="HOLDWELL_DB_BUDGET_MS"):
        load_settings()


def test_output_that_cannot_be_written_is_said_plainly(monkeypatch, capsys) -> None:
    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli_main, "cli", full)
    code, said = holdwell(["report"], monkeypatch, capsys)
    assert code == 1 and "cannot write" in said and "No space left on device" in said
    assert "unexpected error" not in said


def test_an_interrupted_export_leaves_the_earlier_file_whole(tmp_path, monkeypatch) -> None:
    """Ctrl-C mid-export left the old file cut off mid-record; now it is written beside and
    moved into place only when complete."""
    import cli.report_commands as report_commands

    records = tmp_path / "calls.csv"
    result = CliRunner().invoke(cli, ["simulate", "--calls", "300", "--seed", "1", "--json",
                                      "--out", str(records)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "q.log"
    assert CliRunner().invoke(cli, ["export", "--format", "queue_log", "--records",
                                    str(records), "--out", str(out)]).exit_code == 0
    before = out.read_bytes()

    def interrupted(lines, path):  # noqa: ANN001, ANN202
        with open(path, "w", encoding="utf-8") as half:
            half.write(next(iter(lines)))
        raise KeyboardInterrupt

    monkeypatch.setattr(report_commands, "write_queue_log", interrupted)
    result = CliRunner().invoke(cli, ["export", "--format", "queue_log", "--records",
                                      str(records), "--out", str(out)])
    assert result.exit_code != 0
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_a_long_job_says_how_far_it_has_got_in_a_log(tmp_path) -> None:
    """Not a terminal (a CI log, a file): click's bar printed its label alone."""
    ran = subprocess.run([sys.executable, "-m", "cli", "simulate", "--calls", "20000",
                          "--seed", "1"], cwd=ROOT, text=True, capture_output=True,
                         timeout=300)
    assert ran.returncode == 0, ran.stderr
    steps = [line for line in ran.stderr.splitlines() if line.startswith("simulating: ")]
    assert steps[0].startswith("simulating: 10% (") and steps[-1].startswith(
        "simulating: 100% (20,000 of 20,000)")
    assert len(steps) == 10


def test_a_fit_says_it_is_still_working(tmp_path, monkeypatch) -> None:
    """`fit` on a million calls said nothing for 16 s after "fitting ... calls": it beats
    between the fit's parts (here at every part, instead of every 5 s)."""
    from cli.progress import Heartbeat

    records = tmp_path / "calls.csv"
    assert CliRunner().invoke(cli, ["simulate", "--calls", "400", "--seed", "3", "--json",
                                    "--out", str(records)]).exit_code == 0
    monkeypatch.setattr("cli.twin_commands.Heartbeat",
                        lambda label: Heartbeat(label, every_s=0.0))
    result = CliRunner().invoke(cli, ["fit", "--records", str(records), "--out",
                                      str(tmp_path / "t.toml")])
    assert "fitting: still working" in result.stderr, result.output
