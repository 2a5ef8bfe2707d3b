"""A queue's max_size reaches Twilio only through `holdwell twilio setup`: the app never
resizes Twilio's queue, so a save that changes it says so (operator audit B2). It had said
"every worker runs it within 5 s", and Twilio's queue, and the overflow's queue-full offer,
stayed at the old size."""

from __future__ import annotations

import html

from tests.console.conftest import bearer

SAID = ("queues.support.max_size is now 50 (was 1000), but Twilio's queue keeps the size it "
        "has until `holdwell twilio setup` is run")


def test_the_api_says_a_new_size_needs_twilio_setup(console_app, tokens):
    client, token = console_app.test_client(), bearer(tokens["operator"])
    saved = client.patch("/api/v1/policies/support", headers=token,
                         json={"settings": {"max_size": 50}}).get_json()
    assert saved["changed"] is True
    assert [w for w in saved["warnings"] if w.startswith(SAID)], saved["warnings"]
    other = client.patch("/api/v1/policies/support", headers=token,
                         json={"settings": {"policy": "checkin"}}).get_json()
    assert not [w for w in other["warnings"] if "twilio setup" in w]  # the size unchanged
    back = client.post("/api/v1/config/rollback", headers=token, json={"version": 1}).get_json()
    assert [w for w in back["warnings"] if w.startswith(
        "queues.support.max_size is now 1000 (was 50)")], back["warnings"]


def test_the_policy_page_says_so_when_saved_and_beside_the_box(as_role):
    page = as_role("operator")
    form = html.unescape(page.get("/console/policies/support").get_data(as_text=True))
    assert "Twilio's queue takes it only when <code>holdwell twilio setup</code> is run" in form
    saved = html.unescape(page.post("/console/policies/support", {"max_size": "50"},
                                    follow_redirects=True).get_data(as_text=True))
    shown = SAID.replace("`holdwell twilio setup`", "<code>holdwell twilio setup</code>")
    assert "Saved as config version 2" in saved and f"Warning: {shown}" in saved
