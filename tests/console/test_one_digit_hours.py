"""Opening hours written with a one-digit hour ("8:00-18:00", as operators write them) are
taken as their two-digit twin ("08:00-18:00") wherever hours are saved — the API and the
console's form — while a time that is no time of day is still refused naming the key."""

from __future__ import annotations

import pytest

from app.console import config_changes
from tests.console.conftest import bearer


@pytest.fixture
def patch(console_app, tokens):  # noqa: ANN201
    client, token = console_app.test_client(), bearer(tokens["operator"])
    return lambda monday: client.patch("/api/v1/policies/support", headers=token, json={
        "settings": {"hours": {"timezone": "Europe/London", "monday": monday}}})


def _monday(console_app, queue: str = "support") -> list[tuple[int, int]]:
    hours = config_changes.active_config(console_app.extensions["holdwell"]).queues[queue].hours
    return [(s.start_min, s.end_min) for s in hours.opening_hours().week[0]]


@pytest.mark.parametrize("monday", ["8:00-18:00", ["8:00-12:00", "13:00-18:00"]])
def test_the_api_saves_one_digit_hours(console_app, patch, monday):
    saved = patch(monday)
    assert saved.status_code == 200, saved.get_json()
    assert _monday(console_app)[0] == (480, 720 if isinstance(monday, list) else 1080)


@pytest.mark.parametrize(("monday", "said"), [
    ("25:00-26:00", "25:00 is no time of day"), ("8:60-18:00", "8:60 is no time of day"),
    ("8-18", "'8-18' is not HH:MM-HH:MM"), ("8:0-18:00", "'8:0-18:00' is not HH:MM-HH:MM"),
    ("8am-6pm", "'8am-6pm' is not HH:MM-HH:MM"),
])
def test_the_api_refuses_a_bad_time_naming_the_key(console_app, patch, monday, said):
    refused = patch(monday)
    assert refused.status_code == 422
    fields = refused.get_json()["fields"]
    assert said in fields["settings.hours.monday"], fields
    assert config_changes.active_config(console_app.extensions["holdwell"]).queues[
        "support"].hours is None


def test_the_console_form_saves_one_digit_hours_and_refuses_bad_ones(console_app, as_role):
    operator = as_role("operator")
    refused = operator.post("/console/policies/sales", {
        "hours.timezone": "Europe/London", "hours.monday": "8:60-18:00"})
    assert refused.status_code == 422
    assert ("hours.monday: &#39;8:60-18:00&#39;: 8:60 is no time of day"
            in refused.get_data(as_text=True))
    assert config_changes.active_config(console_app.extensions["holdwell"]).queues[
        "sales"].hours is None
    operator.post("/console/policies/sales", {
        "hours.timezone": "Europe/London", "hours.monday": "8:00-18:00"})
    assert _monday(console_app, "sales") == [(480, 1080)]
