"""Not served: the download is the period the page shows (console walk-through)."""

from __future__ import annotations

import html
import re

import pytest


def _download_link(page: str) -> str:
    return html.unescape(re.search(r'<a href="([^"]+)">Download CSV</a>', page).group(1))


@pytest.mark.parametrize("query", ["", "?start=2026-01-04T08:00"])  # no To: it is now
def test_the_csv_is_the_period_on_the_page_however_late_it_is_fetched(as_role, clock, query):
    """With no To, the link had been /console/unserved.csv?start=… (or none at all), read
    again when clicked: fetched 20 minutes after the page, it held 20 more minutes of
    callers than the page counted, in a file named for a period the page never showed."""
    analyst = as_role("analyst")
    page = analyst.get(f"/console/unserved{query}").get_data(as_text=True)
    shown_end = clock.now().strftime("%Y-%m-%dT%H%MZ")
    clock.advance(20 * 60)
    answer = analyst.get(_download_link(page))
    assert answer.status_code == 200
    name = answer.headers["Content-Disposition"]
    assert f"_{shown_end}.csv" in name, name


def test_a_period_typed_on_the_line_clock_downloads_as_shown(as_role):
    page = as_role("analyst").get("/console/unserved?start=2026-01-04T08:00&end=2026-01-05T08:30")
    answer = as_role("analyst").get(_download_link(page.get_data(as_text=True)))
    assert "unserved_2026-01-04T0800Z_2026-01-05T0830Z.csv" in answer.headers[
        "Content-Disposition"]
