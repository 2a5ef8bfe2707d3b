"""A number given as true/false is refused with 422 naming the field: pydantic read `true` as
1, so `PATCH {"settings": {"max_size": true}}` answered 200 and left the queue holding one
caller, and an experiment arm weighted `true` was saved as weight 1."""

from __future__ import annotations

import pytest

from app.console import config_changes
from tests.console.conftest import bearer


def test_a_policy_patch_with_true_for_a_number_is_refused_and_changes_nothing(console_app,
                                                                                tokens):
    client, token = console_app.test_client(), bearer(tokens["operator"])
    svc = console_app.extensions["holdwell"]
    before = config_changes.active_config(svc).queues["sales"]
    for settings, field in (({"max_size": True}, "settings.max_size"),
                            ({"checkin": {"interval_s": False}}, "settings.checkin.interval_s")):
        refused = client.patch("/api/v1/policies/sales", json={"settings": settings},
                               headers=token)
        assert refused.status_code == 422, refused.get_data(as_text=True)
        assert "must be a number" in refused.get_json()["fields"][field]
    assert config_changes.active_config(svc).queues["sales"] == before
    fine = client.patch("/api/v1/policies/sales", json={"settings": {"max_size": 7}},
                        headers=token)
    assert fine.status_code == 200  # the contrast: a number is taken
    assert config_changes.active_config(svc).queues["sales"].max_size == 7


def test_an_experiment_weight_of_true_is_refused(console_app, tokens):
    client = console_app.test_client()
    refused = client.put("/api/v1/experiments/support", headers=bearer(tokens["operator"]),
                         json={"arms": {"checkin": True, "music_ads": 50}})
    assert refused.status_code == 422
    assert "arms" in refused.get_json()["fields"]
    assert console_app.extensions["holdwell"].config.queues["support"].experiment is None


@pytest.mark.parametrize("given", [0, 1, 0.0, "0", "no", "off", "f", "yes", "False"])
def test_a_yes_no_setting_given_anything_but_true_or_false_is_refused(console_app, tokens,
                                                                      given):
    """The document declares the switches boolean; pydantic read 0, "no", "off" or "f" as
    false and 1 or "yes" as true, and the API saved them with 200."""
    client, token = console_app.test_client(), bearer(tokens["operator"])
    svc = console_app.extensions["holdwell"]
    before = config_changes.active_config(svc).queues["support"]
    refused = client.patch("/api/v1/policies/support", headers=token, json={
        "settings": {"callback": {"announce_position": given}}})
    assert refused.status_code == 422, refused.get_data(as_text=True)
    assert "must be true or false" in \
        refused.get_json()["fields"]["settings.callback.announce_position"]
    assert config_changes.active_config(svc).queues["support"] == before


def test_the_forms_tick_box_and_a_json_boolean_still_switch(console_app, tokens, as_role):
    client, token = console_app.test_client(), bearer(tokens["operator"])
    svc = console_app.extensions["holdwell"]
    saved = client.patch("/api/v1/policies/support", headers=token, json={
        "settings": {"callback": {"announce_position": False}}})
    assert saved.status_code == 200
    assert config_changes.active_config(svc).queues["support"].callback.announce_position \
        is False
    as_role("operator").post("/console/policies/support", {
        "callback.announce_position": ["false", "true"]})  # hidden "false", the tick's "true"
    assert config_changes.active_config(svc).queues["support"].callback.announce_position \
        is True
