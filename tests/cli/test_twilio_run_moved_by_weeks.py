"""A Twilio run into a log that already holds its hours moves by whole weeks, and says so:
moved by whole days without a word, a replayed Saturday had rung on Sunday's opening hours
(and a fitted Tuesday on Wednesday's), with records dated a day later than asked."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from cli.simulate_commands import simulate_command

HOURS = """[queues.support]
policy = "checkin"
[queues.support.hours]
timezone = "UTC"
saturday = "10:00-14:00"
sunday = "08:00-18:00"
"""


def test_a_second_run_in_the_same_log_keeps_the_weekday_and_says_it_moved(tmp_path) -> None:
    (tmp_path / "hours.toml").write_text(HOURS)
    pd.DataFrame({"entered_at": ["2026-03-28T13:00:00Z", "2026-03-28T15:00:00Z"]}).to_csv(
        tmp_path / "saturday.csv", index=False)
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    runs = []
    for n in (1, 2):
        out = tmp_path / f"run{n}.csv"
        result = CliRunner().invoke(simulate_command, [
            "--engine", "twilio", "--policy", "checkin", "--config", str(tmp_path / "hours.toml"),
            "--arrivals-from", str(tmp_path / "saturday.csv"), "--agents", "1",
            "--sim-db", url, "--json", "--out", str(out)])
        assert result.exit_code == 0, result.output
        runs.append((result.output, pd.read_csv(out, parse_dates=["entered_at"])))
    (first_said, first), (second_said, second) = runs
    assert first["entered_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2026-03-28 13:00"]
    assert "moved" not in first_said
    assert second["entered_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2026-04-04 13:00"]
    assert ("is moved 1 week(s) later, to start Sat 2026-04-04 00:00 UTC: the same weekdays"
            in second_said)
