"""People page: a token's last use, kept to the minute, is shown to the minute."""

from __future__ import annotations

from datetime import timedelta

from tests.console.conftest import bearer


def test_a_last_use_shows_no_seconds_it_does_not_know(as_role, tokens, console_app, clock):
    """A use at 09:17:42 was listed as "last used 2026-01-05 09:17:00 UTC": seconds that
    were never kept (the use is noted to the minute), 42 s off a leak's log line."""
    clock.advance(timedelta(minutes=17, seconds=42).total_seconds())
    used = console_app.test_client().get("/api/v1/queues", headers=bearer(tokens["analyst"]))
    assert used.status_code == 200
    html = as_role("admin").get("/console/people").get_data(as_text=True)
    assert "last used 2026-01-05 09:17 UTC" in html
    assert "09:17:00" not in html
