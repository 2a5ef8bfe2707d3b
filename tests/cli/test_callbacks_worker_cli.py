"""`holdwell callbacks` and `holdwell db upgrade` as an operator meets them: a bad config
file names its problems, SIGTERM during a REST placement leaves no claim without a call, and
`db upgrade --revision` reports the revision the database is really at."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, select

from app.health import head_revision
from app.storage.schema import callbacks
from cli.main import cli
from tests.support.callback_rows import seed_pending

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER_FIRST = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.callback]
dialling = "customer_first"
customer_first_at_once = 2
"""
FAKE_TWILIO = textwrap.dedent("""
    # `holdwell callbacks` with a Twilio client whose calls.create takes CREATE_S seconds.
    import os, sys, time
    from unittest import mock

    def note(word, to):
        with open(os.environ["CREATES"], "a") as log:
            log.write(f"{word} {to}\\n")

    class Calls:
        def create(self, **kwargs):
            note("start", kwargs["to"])
            time.sleep(float(os.environ["CREATE_S"]))
            note("done", kwargs["to"])
            return mock.Mock(sid="CA" + "f" * 32)

    class FakeClient:
        def __init__(self, *args, **kwargs):
            self.calls, self.messages = Calls(), mock.MagicMock()

    mock.patch("app.twilio_rest.Client", FakeClient).start()
    from cli.main import main
    sys.argv = ["holdwell", "callbacks", "--interval", "15"]
    main()
""")


