"""Every figure's unit is said where it is shown (browser walk-through U23): m:ss durations,
percentage points and weights had been shown bare, or as "50.0"."""

from __future__ import annotations

import html


def _page(as_role, path: str) -> str:  # noqa: ANN001
    return " ".join(html.unescape(as_role("operator").get(path).get_data(as_text=True))
                    .split())  # as a reader sees it: line breaks of the template are spaces


def test_durations_points_and_weights_say_what_they_are(as_role, console_app, tokens,
                                                        twilio_console, clock):
    from tests.console.conftest import bearer
    from tests.console.test_unserved import abandon
    from tests.support.sids import sid

    abandon(twilio_console, sid("CAgone"), "+14155550111", clock)

    console_app.test_client().put("/api/v1/experiments/support",
                                  headers=bearer(tokens["operator"]),
                                  json={"arms": {"checkin": 50, "music_ads": 50}})
    assert "Waits read minutes:seconds (11:14 is 11 min 14 s)" in _page(as_role, "/console/")
    assert "waited (m:ss)" in _page(as_role, "/console/unserved")
    assert "time (m:ss)" in _page(as_role, "/console/preview")
    assert "percentage points (pp: 12% against 10% is +2 pp)" in _page(as_role,
                                                                       "/console/experiments")
    policies = _page(as_role, "/console/policies")
    assert "checkin 50 · music_ads 50" in policies and "50.0" not in policies
