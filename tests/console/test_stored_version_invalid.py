"""A stored version today's checks refuse is a 409 that says how to replace it, not a 500.

A version saved before a check was added (a prompt with a pasted control character, say)
fails to load now; every page and API call that edits the active config used to crash on it.
"""

from __future__ import annotations

import json

from sqlalchemy import insert

from app.storage.config_versions import active_number
from app.storage.console_schema import config_versions
from tests.console.conftest import bearer


def store_unchecked(app, clock, apology: str) -> int:
    """A version written straight to the table, as an older release would have saved it."""
    engine = app.extensions["holdwell"].store.engine
    with engine.begin() as conn:
        number = (active_number(conn) or 0) + 1
        body = {"queues": {"sales": {"policy": "checkin", "prompts": {"apology": apology}}}}
        conn.execute(insert(config_versions).values(
            number=number, created_at=clock.now(), author="old release", note="",
            body=json.dumps(body)))
    return number


def test_editing_a_queue_of_a_version_that_no_longer_passes_is_a_409_naming_the_key(
        console_app, clock, tokens, as_role):
    number = store_unchecked(console_app, clock, "Sorry\x0c for the wait.")
    api = console_app.test_client()
    answer = api.get("/api/v1/policies/sales", headers=bearer(tokens["operator"]))
    assert answer.status_code == 409
    assert f"config version {number}" in answer.json["error"]
    assert "prompts.apology" in answer.json["error"]
    page = as_role("operator").get("/console/policies/sales")
    assert page.status_code == 409
    assert b"prompts.apology" in page.data and b"roll back" in page.data


def test_rolling_back_to_a_version_that_no_longer_passes_is_a_409(console_app, clock, tokens):
    number = store_unchecked(console_app, clock, "Sorry\x00")
    store_unchecked(console_app, clock, "Sorry for the wait.")  # a good one on top
    answer = console_app.test_client().post(
        "/api/v1/config/rollback", json={"version": number, "note": ""},
        headers=bearer(tokens["operator"]))
    assert answer.status_code == 409 and f"config version {number}" in answer.json["error"]


def test_a_version_saved_before_the_per_text_check_still_runs_and_is_said(make_app, clock):
    """Stored under yesterday's rules (any known placeholder in any prompt): it loads and
    runs, and the placeholder its prompt is not filled with is said as nothing (it stopped
    every callback booking before), instead of the worker dropping to the file's config."""
    import json

    from sqlalchemy import insert

    from app.signed_client import SignedClient
    from app.storage.console_schema import config_versions
    from tests.app.twiml_reading import parse, spoken
    from tests.conftest import AUTH_TOKEN
    from tests.support.sids import sid

    app = make_app('[line]\nsupport_number = "+14155550100"\n[queues.support]\n'
                   'policy = "checkin"\n')
    svc = app.extensions["holdwell"]
    body = {"line": {"support_number": "+14155550100"},
            "queues": {"support": {"policy": "callback", "callback": {
                "offer_without_estimate_after_s": 0}, "prompts": {
                "callback_number_check": "Ending in {number}, within {wait}. Press 1."}}}}
    with svc.store.engine.begin() as conn:
        conn.execute(insert(config_versions).values(
            number=2, created_at=clock.now(), author="op", note="saved yesterday",
            body=json.dumps(body)))
    app.extensions["holdwell_live_config"].refresh(svc, force=True)
    assert svc.config.queues["support"].policy == "callback"
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    form = {"CallSid": sid("CA1"), "From": "+14155550123", "QueueTime": "70",
            "QueuePosition": "1", "CurrentQueueSize": "1"}
    twilio.post("/voice/incoming", form)
    offer = twilio.post("/voice/choice?policy=callback&queue=support", {**form, "Digits": "2"})
    assert parse(offer.data).find("Gather") is not None
    assert "Ending in 0 1 2 3, within . Press 1." in spoken(offer.data)


def test_a_running_worker_refuses_such_a_version_once_in_one_line_and_keeps_its_own(
        console_app, clock, caplog):
    """Each check every two seconds re-read it and logged a traceback, on every worker."""
    svc = console_app.extensions["holdwell"]
    live = console_app.extensions["holdwell_live_config"]
    running = live.number
    number = store_unchecked(console_app, clock, "Sorry\x0c for the wait.")
    with caplog.at_level("INFO", logger="holdwell.config"):
        for _ in range(3):
            live.refresh(svc, force=True)
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1 and refused[0].exc_info is None
    assert f"config version {number} refused" in refused[0].getMessage()
    assert "prompts.apology" in refused[0].getMessage()
    assert live.number == running
    assert svc.config.queues["sales"].prompts.apology != "Sorry\x0c for the wait."
