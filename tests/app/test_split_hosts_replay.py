"""A call's webhooks split between a healthy host (B) and one cut off from the database (A)
that journals its share (polls never tried: attempted=False) and replays it after B wrote:
the record equals the in-order record (README "Nothing lost"). Found by a review (the entry
position of a first time in line was lost when its first poll was replayed after a later
time in line's polls)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.storage import commands as c
from app.storage.schema import call_events, calls
from tests.app.test_one_truth import RECORD, applied, at, engine  # noqa: F401 - fixture

MORE = RECORD + ("told_position", "last_announced_at", "last_polled_at", "last_position")


def story(call_id: str, polls: int, ending: str) -> list[c.Command]:
    common = {"call_id": call_id, "queue": "support"}
    labels = {**common, "policy": "checkin", "arm": ""}
    out: list[c.Command] = [c.BeginCall(now=at(0), from_number="+14155550100", **labels)]
    for k in range(polls):
        out.append(c.NotePoll(now=at(30 * k), queue_time_s=30 * k, position=6 - k, **labels))
        if k:
            out.append(c.Announce(now=at(30 * k), queue_time_s=30 * k, position=6 - k,
                                  kind="checkin", announced_wait_s=400.0 - 50 * k, text="S",
                                  **labels))
    end = 30 * polls
    if ending.startswith("answered"):  # untimed: the answer's request left out QueueTime
        timed = None if ending.endswith("untimed") else end
        out += [c.Connect(now=at(end), queue_time_s=timed, **common),
                c.QueueResult(now=at(end + 100), result="bridged", queue_time_s=end, **common)]
    elif ending == "hangup":
        out.append(c.QueueResult(now=at(end), result="hangup", queue_time_s=end, **common))
    elif ending == "error_then_hangup":
        out.append(c.QueueResult(now=at(end), result="error", queue_time_s=end, **common))
        back = end + 5
        for k in range(2):
            out.append(c.NotePoll(now=at(back + 30 * k), queue_time_s=30 * k, position=3 - k,
                                  episode=1, **labels))
            out.append(c.Announce(now=at(back + 30 * k), queue_time_s=30 * k, episode=1,
                                  position=3 - k, kind="checkin", announced_wait_s=100.0,
                                  text="S", **labels))
        out.append(c.QueueResult(now=at(back + 70), result="hangup", queue_time_s=70,
                                 episode=1, **common))
        end = back + 70
    out.append(c.CallStatus(now=at(end + 101), status="completed", call_id=call_id))
    return out


def record_of(engine, commands, call_id):  # noqa: F811
    applied(engine, commands, call_id)
    with engine.connect() as conn:
        row = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().one()
        entries = sorted((e.dedupe_key.split(":", 1)[1], e.position, str(e.time)[:19])
                         for e in conn.execute(select(call_events).where(
                             call_events.c.call_id == call_id,
                             call_events.c.event == "ENTERQUEUE")))
    return {**{k: (str(row[k])[:19] if k.endswith("_at") else row[k]) for k in MORE},
            "entries": entries}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), polls=st.integers(1, 4),
       ending=st.sampled_from(["answered", "answered_untimed", "hangup",
                               "error_then_hangup"]))
def test_a_journal_replayed_after_another_host_wrote_leaves_the_healthy_record(
        engine, data, polls, ending):  # noqa: F811
    commands = story("X", polls, ending)
    on_a = data.draw(st.lists(st.booleans(), min_size=len(commands), max_size=len(commands)))
    on_a[0] = False  # the call's first request reached the database
    a_cmds = [replace(cmd, attempted=False) if isinstance(cmd, c.NotePoll) else cmd
              for cmd, a in zip(commands, on_a, strict=True) if a]
    b_cmds = [cmd for cmd, a in zip(commands, on_a, strict=True) if not a]
    last_a = max((i for i, a in enumerate(on_a) if a), default=-1)
    b_before = sum(1 for i, a in enumerate(on_a) if not a and i <= last_a)
    cut = data.draw(st.integers(b_before, len(b_cmds)))
    two_hosts = b_cmds[:cut] + a_cmds + b_cmds[cut:]
    healthy_id, split_id = f"CA{uuid.uuid4().hex}", f"CA{uuid.uuid4().hex}"
    expected = record_of(engine, commands, healthy_id)
    got = record_of(engine, [replace(x, call_id=split_id) for x in two_hosts], split_id)
    diff = {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
    assert diff == {}, [type(x).__name__ + ("*" if x in a_cmds else "") for x in two_hosts]
