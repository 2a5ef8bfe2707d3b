"""Whether two groups ran on the same days is read on the report's clock (`--timezone`), the
days of its day breakdown: a New York evening and the next New York morning are two days
there, though both fall on one UTC date. The definition had said the days were UTC."""

from __future__ import annotations

from analytics.definitions import definitions
from analytics.report import build_report
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame

EVENING = 16 * 3600.0  # T0 is 09:00 UTC: 01:00 UTC next day is 20:00 in New York (EST)
MORNING = EVENING + 5 * 3600.0  # 06:00 UTC next day: 01:00 in New York, the next date there


def _records():
    return frame([
        call(f"{policy}{k}", Outcome.ABANDONED if k % 4 == 0 else Outcome.ANSWERED, 30,
             policy=policy, at_s=start + 240.0 * k)
        for policy, start in (("music_ads", EVENING), ("checkin", MORNING)) for k in range(40)
    ])


def _primary(timezone: str) -> dict:
    report = build_report(_records(), timezone=timezone)
    return next(c for c in report["comparisons"] if c["primary"])


def test_days_together_are_the_report_clocks_days():
    assert _primary("UTC")["days_together"] == [1, 1]
    new_york = _primary("America/New_York")
    assert new_york["days_together"] == [0, 2]
    assert new_york["verdict"] == "not compared: ran on different days"


def test_the_definition_names_the_clock_the_days_are_read_on():
    said = definitions(5.0, 20.0)["difference"]["definition"]
    assert "days either had], UTC)" not in said
    assert "days on the report's clock" in said
