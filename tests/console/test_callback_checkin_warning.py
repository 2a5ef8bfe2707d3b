"""The console's save warns about a [checkin] knob a callback queue never reads (saved all
the same: the callback table has its own check-in knobs)."""

from __future__ import annotations

import pytest

from tests.console.conftest import bearer


def test_saving_a_callback_queue_with_a_checkin_knob_warns_it_has_no_effect(as_role):
    page = as_role("operator").post("/console/policies/support", {
        "policy": "callback", "checkin.interval_s": "90"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Saved as config version 2" in text
    assert "Warning: queues.support.checkin.interval_s = 90 has no effect" in text


WARNING = "queues.support.checkin.interval_s = 90 has no effect"
CALLBACK_WITH_A_CHECKIN_KNOB = {"settings": {"policy": "callback",
                                             "checkin": {"interval_s": 90}}}


@pytest.fixture
def api(console_app, tokens):  # noqa: ANN201
    """(method, path, body) -> the answer, as the operator."""
    client, token = console_app.test_client(), bearer(tokens["operator"])
    return lambda method, path, body=None: client.open(f"/api/v1{path}", method=method,
                                                       json=body, headers=token)


def test_the_api_answers_a_save_with_the_same_warning_the_console_flashes(api):
    saved = api("PATCH", "/policies/support", CALLBACK_WITH_A_CHECKIN_KNOB)
    assert saved.status_code == 200 and saved.get_json()["changed"] is True
    assert [w for w in saved.get_json()["warnings"] if w.startswith(WARNING)]
    again = api("PATCH", "/policies/support", CALLBACK_WITH_A_CHECKIN_KNOB).get_json()
    assert again["changed"] is False and again["warnings"] == saved.get_json()["warnings"]
    whole = api("GET", "/policies/support").get_json()
    put = api("PUT", "/policies/support", whole).get_json()  # a script's read-modify-write
    assert put["warnings"] == saved.get_json()["warnings"]


def test_a_save_with_nothing_ineffective_has_no_warnings(api):
    saved = api("PATCH", "/policies/support", {"settings": {"policy": "callback"}}).get_json()
    assert saved["warnings"] == []


def test_rolling_back_to_settings_with_an_ineffective_knob_warns_too(api, as_role):
    api("PATCH", "/policies/support", CALLBACK_WITH_A_CHECKIN_KNOB)  # version 2
    api("PATCH", "/policies/support", {"settings": {"policy": "checkin"}})  # version 3
    back = api("POST", "/config/rollback", {"version": 2}).get_json()
    assert back["changed"] is True and [w for w in back["warnings"] if w.startswith(WARNING)]
    api("PATCH", "/policies/support", {"settings": {"policy": "checkin"}})
    page = as_role("operator").post("/console/versions/rollback", {"version": "2"},
                                    follow_redirects=True)
    assert f"Warning: {WARNING}" in page.get_data(as_text=True)


def test_the_openapi_document_describes_the_warnings(console_app):
    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    saved = document["components"]["schemas"]["SavedVersion"]
    assert saved["properties"]["warnings"]["type"] == "array"


def test_a_save_warns_of_a_language_holdwell_has_no_words_for(api, as_role):
    """As `config check` and a roll-back do: the save stands, its callers hear holdwell's
    own words (the wait, the safety net) in English, and the save says so."""
    saved = api("PATCH", "/policies/sales", {"settings": {"language": "ja-JP",
                                                          "voice": "Polly.Mizuki"}})
    assert saved.status_code == 200 and saved.get_json()["changed"] is True
    said = [w for w in saved.get_json()["warnings"]
            if w.startswith("queues.sales.language = 'ja-JP'") and "in English" in w]
    assert said, saved.get_json()["warnings"]
    page = as_role("operator").post("/console/policies/support", {"language": "ja-JP"},
                                    follow_redirects=True).get_data(as_text=True)
    assert "Warning: queues.support.language = &#39;ja-JP&#39;" in page
