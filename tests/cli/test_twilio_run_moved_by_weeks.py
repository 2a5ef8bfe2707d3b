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


def test_the_weeks_are_counted_on_the_lines_clock_across_a_daylight_saving_change() -> None:
    """A Berlin replay starting at its local midnight, moved a week across the spring change,
    had started at 01:00 CEST, and its 13:30 caller rang at 14:30 (review 38)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from emulator.run import weeks_after

    berlin = ZoneInfo("Europe/Berlin")
    wanted = datetime(2026, 3, 27, 23, 0, tzinfo=UTC)  # Saturday 28 March, 00:00 CET
    moved = weeks_after(wanted, datetime(2026, 3, 28, 15, 0, tzinfo=UTC), berlin)
    assert moved.astimezone(berlin).replace(tzinfo=None) == datetime(2026, 4, 4, 0, 0)
    assert moved == datetime(2026, 4, 3, 22, 0, tzinfo=UTC)
    later = weeks_after(wanted, datetime(2026, 4, 3, 22, 0, tzinfo=UTC), berlin)  # on it
    assert later.astimezone(berlin).replace(tzinfo=None) == datetime(2026, 4, 11, 0, 0)
    assert weeks_after(wanted, wanted, UTC) == datetime(2026, 4, 3, 23, 0, tzinfo=UTC)


def test_the_moved_start_is_said_on_the_lines_clock_with_its_zone(tmp_path) -> None:
    """A Berlin line's run moved to its Saturday midnight had been said as "Fri 2026-04-03
    22:00 UTC" (and the log's calls "from Fri 2026-03-27 on"): the right moment, read on
    no clock the line keeps."""
    (tmp_path / "hours.toml").write_text(HOURS.replace('"UTC"', '"Europe/Berlin"'))
    pd.DataFrame({"entered_at": ["2026-03-28T12:00:00Z"]}).to_csv(tmp_path / "sat.csv",
                                                                   index=False)
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    said = []
    for _ in (1, 2):
        result = CliRunner().invoke(simulate_command, [
            "--engine", "twilio", "--policy", "checkin", "--config", str(tmp_path / "hours.toml"),
            "--arrivals-from", str(tmp_path / "sat.csv"), "--agents", "1", "--sim-db", url,
            "--json"])
        assert result.exit_code == 0, result.output
        said.append(result.stderr)
    assert "is moved" not in said[0]
    assert "already holds calls from Sat 2026-03-28 on" in said[1]
    assert "is moved 1 week(s) later, to start Sat 2026-04-04 00:00 Europe/Berlin:" in said[1]
