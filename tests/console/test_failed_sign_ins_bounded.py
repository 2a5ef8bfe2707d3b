"""Failed sign-ins grow the audit log by a bounded number of rows, however many there are
and from however many addresses, and the count an operator reads stays exact: a row each had
let anyone on the internet grow the log without end."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.storage import audit, failed_sign_ins
from app.storage.console_schema import audit_log
from app.storage.db import make_engine
from app.storage.failed_sign_ins import (
    FAILED,
    ITEMIZED_FROM_A_SOURCE,
    LOCKED,
    ROWS_PER_WINDOW,
    SUMMARY,
    FailedSignIn,
)
from tests.console.conftest import CONFIG, PASSWORD, csrf_of
from tests.support.postgres import fresh_postgres_url  # noqa: F401 - fixture

WINDOW_S = 15 * 60


def poster(app):  # noqa: ANN001, ANN201 - (address, name, password) -> response
    """One browser's sign-in form, posted from whichever address is named."""
    client = app.test_client()
    token = csrf_of(client.get("/console/login").data)

    def post(address: str, name: str, password: str):  # noqa: ANN202
        client.environ_base["REMOTE_ADDR"] = address
        return client.post("/console/login", data={"name": name, "password": password,
                                                   "csrf_token": token})
    return post


def failure_rows(app) -> list[audit.AuditEntry]:
    entries = audit.page(app.extensions["holdwell"].store.engine, kind="sign-ins",
                         limit=10_000).entries
    return [e for e in entries if e.action in (FAILED, LOCKED, SUMMARY)]


def counted(entries: list[audit.AuditEntry]) -> int:
    """Failed sign-ins the rows account for: one each, or a summary's count."""
    return sum(e.detail["failures"] if e.action == SUMMARY else e.action == FAILED
               for e in entries)


def test_a_long_guessing_run_from_one_address_keeps_a_few_rows_and_an_exact_count(
        console_app, clock, as_role):
    post = poster(console_app)
    started = clock.now()
    for n in range(90):  # 31 s apart: the throttle lets every one through to a check
        assert post("198.51.100.7", f"guess{n}", "wrong").status_code == 401
        clock.advance(31)
    rows = failure_rows(console_app)
    summaries = [e for e in rows if e.action == SUMMARY]
    assert len(rows) <= ITEMIZED_FROM_A_SOURCE + 1 and len(summaries) == 1
    assert counted(rows) == 90
    summary = failed_sign_ins.summary_of(summaries[0])
    assert summary.addresses == ["198.51.100.7"] and not summary.others
    assert summary.failures == 90 - ITEMIZED_FROM_A_SOURCE
    assert summary.first == started + timedelta(seconds=31 * ITEMIZED_FROM_A_SOURCE)
    assert summary.last == started + timedelta(seconds=31 * 89)
    assert summary.names[:2] == [f"guess{ITEMIZED_FROM_A_SOURCE}",
                                 f"guess{ITEMIZED_FROM_A_SOURCE + 1}"]
    assert summary.more_names
    # a right password from the same address is still audited, row by row
    assert post("198.51.100.7", "admin", PASSWORD).status_code == 302
    logins = [e for e in audit.page(console_app.extensions["holdwell"].store.engine,
                                    kind="sign-ins").entries if e.action == "session.login"]
    assert [(e.target, e.detail["address"]) for e in logins][0] == ("admin", "198.51.100.7")
    # the page says it in a sentence an operator can read
    page = as_role("admin").get("/console/people?kind=sign-ins").get_data(as_text=True)
    first = summary.first.strftime("%Y-%m-%d %H:%M:%S UTC")
    last = summary.last.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert (f"80 failed sign-ins from 198.51.100.7 between {first} and {last}, counted in "
            "this one row; names tried: guess10, guess11, guess12, guess13, guess14 and "
            "others.") in page


