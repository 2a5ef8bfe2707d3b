"""Every told wait on a real log, scored by the position told (analytics.told_waits), and on
the report page: hand-counted calls and check-ins."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pandas as pd
from click.testing import CliRunner

from analytics.events import validate_events
from analytics.records import write_records
from analytics.render_html import render_html
from analytics.report import build_report
from analytics.told_waits import told_wait_rows
from cli.report_commands import report_command
from tests.analytics.builders import T0, call, frame
from tests.support.browser import browser, browser_page  # noqa: F401


def announce(call_id: str, at_s: float, told_s: float | None, position: int | None,
             as_text: bool = True) -> dict:
    data = {"kind": "checkin"} | ({"announced_wait_s": told_s} if told_s is not None else {})
    return {"time": T0 + timedelta(seconds=at_s), "call_id": call_id, "queue": "support",
            "event": "ANNOUNCE", "policy": "checkin", "arm": "", "position": position,
            "wait_s": at_s, "data": json.dumps(data) if as_text else data}


RECORDS = frame([
    call("A", "answered", 300),  # entered at T0, answered at 300 s
    call("B", "abandoned", 600),  # hung up at 600 s
    call("C", "callback_connected", 200, callback_requested=True),
    call("D", "answered", 100),
])
EVENTS = validate_events(pd.DataFrame([
    announce("A", 60, 120, 5),  # deadline 180 s, still waiting until 300: late (4–10)
    announce("A", 240, 60, 2),  # deadline 300 s, answered at 300: in time (1–3)
    announce("B", 120, 900, 9),  # deadline 1020 s, hung up at 600 first: not scored
    announce("B", 300, 60, None),  # deadline 360 s, still waiting until 600: late (not said)
    announce("C", 60, 60, 3),  # a callback taker: never scored
    announce("D", 30, 120, 1, as_text=False),  # deadline 150 s, answered at 100: in time
    announce("D", 60, None, 1),  # told no wait (a position only): not a told wait
]))


def test_every_told_wait_is_scored_by_the_position_told():
    rows = {row["positions"]: row for row in told_wait_rows(RECORDS, EVENTS)}
    assert list(rows) == ["all", "1–3", "4–10", "not said"]
    assert {k: (r["scored"], r["late"]) for k, r in rows.items()} == {
        "all": (4, 2), "1–3": (2, 0), "4–10": (1, 1), "not said": (1, 1)}
    assert rows["all"]["late_share"] == 0.5
    assert all(r["group"] == "support · checkin" for r in rows.values())


def test_no_events_no_rows():
    assert told_wait_rows(RECORDS, None) == []
    assert told_wait_rows(RECORDS, EVENTS.iloc[0:0]) == []


def test_the_report_page_shows_them_and_reads_well_in_chromium(browser_page, tmp_path):  # noqa: F811
    page = render_html(build_report(RECORDS), RECORDS, EVENTS)
    assert "Every told wait, by the position told" in page
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    browser_page.goto(path.as_uri())
    summary = browser_page.get_by_text("Every told wait, by the position told")
    summary.click()
    table = browser_page.locator("details[open] table").last
    cells = table.locator("tr").nth(1).locator("td").all_inner_texts()
    assert cells == ["support · checkin", "all", "4", "2", "50.0%"]
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_text_and_json_reports_carry_them_when_events_are_given(tmp_path):
    records, events = tmp_path / "calls.csv", tmp_path / "events.csv"
    write_records(RECORDS, records)
    EVENTS.assign(data=EVENTS["data"].map(
        lambda d: d if isinstance(d, str) else json.dumps(d))).to_csv(events, index=False)
    runner = CliRunner()
    text = runner.invoke(report_command, ["--records", str(records), "--events", str(events)])
    assert text.exit_code == 0, text.output
    assert "every told wait" in text.output
    assert re.search(r"support · checkin\s+all\s+4\s+2\s+50\.0%", text.output)
    as_json = runner.invoke(report_command, ["--records", str(records), "--events", str(events),
                                             "--json"])
    rows = json.loads(as_json.stdout)["told_waits"]
    assert (rows[0]["positions"], rows[0]["scored"], rows[0]["late"]) == ("all", 4, 2)
    plain = runner.invoke(report_command, ["--records", str(records)])
    assert plain.exit_code == 0 and "every told wait" not in plain.output  # no events: none


def test_a_caller_who_asked_for_a_callback_but_was_answered_in_line_is_scored():
    """They are no callback taker (as kept_longer_than_told_share counts them): told 60 s at
    10 s, answered at 500 s, they were kept longer than told, and the table must say so."""
    records = frame([call("X", "answered", 500, callback_requested=True)])
    events = validate_events(pd.DataFrame([announce("X", 10, 60, 2)]))
    (everyone, _band) = told_wait_rows(records, events)
    assert (everyone["scored"], everyone["late"]) == (1, 1)


def test_the_page_states_the_unserved_rate_the_report_computes():
    """The verdict box said "(abandoned + callback failed) / every call" while the numbers
    also count error and overflow: on such a log the page's words reversed the verdict."""
    from hold_policies.records import UNSERVED_FORMULA

    records = frame([call("A", "answered", 30), call("B", "error", 30),
                     call("C", "overflow", 30), call("D", "abandoned", 30)])
    page = render_html(build_report(records), records)
    assert UNSERVED_FORMULA in page and "(abandoned +\ncallback failed) / every" not in page


def test_events_of_another_log_are_said_to_match_no_call(tmp_path):
    """Announcements none of whose calls is in the records left the told waits out without
    a word."""
    records, events = tmp_path / "calls.csv", tmp_path / "events.csv"
    write_records(RECORDS, records)
    EVENTS.assign(call_id="other-" + EVENTS["call_id"].astype(str), data=EVENTS["data"].map(
        lambda d: d if isinstance(d, str) else json.dumps(d))).to_csv(events, index=False)
    said = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                               str(events), "--json"])
    assert said.exit_code == 0, said.output
    assert "warning: --events: none of the" in said.stderr and "no told wait is scored" in \
        said.stderr
    assert json.loads(said.stdout)["told_waits"] == []
    own = tmp_path / "own.csv"
    EVENTS.assign(data=EVENTS["data"].map(
        lambda d: d if isinstance(d, str) else json.dumps(d))).to_csv(own, index=False)
    matched = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                                  str(own), "--json"])
    assert matched.exit_code == 0 and "warning" not in matched.stderr


def test_events_without_announcements_are_said_when_calls_heard_some(tmp_path):
    """A file of events with no ANNOUNCE (the header alone, or cut to other events) left the
    told waits' table out without a word, though the records' calls heard announcements."""
    records, events = tmp_path / "calls.csv", tmp_path / "events.csv"
    write_records(frame([call("A", "answered", 300, announcements=2, told_s=120),
                         call("B", "answered", 10)]), records)
    EVENTS.iloc[:0].to_csv(events, index=False)
    said = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                               str(events), "--json"])
    assert said.exit_code == 0, said.output
    assert "warning: --events: no announcement (ANNOUNCE) in 0 events, though 1 of the " \
        "records' calls heard one" in said.stderr
    assert "no told wait is scored" in said.stderr
    silent = tmp_path / "silent.csv"
    write_records(frame([call("B", "answered", 10, policy="silence")]), silent)
    quiet = CliRunner().invoke(report_command, ["--records", str(silent), "--events",
                                                str(events), "--json"])
    assert quiet.exit_code == 0 and "warning" not in quiet.stderr
