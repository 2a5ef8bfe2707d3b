"""An end before the start is refused with a message naming both, on the page and the API;
never "Everybody in this period was served"."""

from __future__ import annotations

from tests.console.conftest import bearer

REVERSED = "start=2026-03-02T09:00&end=2026-03-01T09:00"


def test_the_page_refuses_an_end_before_the_start(as_role):
    page = as_role("analyst").get(f"/console/unserved?{REVERSED}")
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Everybody in this period was served" not in text
    assert "Not a usable period: To: must be after “From” (2026-03-02T09:00:00+00:00)" \
        in text  # the pickers' labels (accessibility audit X3)
    assert "Put the earlier time in From." in text
    # what was typed stays, to be mended (both pickers had been emptied)
    assert 'name="start" value="2026-03-02T09:00"' in text
    assert 'name="end" value="2026-03-01T09:00"' in text


def test_the_api_and_its_csv_refuse_it_naming_end(console_app, tokens):
    client = console_app.test_client()
    for path in ("/api/v1/unserved", "/api/v1/unserved.csv"):
        answer = client.get(f"{path}?{REVERSED}", headers=bearer(tokens["analyst"]))
        assert answer.status_code == 422
        assert "must be after `start`" in answer.get_json()["fields"]["end"]


def test_the_page_says_how_to_mend_a_start_after_now(as_role, clock):
    from datetime import timedelta

    later = (clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = as_role("analyst").get(f"/console/unserved?start={later}")
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "is after now" in text
    assert "Pick a From in the past, or a To as well." in text
    assert "Put the earlier time in" not in text


def test_the_api_document_states_the_period_rules(console_app):
    """A client reading only the OpenAPI document learns what a 422 on the period means
    (no JSON Schema keyword can compare two parameters, so the words say it)."""
    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/unserved", "/api/v1/unserved.csv"):
        said = {parameter["name"]: parameter["description"]
                for parameter in document["paths"][path]["get"]["parameters"]}
        assert "after `start`, not at it" in said["end"] and "`fields.end`" in said["end"]
        assert "not after now" in said["start"] and "`fields.start`" in said["start"]
