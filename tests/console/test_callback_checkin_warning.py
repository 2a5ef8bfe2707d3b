"""The console's save warns about a [checkin] knob a callback queue never reads (saved all
the same: the callback table has its own check-in knobs)."""

from __future__ import annotations


def test_saving_a_callback_queue_with_a_checkin_knob_warns_it_has_no_effect(as_role):
    page = as_role("operator").post("/console/policies/support", {
        "policy": "callback", "checkin.interval_s": "90"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Saved as config version 2" in text
    assert "Warning: queues.support.checkin.interval_s = 90 has no effect" in text
