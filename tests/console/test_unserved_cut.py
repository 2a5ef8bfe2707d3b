"""When a period holds more unserved callers than the list holds, the cut is by time across
every queue (the oldest are kept, whichever queue they waited in), and it is said."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from app.storage import unserved
from app.storage.schema import calls
from tests.console.conftest import bearer


def _lost(call_id: str, queue: str, at) -> dict:
    return {"call_id": call_id, "queue": queue, "policy": "checkin", "arrived_at": at,
            "entered_at": at, "outcome": "abandoned", "wait_s": 30}


def test_the_oldest_callers_of_every_queue_are_kept_when_the_list_is_cut(
        console_app, tokens, as_role, clock, monkeypatch):
    monkeypatch.setattr(unserved, "LIMIT", 3)
    now = clock.now()
    first, second = list(console_app.extensions["holdwell"].config.queues)
    rows = [_lost("OLDEST", second, now - timedelta(hours=5))]
    rows += [_lost(f"CROWD-{i}", first, now - timedelta(hours=4, minutes=-i)) for i in range(4)]
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    listed = console_app.test_client().get(
        "/api/v1/unserved", headers=bearer(tokens["analyst"])).get_json()
    assert [c["call_id"] for c in listed["callers"]] == [
        "OLDEST", "CROWD-0", "CROWD-1"]
    assert listed["truncated"] is True
    page = as_role("analyst").get("/console/unserved").get_data(as_text=True)
    assert "the oldest 3 only" in page and "Oldest first" in page
    for download in (console_app.test_client().get("/api/v1/unserved.csv",
                                                    headers=bearer(tokens["analyst"])),
                     as_role("analyst").get("/console/unserved.csv")):
        # a CSV of exactly the cap read as the whole period: its header says it is not
        assert download.headers["X-Holdwell-Truncated"] == "true"
        assert len(download.get_data(as_text=True).strip().splitlines()) == 1 + 3


def test_a_list_that_fits_is_not_called_truncated(console_app, tokens, clock, monkeypatch):
    monkeypatch.setattr(unserved, "LIMIT", 3)
    now = clock.now()
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), [_lost(f"S{i}", "support", now - timedelta(hours=1, minutes=i))
                                     for i in range(3)])
    listed = console_app.test_client().get(
        "/api/v1/unserved", headers=bearer(tokens["analyst"])).get_json()
    assert len(listed["callers"]) == 3 and listed["truncated"] is False
    download = console_app.test_client().get("/api/v1/unserved.csv",
                                             headers=bearer(tokens["analyst"]))
    assert download.headers["X-Holdwell-Truncated"] == "false"
    operation = console_app.test_client().get("/api/v1/openapi.json").get_json()[
        "paths"]["/api/v1/unserved.csv"]["get"]
    assert "X-Holdwell-Truncated" in operation["responses"]["200"]["headers"]


def test_a_start_after_now_with_no_end_is_refused_naming_start(console_app, tokens, clock):
    """The end defaults to now; a later start had listed nobody, as a reversed period would."""
    later = (clock.now() + timedelta(days=2)).isoformat().replace("+00:00", "Z")
    answer = console_app.test_client().get(f"/api/v1/unserved?start={later}",
                                           headers=bearer(tokens["analyst"]))
    assert answer.status_code == 422 and "is after now" in answer.get_json()["fields"]["start"]
