"""Review: the first time in line's first poll, journaled on host A, replayed after host B
counted two polls of the caller's second time in line (back after a Twilio error): the
ENTERQUEUE of the first time in line never gets the caller's entry position, so the
queue_log export loses ENTERQUEUE/ABANDON origposition."""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy import select

from analytics.pseudonyms import CallerIds
from analytics.queue_log import queue_log_from_events
from app.storage import commands as c
from app.storage.read import read_events_frame
from app.storage.schema import call_events
from tests.app.test_late_facts import apply_each, at, engine  # noqa: F401 - fixture

LABELS = {"queue": "support", "policy": "checkin", "arm": ""}
Q = {"queue": "support"}


def story(call_id: str) -> tuple[list[c.Command], list[c.Command], list[c.Command]]:
    """(B before A's replay, A's journal, B after it)."""
    first_time = [c.NotePoll(call_id=call_id, now=at(0), queue_time_s=0, position=6, **LABELS),
                  c.QueueResult(call_id=call_id, now=at(30), result="error", queue_time_s=30,
                                **Q)]
    b_before = [
        c.BeginCall(call_id=call_id, now=at(0), from_number="+14155550100", **LABELS),
        c.NotePoll(call_id=call_id, now=at(35), queue_time_s=0, position=3, episode=1, **LABELS),
        c.NotePoll(call_id=call_id, now=at(65), queue_time_s=30, position=2, episode=1,
                   **LABELS)]
    b_after = [c.QueueResult(call_id=call_id, now=at(105), result="hangup", queue_time_s=70,
                             episode=1, **Q),
               c.CallStatus(call_id=call_id, now=at(106), status="completed")]
    return b_before, first_time, b_after


def entries(engine, call_id):  # noqa: F811
    with engine.connect() as conn:
        return sorted((key.split(":", 1)[1], position) for key, position in conn.execute(
            select(call_events.c.dedupe_key, call_events.c.position).where(
                call_events.c.call_id == call_id, call_events.c.event == "ENTERQUEUE")))


def exported(engine, call_id):  # noqa: F811
    url = engine.url.render_as_string(hide_password=False)
    events = read_events_frame(url)
    same_key = CallerIds.from_key_text("hashed", "one key for both calls")  # else random
    lines = queue_log_from_events(events[events["call_id"] == call_id], same_key)
    return [line.replace(call_id, "X") for line in lines]


def test_first_poll_of_first_time_in_line_replayed_late_keeps_the_entry_position(engine):  # noqa: F811
    healthy, split = f"CA{uuid.uuid4().hex}", f"CA{uuid.uuid4().hex}"
    b_before, on_a, b_after = story(healthy)
    apply_each(engine, b_before[:1] + on_a + b_before[1:] + b_after)
    b_before, on_a, b_after = story(split)
    journaled = [replace(x, attempted=False) if isinstance(x, c.NotePoll) else x for x in on_a]
    apply_each(engine, b_before + journaled + b_after)
    assert entries(engine, healthy) == [("ENTERQUEUE", 6), ("ENTERQUEUE:1", 3)]
    assert exported(engine, split) == exported(engine, healthy)
    assert entries(engine, split) == entries(engine, healthy)
