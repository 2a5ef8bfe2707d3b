"""`holdwell fit` and `backtest` take --db as report and export do: `fit --db URL` had said
"No such option '--db'", and the log was read only from DATABASE_URL (analyst audit 42,
finding 6)."""

from __future__ import annotations

from click.testing import CliRunner

from cli.twin_commands import backtest_command, fit_command
from tests.console.twin_seed import known_log, seed_log


def test_fit_reads_the_log_named_by_db(sqlite_url, tmp_path, monkeypatch):
    seed_log(sqlite_url, known_log())
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")  # not read
    out = tmp_path / "twin.toml"
    result = CliRunner().invoke(fit_command, ["--db", sqlite_url, "--out", str(out),
                                              "--assume-take-up"])
    assert result.exit_code == 0, result.output
    assert out.exists() and "scenario written to" in result.output


def test_records_and_db_together_are_refused_naming_both(sqlite_url, tmp_path):
    records = tmp_path / "calls.csv"
    records.write_text("call_id\n", encoding="utf-8")
    for command in (fit_command, backtest_command):
        result = CliRunner().invoke(command, ["--db", sqlite_url, "--records", str(records)])
        assert result.exit_code == 2 and "give --records or --db, not both" in result.output
