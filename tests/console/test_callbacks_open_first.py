"""An open callback promise is never crowded out of the callbacks list by settled ones: open
promises come first, all of them, oldest first; settled ones follow, newest first, capped, and
the cut is said (truncated, counts; a note on the page)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from app.storage import callback_admin
from app.storage.schema import callbacks
from tests.console.conftest import bearer


def _callback(call_id: str, status: str, entered, resolved=None) -> dict:
    return {"call_id": call_id, "queue": "support", "number": "+14155550100",
            "entered_at": entered, "requested_at": entered,
            "promised_by": entered + timedelta(minutes=30), "status": status, "attempts": 0,
            "resolved_at": resolved}


def test_open_promises_come_first_and_settled_ones_are_cut_honestly(
        console_app, tokens, as_role, clock, monkeypatch):
    monkeypatch.setattr(callback_admin, "SETTLED_LIMIT", 3, raising=False)
    now = clock.now()
    rows = [_callback("OVERDUE", "pending", now - timedelta(hours=2)),
            _callback("DIALLING", "claimed", now - timedelta(minutes=50))]
    rows += [_callback(f"DONE{i}", "connected", now - timedelta(minutes=40 - i),
                       resolved=now - timedelta(minutes=20 - i)) for i in range(5)]
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(callbacks), rows)
    listed = console_app.test_client().get(
        "/api/v1/callbacks", headers=bearer(tokens["operator"])).get_json()
    assert [c["call_id"] for c in listed["callbacks"]] == [
        "OVERDUE", "DIALLING", "DONE4", "DONE3", "DONE2"]
    assert listed["callbacks"][0]["at_risk"]
    assert (listed["open_count"], listed["settled_count"], listed["settled_shown"],
            listed["truncated"]) == (2, 5, 3, True)
    page = as_role("analyst").get("/console/callbacks").get_data(as_text=True)
    assert "Callbacks not yet kept (2)" in page and "OVERDUE" in page
    assert "Showing the newest 3 of\n5 callbacks settled" in page


def test_nothing_cut_says_so(console_app, tokens, clock):
    now = clock.now()
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(callbacks), [_callback("ONE", "pending", now)])
    listed = console_app.test_client().get(
        "/api/v1/callbacks", headers=bearer(tokens["analyst"])).get_json()
    assert listed["truncated"] is False and listed["open_count"] == 1
