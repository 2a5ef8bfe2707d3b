"""The wallboard's unserved rate is the report's (hold_policies.records.UNSERVED over the call
records): errors and overflows are unserved; greeting hang-ups (never entered), calls that kept
a pending callback, rang while closed or still wait are no calls of the day. The Not served
list holds exactly the callers that rate counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from analytics.metrics import unserved
from app.storage.read import read_records_frame
from app.storage.schema import calls
from tests.console.conftest import bearer
from tests.console.test_wallboard import queue_of


def _call(n: int, outcome: str | None, at, *, entered: bool = True) -> dict:
    return {"call_id": f"U{n}", "queue": "support", "policy": "callback", "arrived_at": at,
            "entered_at": at if entered else None, "outcome": outcome, "wait_s": 30,
            "last_polled_at": at, "callback_wait_s": None}


def test_the_wallboard_counts_unserved_as_the_report_and_the_list_do(console_app, tokens,
                                                                     clock):
    at = clock.now() - timedelta(minutes=30)
    rows = [_call(1, "answered", at), _call(2, "answered", at), _call(3, "abandoned", at),
            _call(4, "error", at), _call(5, "overflow", at), _call(6, "callback_failed", at),
            _call(7, "abandoned", at, entered=False),  # hung up in the greeting
            _call(8, "kept_callback", at, entered=False), _call(9, "closed", at, entered=False),
            _call(10, None, at)]  # still waiting
    svc = console_app.extensions["holdwell"]
    with svc.store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    client = console_app.test_client()
    today = queue_of(client.get("/api/v1/queues", headers=bearer(tokens["analyst"])).get_json(),
                     "support")["today"]
    assert today["calls"] == 6 and today["unserved_rate"] == 4 / 6
    assert today["unserved"] == 4
    report = unserved(read_records_frame(svc.settings.database_url))
    assert report["unserved_rate"].iloc[0] == today["unserved_rate"]
    listed = client.get("/api/v1/unserved", headers=bearer(tokens["analyst"])).get_json()
    assert sorted(c["call_id"] for c in listed["callers"]) == ["U3", "U4", "U5", "U6"]
