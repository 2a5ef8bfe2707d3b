"""A rejoined leg's answer written before its Resume (journaled on another host) ends the
call it continues, not a made-up second call (found by a review)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.storage import commands as c
from app.storage.schema import call_events, calls
from tests.app.test_late_facts import apply_each, at, engine  # noqa: F401 - fixture

LABELS = {"queue": "support", "policy": "checkin", "arm": ""}
Q = {"queue": "support"}


def story(call_id: str, leg: str) -> tuple[list[c.Command], list[c.Command], list[c.Command]]:
    """(first leg, the rejoin written on host A, the answer and end written on host B)."""
    first_leg = [
        c.BeginCall(call_id=call_id, now=at(0), from_number="+14155550100", **LABELS),
        c.NotePoll(call_id=call_id, now=at(0), queue_time_s=0, position=2, **LABELS),
        c.QueueResult(call_id=call_id, now=at(40), result="hangup", queue_time_s=40, **Q),
        c.CallStatus(call_id=call_id, now=at(40), status="completed"),
    ]
    on_a = [
        c.Resume(call_id=call_id, now=at(60), leg=leg, episode=1, **LABELS),
        c.NotePoll(call_id=call_id, now=at(61), queue_time_s=0, position=1, episode=1,
                   **LABELS),
    ]
    on_b = [
        c.Connect(call_id=leg, now=at(71), queue="support", queue_time_s=10,
                  agent_call_id="CA" + "a" * 32, rejoined=True),
        c.QueueResult(call_id=call_id, now=at(300), result="bridged", queue_time_s=10,
                      episode=1, **Q),
        c.CallStatus(call_id=leg, now=at(300), status="completed"),
    ]
    return first_leg, on_a, on_b


def record(engine, call_id: str, leg: str) -> dict:  # noqa: F811
    with engine.connect() as conn:
        row = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().one()
        leg_row = conn.execute(select(calls.c.call_id).where(calls.c.call_id == leg)).first()
        connects = conn.execute(select(call_events.c.call_id).where(
            call_events.c.event == "CONNECT",
            call_events.c.call_id.in_([call_id, leg]))).scalars().all()
    return {"outcome": row["outcome"], "wait_s": row["wait_s"],
            "answered_at": str(row["answered_at"])[:19],
            "leg_is_a_call": leg_row is not None,
            "connects_on": ["call" if who == call_id else "leg" for who in connects]}


def test_rejoined_answer_before_its_resume_is_replayed_ends_the_same_call(engine):  # noqa: F811
    ids = [(f"CA{uuid.uuid4().hex}", f"CA{uuid.uuid4().hex}") for _ in range(2)]
    (call1, leg1), (call2, leg2) = ids
    first, on_a, on_b = story(call1, leg1)
    apply_each(engine, first + on_a + on_b)
    healthy = record(engine, call1, leg1)
    first, on_a, on_b = story(call2, leg2)
    apply_each(engine, first + on_b + on_a)  # host A's journal replayed after host B wrote
    two_hosts = record(engine, call2, leg2)
    assert healthy == {"outcome": "answered", "wait_s": healthy["wait_s"],
                       "answered_at": "2026-03-02 09:01:11", "leg_is_a_call": False,
                       "connects_on": ["call"]}
    assert two_hosts == healthy
