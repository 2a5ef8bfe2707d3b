"""Two people editing one queue: a save based on an older version of that queue is refused
(the form re-shown with the editor's changes kept; 409 from the API), never a silent revert."""

from __future__ import annotations

import re

from app.storage import config_versions
from tests.console.conftest import bearer


def active(app):
    return config_versions.get(app.extensions["holdwell"].store.engine)


def opened_at(page: bytes) -> str:
    """The version the form says it was opened at (its hidden base_version)."""
    return re.search(rb'name="base_version" value="(\d+)"', page).group(1).decode()


def value_of(page: str, name: str) -> str:
    return re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page).group(1)


def test_a_save_from_a_stale_form_is_refused_and_keeps_the_editors_changes(as_role, console_app):
    first, second = as_role("operator"), as_role("admin")
    base_first = opened_at(first.get("/console/policies/sales").data)
    base_second = opened_at(second.get("/console/policies/sales").data)
    assert first.post("/console/policies/sales", {
        "base_version": base_first, "silence.segment_s": "90", "note": "A"}).status_code == 303
    # The second form still holds the old segment length: saving it would revert the first.
    refused = second.post("/console/policies/sales", {
        "base_version": base_second, "silence.segment_s": "60", "voice": "Polly.Matthew",
        "note": "B: new voice"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "this queue changed since you opened it (version 2 by operator)" in page
    assert "<title>Error: Policy · sales" in page  # said first (review 33, R5)
    assert "your changes are kept below, review and save again" in page
    assert value_of(page, "voice") == "Polly.Matthew"  # the editor's own change is kept
    assert value_of(page, "silence.segment_s") == "90"  # the other change, left alone, shows
    assert "silence.segment_s" in page.split('id="conflict"')[1].split("</div>")[0]
    assert active(console_app).number == 2
    again = second.post("/console/policies/sales", {
        "base_version": opened_at(refused.data), "silence.segment_s": "90",
        "voice": "Polly.Matthew", "note": "B: new voice"})
    assert again.status_code == 303
    sales = active(console_app).config().queues["sales"]
    assert (sales.silence.segment_s, sales.voice) == (90, "Polly.Matthew")


def test_a_change_to_another_queue_meanwhile_is_no_conflict(as_role, console_app):
    editor = as_role("operator")
    base = opened_at(editor.get("/console/policies/sales").data)
    assert as_role("admin").post("/console/policies/support", {
        "silence.segment_s": "120"}).status_code == 303
    saved = editor.post("/console/policies/sales", {"base_version": base, "voice": "alice"})
    assert saved.status_code == 303
    config = active(console_app).config()
    assert config.queues["sales"].voice == "alice"
    assert config.queues["support"].silence.segment_s == 120


def test_the_api_refuses_a_put_based_on_an_old_version_with_409(console_app, tokens):
    client, token = console_app.test_client(), bearer(tokens["operator"])
    got = client.get("/api/v1/policies/sales", headers=token).get_json()
    assert got["base_version"] == 1
    changed = {**got["settings"], "voice": "alice"}
    assert client.put("/api/v1/policies/sales", headers=token, json={
        "settings": changed, "base_version": 1}).status_code == 200
    stale = client.put("/api/v1/policies/sales", headers=token, json={
        "settings": {**got["settings"], "language": "en-GB"}, "base_version": 1})
    assert stale.status_code == 409
    assert "changed since you opened it (version 2 by operator)" in stale.get_json()["error"]
    assert active(console_app).config().queues["sales"].voice == "alice"
    fresh = client.get("/api/v1/policies/sales", headers=token).get_json()
    assert fresh["base_version"] == 2


def test_the_same_form_sent_twice_is_saved_once_and_never_a_conflict(as_role, console_app):
    """Enter pressed twice in the Note box posts the form twice, both from the version it was
    opened at: the second had been refused as "changed since you opened it (version 2 by
    operator)" under the first's "Saved as config version 2" (console audit 34, D3)."""
    editor = as_role("operator")
    form = {"base_version": opened_at(editor.get("/console/policies/sales").data),
            "prompts.apology": "Sorry, we are busy.", "note": "impatient"}
    assert editor.post("/console/policies/sales", form).status_code == 303
    repeat = editor.post("/console/policies/sales", form, follow_redirects=True)
    page = repeat.get_data(as_text=True)
    assert repeat.status_code == 200 and 'id="conflict"' not in page
    assert "No change: sales already runs these settings (version 2)" in page
    assert active(console_app).number == 2


def test_someone_elses_identical_save_is_still_shown_as_a_conflict(as_role, console_app):
    first, second = as_role("operator"), as_role("admin")
    form = {"base_version": opened_at(first.get("/console/policies/sales").data),
            "prompts.apology": "Sorry, we are busy."}
    assert first.post("/console/policies/sales", form).status_code == 303
    assert second.post("/console/policies/sales", form).status_code == 409


def test_a_conflict_over_a_split_says_it_was_started_or_stopped(as_role, console_app,
                                                               tokens):
    """A split stopped from another tab had been a conflict with no "Changed meanwhile"
    list, so the editor could not tell what to review (console audit 34, D8)."""
    editor, other = as_role("operator"), as_role("admin")
    base = opened_at(editor.get("/console/policies/support").data)
    assert other.post("/console/experiments/support", {"weight_checkin": "1",
                                                       "weight_callback": "3"}).status_code == 303
    started = editor.post("/console/policies/support", {"base_version": base,
                                                        "prompts.apology": "Sorry."})
    said = started.get_data(as_text=True).split('id="conflict"')[1].split("</div>")[0]
    assert started.status_code == 409
    assert "Changed meanwhile" in said and "experiment: a split was started" in said
    assert "checkin 1" in said and "callback 3" in said
    base = opened_at(started.data)
    assert other.post("/console/experiments/support", {"action": "stop"}).status_code == 303
    stopped = editor.post("/console/policies/support", {"base_version": base,
                                                        "prompts.apology": "Sorry."})
    assert stopped.status_code == 409
    assert "experiment: the split was stopped" in stopped.get_data(as_text=True)
