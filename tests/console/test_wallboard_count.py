"""'Waiting now' is every caller in line, not the length of the list the page shows: with more
than the list's limit the count is the true COUNT and the list says what it leaves out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from app.storage.schema import calls
from app.storage.wallboard import WAITING_LIMIT
from tests.console.test_wallboard import _call, queue_of

IN_LINE = WAITING_LIMIT + 37


def fill_the_line(app, clock) -> None:
    now = clock.now()
    rows = [_call(n, None, None, now - timedelta(seconds=IN_LINE - n), last_polled_at=now)
            for n in range(IN_LINE)]
    with app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), rows)


def test_the_api_counts_every_waiting_caller_beyond_the_list(console_app, as_role, clock):
    fill_the_line(console_app, clock)
    support = queue_of(as_role("analyst").api("GET", "/api/v1/queues").get_json(), "support")
    assert support["waiting_count"] == IN_LINE
    assert len(support["waiting"]) == WAITING_LIMIT
    assert support["waiting"][0]["call_id"] == "T0"  # the longest-waiting first


def test_the_wallboard_shows_the_true_count_and_says_the_list_is_partial(console_app, as_role,
                                                                         clock):
    fill_the_line(console_app, clock)
    page = as_role("analyst").get("/console/wallboard/fragment").get_data(as_text=True)
    support = page.split('data-queue="support"')[1].split("</section>")[0]
    assert f'data-metric="waiting">{IN_LINE}</span>' in support
    assert f"Showing the first {WAITING_LIMIT} of {IN_LINE} callers waiting" in support
    assert support.count("<tr data-call=") == WAITING_LIMIT