def test_failures_from_many_addresses_share_one_row_once_the_window_is_full(
        console_app, clock, as_role):
    post = poster(console_app)
    addresses = [f"10.0.{n // 250}.{n % 250 + 1}" for n in range(200)]
    for address in addresses:
        assert post(address, "admin", "wrong").status_code == 401
        clock.advance(1)
    rows = failure_rows(console_app)
    assert len(rows) <= ROWS_PER_WINDOW + 2
    assert counted(rows) == 200
    others = [failed_sign_ins.summary_of(e) for e in rows if e.action == SUMMARY]
    assert len(others) == 1 and others[0].others
    assert others[0].failures == 200 - ROWS_PER_WINDOW and others[0].names == ["admin"]
    assert others[0].addresses == addresses[ROWS_PER_WINDOW:ROWS_PER_WINDOW + 5]
    assert others[0].more_addresses
    page = as_role("admin").get("/console/people?kind=sign-ins").get_data(as_text=True)
    assert ("150 failed sign-ins from other addresses (among them 10.0.0.51, 10.0.0.52, "
            "10.0.0.53, 10.0.0.54, 10.0.0.55 and more) between") in page
    # the window over, a new failure from an address is written on its own again
    clock.advance(WINDOW_S + 1)
    assert post("10.9.9.9", "admin", "wrong").status_code == 401
    newest = failure_rows(console_app)[0]
    assert (newest.action, newest.detail) == (FAILED, {"address": "10.9.9.9"})


def _record_at_once(url: str, failures: list[FailedSignIn]) -> None:
    """Every failure recorded at the same moment, each by its own thread and connection."""
    engine = make_engine(url)
    start = threading.Barrier(len(failures))

    def one(failure: FailedSignIn) -> None:
        start.wait()
        failed_sign_ins.record(engine, failure, window_s=WINDOW_S)

    threads = [threading.Thread(target=one, args=(f,)) for f in failures]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine.dispose()


def _parallel_failures_lose_no_count(url: str) -> None:
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    failures = [FailedSignIn(name=f"n{k}", address=f"10.1.{k % 3}.1",
                             source=f"10.1.{k % 3}.1", from_source=ITEMIZED_FROM_A_SOURCE + 1,
                             lock=None, time=now) for k in range(12)]
    _record_at_once(url, failures * 2)
    with make_engine(url).connect() as conn:
        rows = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    summaries = [e for e in audit.page(make_engine(url)).entries if e.action == SUMMARY]
    assert rows == len(summaries) == 3  # one per source, never two for one
    assert sorted(e.detail["failures"] for e in summaries) == [8, 8, 8]


def test_parallel_failures_lose_no_count_on_sqlite(sqlite_url):
    _parallel_failures_lose_no_count(sqlite_url)


def test_parallel_failures_lose_no_count_on_postgresql(fresh_postgres_url):  # noqa: F811
    _parallel_failures_lose_no_count(fresh_postgres_url)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_name_of_invisible_characters_is_audited_within_the_column(database, request,
                                                                     make_app):
    """Escaped, 64 zero-width spaces are 384 characters: PostgreSQL refused the row (a 500,
    and the failure left no trace in the audit log)."""
    url = request.getfixturevalue("sqlite_url" if database == "sqlite"
                                  else "fresh_postgres_url")
    app = make_app(CONFIG, database_url=url)
    post = poster(app)
    assert post("10.0.0.1", "\u200b" * 64, "wrong").status_code == 401
    assert post("10.0.0.1", "ab\u200b" * 30, "wrong").status_code == 401
    names = [e.target for e in failure_rows(app)]
    assert names == ["ab\\u200b" * 16, "\\u200b" * 21]  # newest first; whole escapes only


