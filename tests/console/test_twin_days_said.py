"""The Twin's fit heading says its days as days with calls ("calls on N days"), as its
backtest hint and refusal now do (e411146): "first to last (N days)" had read as the dates
spanned where N counts only days with calls, and the API's `days` had no definition."""

from __future__ import annotations

import re

from tests.console.conftest import bearer


def test_the_fit_heading_says_days_with_calls(seeded, as_role, tokens):
    fit = seeded.test_client().get("/api/v1/twin?window_days=20",
                                   headers=bearer(tokens["analyst"])).get_json()
    page = as_role("analyst").get("/console/twin?window_days=20").get_data(as_text=True)
    heading = re.search(r"<h2>The fit: .*?</h2>", page, re.S)[0]
    assert f"calls on {fit['days']} days" in heading
    assert f"({fit['days']} days;" not in heading


def test_the_document_defines_days(seeded):
    document = seeded.test_client().get("/api/v1/openapi.json").get_json()
    days = document["components"]["schemas"]["TwinFitView"]["properties"]["days"]
    assert "with calls" in days.get("description", "")
