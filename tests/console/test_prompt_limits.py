"""Words Twilio would not say are refused wherever they are saved: the console's form, the
API, a roll-back; the limit is the queue's voice's (Twilio warning 13521)."""

from __future__ import annotations

from app.storage import config_versions
from tests.console.conftest import bearer

LONG_WELCOME = "Thank you for calling. " * 5000  # 115,000 characters


def active_number(app) -> int:  # noqa: ANN001
    return config_versions.get(app.extensions["holdwell"].store.engine).number


def test_the_form_refuses_a_welcome_polly_cannot_say_and_saves_nothing(as_role, console_app):
    page = as_role("operator").post("/console/policies/sales", {
        "policy": "checkin", "prompts.welcome": LONG_WELCOME})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "prompts.welcome: 115,000 characters" in text
    assert "say at most 3,000 in one &lt;Say&gt;" in text
    assert active_number(console_app) == 1


def test_the_api_refuses_it_with_a_422_naming_the_field(console_app, tokens):
    client = console_app.test_client()
    bad = client.patch("/api/v1/policies/sales", headers=bearer(tokens["operator"]), json={
        "settings": {"policy": "checkin", "prompts": {"welcome": LONG_WELCOME}}})
    assert bad.status_code == 422
    assert "prompts.welcome: 115,000 characters" in str(bad.get_json())
    good = client.patch("/api/v1/policies/sales", headers=bearer(tokens["operator"]), json={
        "settings": {"policy": "checkin", "prompts": {"welcome": "x" * 3000}}})
    assert good.status_code == 200
    assert active_number(console_app) == 2