def _steady_run(url: str, start: datetime, until: datetime, zone) -> list[FailedSignIn]:  # noqa: ANN001
    """A source's quick first 11 failures (the 11th opens its summary), then one every 14
    minutes, each within the window of the one before, recorded one by one."""
    engine = make_engine(url)
    times = [start + timedelta(seconds=31 * k) for k in range(ITEMIZED_FROM_A_SOURCE + 1)]
    while times[-1] + timedelta(minutes=14) < until:
        times.append(times[-1] + timedelta(minutes=14))
    failures = [FailedSignIn(name=f"n{k}", address="198.51.100.7", source="198.51.100.7",
                             from_source=min(k + 1, ITEMIZED_FROM_A_SOURCE + 1)
                             if k <= ITEMIZED_FROM_A_SOURCE else 2,
                             lock=None, time=moment, day_zone=zone)
                for k, moment in enumerate(times)]
    for failure in failures:
        failed_sign_ins.record(engine, failure, window_s=WINDOW_S)
    engine.dispose()
    return failures


@pytest.mark.parametrize(("database", "zone"), [
    ("sqlite", UTC), ("postgresql", UTC), ("sqlite", ZoneInfo("America/New_York"))])
def test_a_slow_steady_run_is_summarised_a_day_a_row_with_exact_counts(database, zone,
                                                                       request):
    """One failure every 14 minutes kept one summary open for days: its sentence read only
    the first and the last, and its row's time (the last failure) kept it from any
    retention while it held names tried days before."""
    url = request.getfixturevalue("sqlite_url" if database == "sqlite"
                                  else "fresh_postgres_url")
    start = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
    failures = _steady_run(url, start, datetime(2026, 1, 7, 9, 0, tzinfo=UTC), zone)
    entries = list(reversed(audit.page(make_engine(url), limit=10_000).entries))
    assert [e.action for e in entries[:ITEMIZED_FROM_A_SOURCE]] == [
        FAILED] * ITEMIZED_FROM_A_SOURCE
    summaries = [failed_sign_ins.summary_of(e) for e in entries[ITEMIZED_FROM_A_SOURCE:]]
    assert None not in summaries  # the run goes on summarised, not a row a failure again
    days = sorted({f.time.astimezone(zone).date()
                   for f in failures[ITEMIZED_FROM_A_SOURCE:]})
    assert [s.first.astimezone(zone).date() for s in summaries] == days
    assert [s.last.astimezone(zone).date() for s in summaries] == days
    assert sum(s.failures for s in summaries) == len(failures) - ITEMIZED_FROM_A_SOURCE
    counted_times = [f.time for f in failures[ITEMIZED_FROM_A_SOURCE:]]
    for summary in summaries:
        mine = [t for t in counted_times
                if t.astimezone(zone).date() == summary.first.astimezone(zone).date()]
        assert (summary.failures, summary.first, summary.last) == (len(mine), min(mine),
                                                                    max(mine))


def test_the_people_page_reads_each_day_of_a_steady_run_on_the_lines_clock(make_app,
                                                                          clock):
    from app.storage import users
    from tests.console.conftest import Console

    every_day = "".join(f'{day} = "08:00-20:00"\n' for day in (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
    app = make_app('[queues.support]\npolicy = "checkin"\n[queues.support.hours]\n'
                   f'timezone = "America/New_York"\n{every_day}')
    users.add_user(app.extensions["holdwell"].store.engine, "admin", "admin", PASSWORD,
                   clock.now())
    clock.set(datetime(2026, 1, 5, 20, 0, tzinfo=UTC))  # 15:00 in New York
    post = poster(app)
    posted = 0
    while clock.now() < datetime(2026, 1, 6, 8, 0, tzinfo=UTC):  # 03:00 next day there
        assert post("198.51.100.7", f"guess{posted}", "wrong").status_code == 401
        posted += 1
        clock.advance(31 if posted <= ITEMIZED_FROM_A_SOURCE else 14 * 60)
    page = Console(app, "admin").get("/console/people?kind=sign-ins").get_data(as_text=True)
    said = re.findall(r"(\d+) failed sign-ins from 198\.51\.100\.7 between (\S+) \S+ EST and "
                      r"(\S+) \S+ EST, counted in this one row", page)
    assert sorted((first, last) for _, first, last in said) == [
        ("2026-01-05", "2026-01-05"), ("2026-01-06", "2026-01-06")]
    assert sum(int(n) for n, _, _ in said) == posted - ITEMIZED_FROM_A_SOURCE
