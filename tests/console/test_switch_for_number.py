"""A number given as true/false is refused with 422 naming the field: pydantic read `true` as
1, so `PATCH {"settings": {"max_size": true}}` answered 200 and left the queue holding one
caller, and an experiment arm weighted `true` was saved as weight 1."""

from __future__ import annotations

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
