"""`holdwell report --timezone ZONE`: --from/--to and the hour and day breakdowns on the
line's clock (analyst audit 36, D10: a Berlin analyst got UTC days and hours only, and a
week across a daylight-saving change bucketed in UTC)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from analytics.records import write_records
from cli.report_commands import report_command
from hold_policies.records import Outcome
from tests.analytics.builders import T0, call


def _at(utc: str) -> float:
    """Seconds after the builders' T0; Berlin moves from UTC+1 to UTC+2 at 01:00 UTC on
    29 March 2026."""
    return (datetime.fromisoformat(utc) - T0).total_seconds()


@pytest.fixture
def log(tmp_path):
    calls = [
        call("morning-before", Outcome.ANSWERED, 10, at_s=_at("2026-03-28T07:00:00Z")),  # 08:00
        call("morning-after", Outcome.ANSWERED, 10, at_s=_at("2026-03-30T06:00:00Z")),  # 08:00
        call("late", Outcome.ABANDONED, 40, at_s=_at("2026-03-29T22:30:00Z")),  # 03-30 00:30
        call("earlier", Outcome.ANSWERED, 10, at_s=_at("2026-03-29T21:30:00Z")),  # 03-29 23:30
    ]
    return str(write_records(calls, tmp_path / "calls.csv"))


def _report(log: str, *options: str) -> dict:
    result = CliRunner().invoke(report_command, ["--records", log, "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("whole", [False, True])  # batched, and read whole (as --html does)
def test_hours_and_days_are_the_lines_wall_clock(log, tmp_path, whole):
    extra = ["--html", str(tmp_path / "r.html")] if whole else []
    report = _report(log, "--timezone", "Europe/Berlin", *extra)
    hours = {row["hour_of_day"]: row["calls"] for row in report["breakdowns"]["hour_of_day"]}
    assert hours == {"08": 2, "00": 1, "23": 1}  # both mornings at 08:00, across the change
    days = {row["day"]: row["calls"] for row in report["breakdowns"]["day"]}
    assert days == {"2026-03-28": 1, "2026-03-29": 1, "2026-03-30": 2}
    assert report["settings"]["timezone"] == "Europe/Berlin"
    utc = _report(log)
    assert {row["hour_of_day"] for row in utc["breakdowns"]["hour_of_day"]} == {"07", "06",
                                                                                 "22", "21"}


def test_from_and_to_are_read_on_the_lines_clock(log):
    berlin = _report(log, "--timezone", "Europe/Berlin", "--from", "2026-03-30")
    assert berlin["period"]["calls"] == 2  # 00:30 and 08:00 on Berlin's 30 March
    assert _report(log, "--from", "2026-03-30")["period"]["calls"] == 1  # UTC: 06:00 only
    offset = _report(log, "--timezone", "Europe/Berlin", "--from", "2026-03-30T00:00Z")
    assert offset["period"]["calls"] == 1  # a time naming its offset is taken as it says


def test_the_text_and_page_name_the_clock(log, tmp_path):
    page = tmp_path / "r.html"
    result = CliRunner().invoke(report_command, ["--records", log, "--timezone",
                                                 "Europe/Berlin", "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert "clock: Europe/Berlin" in result.stdout
    assert "By day (Europe/Berlin)" in page.read_text(encoding="utf-8")


def test_an_unknown_zone_is_refused_naming_the_option(log):
    result = CliRunner().invoke(report_command, ["--records", log, "--timezone", "Mars/Base"])
    assert result.exit_code == 2
    assert "--timezone" in result.output and "'Mars/Base' is not an IANA time zone" in result.output
