"""A save that changes nothing adds no version: the console says "no change", the API answers
the active version with changed=false. Before, an untouched form or a second "stop" each
added a version whose diff was empty, burying real changes in the history."""

from __future__ import annotations

from app.storage import config_versions
from tests.console.conftest import bearer


def versions_of(app) -> int:  # noqa: ANN001
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return config_versions.active_number(conn)


def test_an_untouched_form_adds_no_version(as_role, console_app):
    operator = as_role("operator")
    operator.get("/console/policies/sales")
    saved = operator.post("/console/policies/sales", {
        "base_version": "1", "policy": "checkin", "silence.segment_s": "60", "note": "looked"},
        follow_redirects=True)
    assert saved.status_code == 200
    assert "No change: sales already runs these settings (version 1); no version was " \
           "added." in saved.get_data(as_text=True)
    assert versions_of(console_app) == 1


def test_a_put_of_the_active_settings_answers_the_active_version_unchanged(console_app,
                                                                           tokens):
    client, token = console_app.test_client(), bearer(tokens["operator"])
    got = client.get("/api/v1/policies/sales", headers=token).get_json()
    same = client.put("/api/v1/policies/sales", headers=token, json=got)
    assert same.status_code == 200
    assert (same.get_json()["number"], same.get_json()["changed"]) == (1, False)
    changed = client.put("/api/v1/policies/sales", headers=token, json={
        **got, "settings": {**got["settings"], "voice": "alice"}})
    assert (changed.get_json()["number"], changed.get_json()["changed"]) == (2, True)
    assert versions_of(console_app) == 2


def test_a_second_stop_or_the_same_start_adds_no_version(console_app, tokens, as_role):
    client, token = console_app.test_client(), bearer(tokens["operator"])
    split = {"arms": {"checkin": 1, "silence": 1}}
    assert client.put("/api/v1/experiments/sales", headers=token,
                      json=split).get_json()["changed"] is True
    again = client.put("/api/v1/experiments/sales", headers=token, json=split).get_json()
    assert (again["changed"], again["running"]) == (False, True)
    assert client.delete("/api/v1/experiments/sales", headers=token).get_json()["changed"]
    assert versions_of(console_app) == 3
    stopped = client.delete("/api/v1/experiments/sales", headers=token).get_json()
    assert (stopped["changed"], stopped["running"]) == (False, False)
    page = as_role("operator").post("/console/experiments/sales", {"action": "stop"},
                                    follow_redirects=True).get_data(as_text=True)
    assert "No change: no split was running on sales; no version was added." in page
    assert versions_of(console_app) == 3


def test_a_roll_back_to_the_settings_already_running_adds_no_version(as_role, console_app,
                                                                      tokens):
    client, token = console_app.test_client(), bearer(tokens["operator"])
    changed = client.patch("/api/v1/policies/sales", headers=token,
                           json={"settings": {"policy": "silence"}, "note": "quiet"})
    assert changed.status_code == 200 and versions_of(console_app) == 2
    back = client.post("/api/v1/config/rollback", headers=token, json={"version": 1})
    assert back.get_json()["changed"] is True and versions_of(console_app) == 3
    again = client.post("/api/v1/config/rollback", headers=token, json={"version": 1})
    assert again.status_code == 200
    assert (again.get_json()["changed"], again.get_json()["number"]) == (False, 3)
    page = as_role("operator").post("/console/versions/rollback",
                                    {"version": "1", "active": "3"}, follow_redirects=True)
    assert "No change: version 3 (active) already runs version 1" in \
        page.get_data(as_text=True)
    assert versions_of(console_app) == 3


def test_a_put_of_a_split_read_back_sorted_adds_no_version(as_role, console_app, tokens):
    """The console stores a split's arms in its form's order (silence before checkin), the
    GET answers them sorted: PUT of that answer unchanged had said changed=true and stored a
    version whose diff only reordered the arms (operator audit, B1). A real change of weight
    is still one."""
    page = as_role("operator")
    page.post("/console/experiments/sales", {"action": "start", "active": "1",
                                             "weight_silence": "50", "weight_checkin": "50"})
    assert versions_of(console_app) == 2
    client, token = console_app.test_client(), bearer(tokens["operator"])
    got = client.get("/api/v1/policies/sales", headers=token).get_json()
    same = client.put("/api/v1/policies/sales", headers=token, json=got).get_json()
    assert (same["changed"], same["number"]) == (False, 2)
    arms = {"silence": 50, "checkin": 60}
    changed = client.put("/api/v1/policies/sales", headers=token, json={**got, "settings": {
        **got["settings"], "experiment": {**got["settings"]["experiment"], "arms": arms}}})
    assert changed.get_json()["changed"] is True and versions_of(console_app) == 3


def test_a_split_is_stored_with_its_arms_by_name(as_role, console_app):
    """Whichever order the form or a client sends them in: no diff reorders them."""
    as_role("operator").post("/console/experiments/sales", {
        "action": "start", "active": "1", "weight_silence": "1", "weight_checkin": "3"})
    version = config_versions.get(console_app.extensions["holdwell"].store.engine)
    assert list(version.body["queues"]["sales"]["experiment"]["arms"]) == ["checkin", "silence"]