def test_a_bad_config_file_names_its_problems(tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('[queues.support]\npolicy = "loud"\n', encoding="utf-8")
    monkeypatch.setenv("HOLDWELL_CONFIG", str(bad))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    result = CliRunner().invoke(cli, ["callbacks", "--once"])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1
    assert "1 problem(s)" in result.output
    assert "queues.support.policy" in result.output and "'loud'" in result.output
    assert not (tmp_path / "w.db").exists()  # refused before touching the database


def test_sigterm_during_a_placement_lets_it_finish_and_leaves_no_stale_claim(
        sqlite_url, tmp_path):
    engine = create_engine(sqlite_url)
    seed_pending(engine, ["CA1", "CA2"], datetime.now(UTC) - timedelta(minutes=5))
    (tmp_path / "cf.toml").write_text(CUSTOMER_FIRST, encoding="utf-8")
    (tmp_path / "run.py").write_text(FAKE_TWILIO, encoding="utf-8")
    creates = tmp_path / "creates.log"
    env = {**os.environ, "DATABASE_URL": sqlite_url, "HOLDWELL_CONFIG": str(tmp_path / "cf.toml"),
           "HOLDWELL_JOURNAL_DIR": str(tmp_path / "journal"), "CREATES": str(creates),
           "CREATE_S": "1.0", "HOLDWELL_PUBLIC_URL": "https://hold.example.com",
           "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "x",
           "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, str(tmp_path / "run.py")], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until = time.monotonic() + 8
        while not (creates.exists() and "start" in creates.read_text()):
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < until, "no placement started"
            time.sleep(0.02)
        worker.send_signal(signal.SIGTERM)  # a deploy, mid calls.create
        out, err = worker.communicate(timeout=8)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, err
    assert creates.read_text().split() == ["start", "+14155550100", "done", "+14155550100"]
    assert "stopped (SIGTERM)" in err
    with engine.connect() as conn:
        rows = dict(conn.execute(select(callbacks.c.call_id, callbacks.c.claimed_by)).all())
    engine.dispose()
    assert rows == {"CA1": "rest", "CA2": None}  # the one rung is claimed; no other was taken


def test_db_upgrade_reports_the_revision_the_database_is_at(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    first = CliRunner().invoke(cli, ["db", "upgrade", "--revision", "0003"])
    assert first.exit_code == 0 and first.output.rstrip().endswith("is at revision 0003")
    head = CliRunner().invoke(cli, ["db", "upgrade"])
    assert head.output.rstrip().endswith(f"is at revision {head_revision()}")
    back = CliRunner().invoke(cli, ["db", "upgrade", "--revision", "0003"])
    assert back.exit_code == 0
    assert f"is at revision {head_revision()} (unchanged" in back.output
    assert "is at revision 0003" not in back.output


def test_a_round_from_the_command_leaves_the_callers_signal_handlers_as_they_were(
        tmp_path, monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("HOLDWELL_JOURNAL_DIR", str(tmp_path / "journal"))
    monkeypatch.delenv("HOLDWELL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./holdwell.toml: the built-in defaults
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    result = CliRunner().invoke(cli, ["callbacks", "--once"])
    assert result.exit_code == 0, result.output
    assert "running config version 1; REST placement: off" in result.output
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_the_worker_refuses_a_journal_folder_it_cannot_write(tmp_path, monkeypatch,
                                                             sqlite_url):
    """`serve` refused it and the worker started anyway: its placements' writes in an outage
    would have been lost (operator audit 33, D9)."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    not_a_folder = tmp_path / "journal"
    not_a_folder.write_text("a file")
    monkeypatch.setenv("HOLDWELL_JOURNAL_DIR", str(not_a_folder))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["callbacks", "--once"])
    assert result.exit_code == 1
    assert "holdwell callbacks cannot start: HOLDWELL_JOURNAL_DIR:" in result.output
    assert "Traceback" not in result.output


def test_the_worker_never_watches_a_call_log_it_would_have_to_create(tmp_path, monkeypatch):
    """A mistyped SQLite path in the Procfile's worker: refused in one line, no file made
    (before, a new empty log was migrated, seeded and watched for ever, ringing nobody)."""
    typo = tmp_path / "holdwel.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{typo}")
    monkeypatch.setenv("HOLDWELL_JOURNAL_DIR", str(tmp_path / "journal"))
    monkeypatch.delenv("HOLDWELL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["callbacks", "--once"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert "holdwell db upgrade" in result.output and not typo.exists()


def test_a_database_url_without_its_driver_is_named_in_one_line(tmp_path, monkeypatch):
    """A URL naming a driver this install lacks: one line naming DATABASE_URL, the URL
    without its password, and the missing module; the same words `serve` and `simulate
    --sim-db` use (cli.database.cannot_use)."""
    monkeypatch.setenv("DATABASE_URL", "postgresql+pg8000://ops:secret@127.0.0.1/holdwell")
    monkeypatch.setenv("HOLDWELL_JOURNAL_DIR", str(tmp_path / "journal"))
    monkeypatch.delenv("HOLDWELL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["callbacks", "--once"])
    assert result.exit_code == 1, result.output
    said = result.output.strip().splitlines()
    assert len(said) == 1 and said[0].startswith(
        "Error: DATABASE_URL: cannot use the database at postgresql+pg8000://ops:***@"), said
    assert "secret" not in result.output and "pg8000" in said[0].rsplit(":", 1)[-1]


def test_an_interval_past_ten_minutes_is_refused_naming_the_option(tmp_path, monkeypatch,
                                                                   sqlite_url):
    """`--interval 15000` (milliseconds read as seconds) had run a round every four hours:
    dead claims held, callbacks at risk unrung, failure texts unsent (operator audit 35, D8)."""
    for typo in ("15000", "1e20", "600.5"):
        refused = CliRunner().invoke(cli, ["callbacks", "--interval", typo])
        assert refused.exit_code == 2, typo
        assert "Invalid value for '--interval'" in refused.output
        assert "0.1<=x<=600" in refused.output
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("HOLDWELL_JOURNAL_DIR", str(tmp_path / "journal"))
    monkeypatch.delenv("HOLDWELL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    ten_minutes = CliRunner().invoke(cli, ["callbacks", "--once", "--interval", "600"])
    assert ten_minutes.exit_code == 0, ten_minutes.output
