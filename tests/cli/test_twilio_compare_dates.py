"""`compare --engine twilio`: which dates each policy meets. Runs in one `--sim-db` cannot
share dates (the app reads the log's recent past: estimates, callbacks), so each is moved a
week past the last, and the output now says so and why; without `--sim-db` each policy gets
a log of its own, named for it, so all run on the scenario's own dates (they had shared a
file whenever two runs started within one second of the wall clock, and then moved)."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from cli.simulate_commands import compare_command

SMALL = ["--engine", "twilio", "--policies", "silence,checkin", "--calls", "30",
         "--arrival-rate", "0.5", "--agents", "2", "--seed", "5"]


def test_without_a_sim_db_every_policy_has_its_own_log_and_the_same_dates(
        tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "both.csv"
    result = CliRunner().invoke(compare_command, [*SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    logs = [path.name for path in tmp_path.glob("holdwell-sim-*.db")]
    assert sorted(name.rsplit("-", 1)[1] for name in logs) == ["checkin.db", "silence.db"]
    records = pd.read_csv(out, parse_dates=["entered_at"])
    days = records.groupby("policy")["entered_at"].agg(lambda at: at.min().floor("D"))
    assert set(days) == {pd.Timestamp("2026-01-05", tz="UTC")}
    assert "dates:" not in result.stdout and "is moved" not in result.stderr


def test_into_one_sim_db_the_output_names_each_policys_dates_and_why(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    result = CliRunner().invoke(compare_command, [*SMALL, "--sim-db", url])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith("dates:"))
    assert ("(silence from Mon 2026-01-05 00:00, checkin from Mon 2026-01-12 00:00, UTC): "
            "the same callers at the same weekday and time of day") in line
    assert "the app reads the log's recent past" in line


HOLIDAY = """[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
[queues.support.hours]
timezone = "UTC"
monday = "00:00-18:00"
closed = [2026-01-12]
"""


def test_a_closed_date_in_one_policys_week_is_said_for_each_policy(tmp_path) -> None:
    """The second policy's week is a holiday: its callers all rang while closed. Its column
    had been named "" (no record to read its policy from), and only the first policy's
    counts and closed callers were said, as if they stood for both."""
    (tmp_path / "hours.toml").write_text(HOLIDAY)
    result = CliRunner().invoke(compare_command, [
        *SMALL, "--config", str(tmp_path / "hours.toml"),
        "--sim-db", f"sqlite:///{tmp_path / 'sim.db'}"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "silence: closed: 0 calls rang outside opening hours" in result.stdout
    assert "checkin: closed: 30 calls rang outside opening hours" in result.stdout
    assert "checkin: counted: all 0 calls" in result.stdout
    paired = next(line for line in lines if line.startswith("unserved vs the first"))
    assert paired.split()[-1] == "n/a"
    assert not any(line.startswith(": ") for line in lines)  # every run named


def test_json_names_each_policys_start(tmp_path) -> None:
    """`--json` had carried no date: the weeks a compare into one `--sim-db` gave each
    policy were said only in the table's output."""
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    result = CliRunner().invoke(compare_command, [*SMALL, "--sim-db", url, "--json"])
    assert result.exit_code == 0, result.output
    starts = {run["policy"]: run["start"] for run in json.loads(result.stdout)}
    assert starts == {"silence": "2026-01-05T00:00:00+00:00",
                      "checkin": "2026-01-12T00:00:00+00:00"}
