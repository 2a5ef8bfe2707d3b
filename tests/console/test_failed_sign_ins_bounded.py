"""Failed sign-ins grow the audit log by a bounded number of rows, however many there are
and from however many addresses, and the count an operator reads stays exact: a row each had
let anyone on the internet grow the log without end."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

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
