"""The console reads and shows times on the line's own clock: an operator in Sydney had picked
"09:00" meaning 09:00 local on the unserved page, got 09:00 UTC (20:00 local), and read every
time on every page in UTC."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from sqlalchemy import insert

from app.storage import users
from app.storage.schema import callbacks, calls
from tests.console.conftest import PASSWORD, Console
from tests.support.sids import sid

EVERY_DAY = "".join(f'{day} = "08:00-20:00"\n' for day in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))


def _line(make_app, clock, second_zone: str | None = None):  # noqa: ANN202
    config = ('[line]\ndefault_queue = "support"\n'
              '[queues.support]\npolicy = "checkin"\n[queues.support.hours]\n'
              f'timezone = "Australia/Sydney"\n{EVERY_DAY}')
    if second_zone:
        config += (f'[queues.sales]\npolicy = "checkin"\n[queues.sales.hours]\n'
                   f'timezone = "{second_zone}"\n{EVERY_DAY}')
    app = make_app(config)
    clock.set(datetime(2026, 12, 5, 6, 0, tzinfo=UTC))  # 17:00 in Sydney (UTC+11)
    engine = app.extensions["holdwell"].store.engine
    with engine.begin() as conn:
        for name, at in (("CA1", datetime(2026, 12, 4, 21, 30, tzinfo=UTC)),  # 08:30 local
                         ("CA2", datetime(2026, 12, 4, 23, 30, tzinfo=UTC))):  # 10:30 local
            conn.execute(insert(calls).values(
                call_id=sid(name), queue="support", policy="checkin", arrived_at=at,
                entered_at=at, outcome="abandoned", wait_s=30, from_number="+61255550100"))
    users.add_user(engine, "olive", "operator", PASSWORD, clock.now())
    return app, Console(app, "olive")


def test_the_pickers_and_the_times_are_on_the_lines_clock(make_app, clock):
    app, operator = _line(make_app, clock)
    page = operator.get("/console/unserved?start=2026-12-05T09:00&end=2026-12-05T17:00")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert sid("CA2") in html and sid("CA1") not in html  # 08:30 local is before 09:00 local
    assert "2026-12-05 10:30:00 AEDT" in html and 'title="2026-12-04 23:30:00 UTC"' in html
    assert "the line's clock (Australia/Sydney), the time zone of the default queue" in html
    assert 'value="2026-12-05T09:00"' in html  # the picker keeps what was picked
    download = operator.get("/console/unserved.csv?start=2026-12-05T09:00&end=2026-12-05T17:00")
    assert sid("CA2") in download.get_data(as_text=True)
    assert sid("CA1") not in download.get_data(as_text=True)


def test_queues_on_different_clocks_show_the_default_queues(make_app, clock):
    """Sydney's support (the default queue) and Berlin's sales: the page shows one clock,
    the one the twin reads the log on, and names it."""
    app, operator = _line(make_app, clock, second_zone="Europe/Berlin")
    page = operator.get("/console/unserved?start=2026-12-05T09:00&end=2026-12-05T17:00")
    html = page.get_data(as_text=True)
    assert sid("CA2") in html and sid("CA1") not in html
    assert "2026-12-05 10:30:00 AEDT" in html
    assert "the line's clock (Australia/Sydney)" in html


def test_a_line_without_opening_hours_reads_utc_and_says_why(console_app, tokens):
    operator = Console(console_app, "operator")
    html = operator.get("/console/unserved").get_data(as_text=True)
    assert "on\nUTC, the time zone of the default queue's opening hours, else" in html


def test_a_time_the_clocks_skipped_is_refused_by_name(make_app, clock):
    """02:30 on the morning New York's clocks went forward never happened: read as 03:30,
    a period typed in order had been refused as reversed."""
    app = make_app('[queues.support]\npolicy = "checkin"\n[queues.support.hours]\n'
                   f'timezone = "America/New_York"\n{EVERY_DAY}')
    users.add_user(app.extensions["holdwell"].store.engine, "olive", "operator", PASSWORD,
                   clock.now())
    page = Console(app, "olive").get("/console/unserved?start=2026-03-08T02:30"
                                     "&end=2026-03-08T03:15")
    said = page.get_data(as_text=True)
    assert page.status_code == 422 and "From: 2026-03-08 02:30 does not exist" in said
    assert "clocks went forward" in said and "reversed" not in said
    assert "2026-12-01T09:00" not in said  # no format to suggest: it is no format problem


def test_cleared_pickers_show_the_default_period(make_app, clock):
    """Both boxes cleared had been "Input should be a valid datetime… input is too short"
    (browser walk-through U19): an empty box is the default, as one left out is."""
    app, operator = _line(make_app, clock)
    page = operator.get("/console/unserved?start=&end=")
    assert page.status_code == 200, page.get_data(as_text=True)[-400:]
    garbled = operator.get("/console/unserved?start=tuesday")
    assert garbled.status_code == 422
    assert "(a date and time such as 2026-12-01T09:00)" in garbled.get_data(as_text=True)


def test_a_picked_time_past_the_calendars_end_is_a_422_not_a_500(make_app, clock):
    app, operator = _line(make_app, clock)
    page = operator.get("/console/unserved?start=0001-01-01T00:30")  # before UTC's year 1
    assert page.status_code == 422 and "From:" in page.get_data(as_text=True)


def test_every_pages_times_are_on_the_lines_clock(make_app, clock):
    admin_name = "ada"
    app, operator = _line(make_app, clock)
    engine = app.extensions["holdwell"].store.engine
    users.add_user(engine, admin_name, "admin", PASSWORD, clock.now())  # 17:00 AEDT
    at = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # 10:30 AEDT
    with engine.begin() as conn:
        conn.execute(insert(callbacks).values(call_id=sid("CA1"), queue="support",
                                              number="+61255550100", entered_at=at,
                                              requested_at=at, status="pending"))
    shown = operator.get("/console/callbacks").get_data(as_text=True)
    assert "2026-12-05 10:30:00 AEDT" in shown and "the line&#39;s clock (Australia/Sydney)" \
        in shown
    admin = Console(app, admin_name)
    audit_page = admin.get("/console/people").get_data(as_text=True)
    assert "2026-12-05 17:00:00 AEDT" in audit_page  # the user.add entries
    versions = admin.get("/console/versions").get_data(as_text=True)
    assert "AEDT" in versions and "when (UTC)" not in versions
    board = operator.get("/console/").get_data(as_text=True)
    assert 'data-as-of="17:00:00 AEDT"' in board


def test_a_reversed_period_is_said_on_the_clock_it_was_typed_on(make_app, clock):
    app, operator = _line(make_app, clock)
    page = operator.get("/console/unserved?start=2026-12-05T09:00&end=2026-12-05T08:00")
    said = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 422
    assert "must be after “From” (2026-12-05T09:00:00+11:00)" in said
    assert "'2026-12-05T08:00:00+11:00'" in said


def test_a_time_the_clocks_showed_twice_is_said_with_a_way_to_the_second(make_app, clock):
    """01:30 on the night New York's clocks went back came twice: the period took the first
    without a word (browser walk-through U20)."""
    app = make_app('[queues.support]\npolicy = "checkin"\n[queues.support.hours]\n'
                   f'timezone = "America/New_York"\n{EVERY_DAY}')
    users.add_user(app.extensions["holdwell"].store.engine, "olive", "operator", PASSWORD,
                   clock.now())
    olive = Console(app, "olive")
    page = html.unescape(olive.get("/console/unserved?start=2026-11-01T01:30"
                                   "&end=2026-11-01T03:00").get_data(as_text=True))
    assert ("From: 2026-11-01 01:30 came twice on the line's clock (the clocks went back: "
            "first EDT, then EST); this period takes the first.") in page
    link = re.search(r'href="(/console/unserved\?[^"]*)">Take the second \(EST\)', page)
    assert link is not None and "start=2026-11-01T01%3A30%3A00-05%3A00" in link.group(1)
    second = html.unescape(olive.get(link.group(1)).get_data(as_text=True))
    assert "came twice" not in second and "2026-11-01T01:30" in second  # the picker's value
