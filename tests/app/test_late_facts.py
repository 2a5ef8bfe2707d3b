"""Facts applied late leave the row the projection of all facts (issue 11, two hosts).

A host whose database is away journals a caller's check-in or poll; meanwhile another host
writes the caller's next ones. When the first host replays, the older fact arrives after the
newer: the row used to keep the estimate that arrived first (not the one told first) and set
its clocks back to the older fact's time, which the resume rule then read as a longer
silence. Each test applies a call's facts newest-first and asks that the row say what the
in-order row says.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.storage import commands as c
from app.storage.apply import apply
from app.storage.db import as_utc, make_engine
from app.storage.schema import calls

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COLUMNS = ("announcements", "first_announced_wait_s", "first_announced_at_s",
           "last_announced_at", "told_position", "last_polled_at")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, sqlite_url):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    if request.param == "sqlite":
        from app.storage.migrate import upgrade

        upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_call(call_id: str) -> tuple[list[c.Command], list[c.Command]]:
    """(the first poll, then two polls each with its check-in), in the order they happened."""
    labels = {"call_id": call_id, "queue": "support", "policy": "checkin", "arm": ""}
    first = [c.BeginCall(now=at(0), from_number="+14155550100", **labels),
             c.NotePoll(now=at(0), queue_time_s=0, position=4, **labels)]
    later = []
    for queue_time, position, estimate in ((60, 3, 300.0), (120, 2, 240.0)):
        later += [c.NotePoll(now=at(queue_time), queue_time_s=queue_time, position=position,
                             **labels),
                  c.Announce(now=at(queue_time), queue_time_s=queue_time, position=position,
                             kind="checkin", announced_wait_s=estimate, text="Sorry",
                             **labels)]
    return first, later


def row_after(engine, commands: list[c.Command]) -> dict:
    for command in commands:
        with engine.begin() as conn:
            apply(conn, command)
    call_id = commands[0].call_id
    with engine.connect() as conn:
        row = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().one()
    return {name: as_utc(row[name]) if name.endswith("_at") else row[name] for name in COLUMNS}


def renamed(commands: list[c.Command], call_id: str) -> list[c.Command]:
    from dataclasses import replace

    return [replace(command, call_id=call_id) for command in commands]


def test_a_check_in_and_poll_replayed_after_newer_ones_change_nothing(engine):
    first, later = a_call("X")
    in_order = row_after(engine, renamed(first + later, f"CA{uuid.uuid4().hex}"))
    newest_first = later[2:] + later[:2]  # the second check-in's host wrote first
    late = row_after(engine, renamed(first + newest_first, f"CA{uuid.uuid4().hex}"))
    assert in_order["first_announced_wait_s"] == 300.0  # the order the test relies on
    assert in_order["last_announced_at"] == at(120) and in_order["last_polled_at"] == at(120)
    assert late == in_order
