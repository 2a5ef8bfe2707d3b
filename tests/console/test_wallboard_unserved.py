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


def test_a_queue_since_removed_from_the_config_still_counts_on_the_board_and_list(
        console_app, tokens, clock):
    """Its callers are in the report; the list and the CSV had dropped them and the board
    showed nobody waiting, though Twilio still serves its callers."""
    at = clock.now() - timedelta(minutes=30)
    rows = [{**_call(n, outcome, at), "call_id": f"R{n}", "queue": "gone"}
            for n, outcome in ((1, "abandoned"), (2, "answered"), (3, None))]
    rows[2]["last_polled_at"] = clock.now()  # still in Twilio's queue now
    rows += [_call(1, "abandoned", at)]
    svc = console_app.extensions["holdwell"]
    assert "gone" not in svc.config.queues
    with svc.store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    client = console_app.test_client()
    listed = client.get("/api/v1/unserved", headers=bearer(tokens["analyst"])).get_json()
    assert sorted(c["call_id"] for c in listed["callers"]) == ["R1", "U1"]
    report = read_records_frame(svc.settings.database_url)
    assert (report["outcome"] == "abandoned").sum() == 2
    csv = client.get("/api/v1/unserved.csv", headers=bearer(tokens["analyst"]))
    assert "R1" in csv.get_data(as_text=True)
    state = client.get("/api/v1/queues", headers=bearer(tokens["analyst"])).get_json()
    gone = queue_of(state, "gone")
    assert gone["policy"] == "(removed from the config)"
    assert gone["waiting_count"] == 1 and gone["today"]["calls"] == 2
    configured = [q["queue"] for q in state["queues"]][:len(svc.config.queues)]
    assert configured == list(svc.config.queues)  # the config's own first, in its order


def test_a_removed_queue_with_nothing_today_stays_off_the_board(console_app, tokens, clock):
    old = clock.now() - timedelta(days=3)
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), [{**_call(1, "answered", old), "queue": "old"}])
    state = console_app.test_client().get("/api/v1/queues",
                                          headers=bearer(tokens["analyst"])).get_json()
    assert "old" not in [q["queue"] for q in state["queues"]]


def test_queues_in_log_finds_each_name_once(console_app, clock):
    from app.storage.read import queues_in_log

    at = clock.now()
    rows = [{**_call(n, "answered", at), "queue": name}
            for n, name in enumerate(["b", "a", "b", "c", "a", "a"])]
    engine = console_app.extensions["holdwell"].store.engine
    with engine.begin() as conn:
        conn.execute(insert(calls), rows)
    with engine.connect() as conn:
        assert queues_in_log(conn) == ["a", "b", "c"]


def test_a_removed_queues_day_is_counted_on_its_last_clock(console_app, tokens, clock):
    """Its "today" had been UTC's day, whatever hours it kept (review of eec02a4): a queue
    removed by a live change keeps its last hours' time zone for the board too."""
    from app.console.live_config import apply
    from hold_policies.config import parse_config

    svc = console_app.extensions["holdwell"]
    before = svc.config.model_dump(mode="json", exclude_none=True)
    with_gone = {**before, "queues": {**before["queues"], "gone": {
        "policy": "checkin", "hours": {"timezone": "America/New_York", **{
            day: "00:00-24:00" for day in ("monday", "tuesday", "wednesday", "thursday",
                                           "friday", "saturday", "sunday")}}}}}
    apply(svc, parse_config(with_gone, "v2"))
    apply(svc, parse_config(before, "v3"),
          before=parse_config(with_gone, "v2"))
    with svc.store.engine.begin() as conn:
        conn.execute(insert(calls), [{**_call(1, None, clock.now()), "call_id": "G1",
                                      "queue": "gone"}])
    state = console_app.test_client().get("/api/v1/queues",
                                          headers=bearer(tokens["analyst"])).get_json()
    gone = queue_of(state, "gone")
    assert gone["today"]["timezone"] == "America/New_York"
    assert gone["policy"] == "(removed from the config)"
