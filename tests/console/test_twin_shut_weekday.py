"""The Twin page and API on a log with a weekday it spans without calls (taken as shut): the
what-if for that day had been a 500 while the day picker and `weekdays` offered it (analyst
audit 42, finding 1). Now it is not offered, and asked for anyway it is a 422 on `day`."""

from __future__ import annotations

import html

import pytest

from tests.console.conftest import bearer
from tests.console.twin_seed import seed_log


@pytest.fixture
def no_tuesdays(console_app, log):
    """The known log without its Tuesday's calls: the window still spans a Tuesday."""
    kept = log[log["entered_at"].dt.weekday != 1].reset_index(drop=True)
    seed_log(console_app.extensions["holdwell"].settings.database_url, kept)
    return console_app


def test_the_shut_day_is_not_offered_and_asking_for_it_is_a_422(no_tuesdays, tokens):
    client = no_tuesdays.test_client()
    fit = client.get("/api/v1/twin", headers=bearer(tokens["analyst"])).get_json()
    assert "tue" not in fit["weekdays"] and "mon" in fit["weekdays"]
    refused = client.post("/api/v1/twin/whatif", headers=bearer(tokens["analyst"]), json={
        "policies": ["music_ads"], "replications": 2, "day": "tue"})
    assert refused.status_code == 422, refused.get_data(as_text=True)
    body = refused.get_json()
    assert "day" in body["fields"]
    assert "no calls on a tue in the log's window" in body["fields"]["day"]
    assert "choose all or one of " + ", ".join(fit["weekdays"]) in body["fields"]["day"]


def test_the_page_says_so_at_the_day_and_offers_only_days_with_calls(no_tuesdays, as_role):
    page = as_role("analyst").get("/console/twin?policies=music_ads&replications=2&day=tue"
                                  "&run=1")
    assert page.status_code == 422
    text = html.unescape(page.get_data(as_text=True))
    assert "no calls on a tue in the log's window" in text
    assert "<option selected>tue</option>" in text  # as asked, marked where it was refused
    fresh = html.unescape(as_role("analyst").get("/console/twin").get_data(as_text=True))
    assert ">mon</option>" in fresh and ">tue</option>" not in fresh
