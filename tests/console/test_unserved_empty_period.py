"""A period whose end is its start holds no call now that the end is exclusive (as `holdwell
report --to` reads it): the list answered 200 with nobody in it, "Everybody in this period was
served", where the report refuses --from not before --to. It is refused as a reversed period
is, naming `end`, on the API, its CSV and the page."""

from __future__ import annotations

from tests.console.conftest import bearer

SAME = "start=2026-03-02T09:00&end=2026-03-02T09:00"


def test_the_api_and_its_csv_refuse_an_end_at_the_start(console_app, tokens):
    client = console_app.test_client()
    for path in ("/api/v1/unserved", "/api/v1/unserved.csv"):
        answer = client.get(f"{path}?{SAME}", headers=bearer(tokens["analyst"]))
        assert answer.status_code == 422, path
        assert "must be after `start`" in answer.get_json()["fields"]["end"]


def test_the_page_refuses_an_end_at_the_start(as_role):
    page = as_role("analyst").get(f"/console/unserved?{SAME}")
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Everybody in this period was served" not in text
    assert "To: must be after “From”" in text
    assert "Put the earlier time in From." in text


def test_a_period_of_one_second_still_lists(console_app, tokens):
    answer = console_app.test_client().get(
        "/api/v1/unserved?start=2026-03-02T09:00:00Z&end=2026-03-02T09:00:01Z",
        headers=bearer(tokens["analyst"]))
    assert answer.status_code == 200
