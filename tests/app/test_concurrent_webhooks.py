"""Webhooks of one call that arrive together, on PostgreSQL (concurrent writers).

Twilio sends a hang-up's Enqueue action and its status callback at the same moment, and an
answer can race a hang-up. Under READ COMMITTED each write used to rebuild the call's row from
the facts it could see, so the last to commit won: a call ended both answered and abandoned,
or abandoned with the status callback's time instead of Twilio's QueueTime. Each test here
holds one write's transaction open while another write of the same call starts, then lets the
first commit: the interleaving that lost facts, made deterministic. (SQLite has one writer at
a time: its writes cannot interleave.)
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from app.storage import commands as c
from app.storage.apply import apply
from app.storage.call_writes import announce_at_once
from app.storage.db import make_engine
from app.storage.facts import facts_of
from app.storage.schema import call_events, calls
from hold_policies.call_outcome import outcome_of
from tests.support.postgres import fresh_postgres_url  # noqa: F401 - fixture

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECOND_STARTS_S = 0.3  # long enough for the second write to reach its first lock


@pytest.fixture
def engine(fresh_postgres_url) -> Engine:  # noqa: F811 - the fixture, used
    engine = make_engine(fresh_postgres_url)
    yield engine
    engine.dispose()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def in_line(engine: Engine, call_id: str, polls: int = 2) -> None:
    """A caller who rang and heard `polls` wait documents, committed."""
    labels = {"call_id": call_id, "queue": "support", "policy": "checkin", "arm": ""}
    with engine.begin() as conn:
        apply(conn, c.BeginCall(now=at(0), from_number="+14155550100", **labels))
    for k in range(polls):
        with engine.begin() as conn:
            apply(conn, c.NotePoll(now=at(60 * k), queue_time_s=60 * k, position=3, **labels))


def first_holds_then_second(engine: Engine, first: Callable, second: c.Command) -> None:
    """`first(conn)` runs in a transaction kept open while `second` is applied from another
    thread; then the first commits and the second is waited for."""
    failures: list[BaseException] = []

    def apply_second() -> None:
        try:
            with engine.begin() as conn:
                apply(conn, second)
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            failures.append(error)

    with engine.connect() as conn:
        transaction = conn.begin()
        first(conn)
        racer = threading.Thread(target=apply_second)
        racer.start()
        time.sleep(SECOND_STARTS_S)
        transaction.commit()
    racer.join(timeout=10)
    assert not racer.is_alive(), "the second write never finished"
    assert not failures, failures


def record_and_events(engine: Engine, call_id: str) -> tuple[dict, list[str]]:
    with engine.connect() as conn:
        row = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().one()
        events = [e for (e,) in conn.execute(select(call_events.c.event).where(
            call_events.c.call_id == call_id).order_by(call_events.c.id))]
        decided = outcome_of(facts_of(conn, call_id))
    assert row["outcome"] == (decided.outcome.value if decided.outcome else None), \
        "the row is not the projection of the call's own facts"
    return dict(row), events


def applying(command: c.Command) -> Callable:
    return lambda conn: apply(conn, command)


@pytest.mark.parametrize("answer_first", [True, False], ids=["answer-first", "hangup-first"])
def test_an_answer_and_a_hang_up_together_leave_one_truth(engine, answer_first):
    call_id = f"CA{uuid.uuid4().hex}"
    in_line(engine, call_id)
    answer = c.Connect(now=at(90), queue_time_s=90, call_id=call_id, queue="support")
    hangup = c.QueueResult(now=at(91), result="hangup", queue_time_s=91, call_id=call_id,
                           queue="support")
    first, second = (answer, hangup) if answer_first else (hangup, answer)
    first_holds_then_second(engine, applying(first), second)
    row, events = record_and_events(engine, call_id)
    assert row["outcome"] == "answered"
    assert "CONNECT" in events and "ABANDON" not in events


def test_a_hang_up_and_its_status_callback_together_keep_twilios_queue_time(engine):
    call_id = f"CA{uuid.uuid4().hex}"
    in_line(engine, call_id)
    hangup = c.QueueResult(now=at(95), result="hangup", queue_time_s=95, call_id=call_id,
                           queue="support")
    status = c.CallStatus(now=at(97), status="completed", call_id=call_id)
    first_holds_then_second(engine, applying(hangup), status)
    row, events = record_and_events(engine, call_id)
    assert (row["outcome"], row["wait_s"]) == ("abandoned", 95)
    assert events.count("ABANDON") == 1


def test_a_status_callback_racing_the_calls_first_request_still_ends_it(engine):
    """No row yet: the status callback keeps a bare fact while /voice/incoming makes the
    row; whichever commits last must see the other's work."""
    call_id = f"CA{uuid.uuid4().hex}"
    status = c.CallStatus(now=at(5), status="completed", call_id=call_id)
    incoming = c.BeginCall(now=at(0), from_number="+14155550100", call_id=call_id,
                           queue="support", policy="checkin", arm="")
    first_holds_then_second(engine, applying(status), incoming)
    row, events = record_and_events(engine, call_id)
    assert row["outcome"] == "abandoned"
    assert "ABANDON" in events


def test_a_status_callback_before_the_calls_first_request_ends_it(engine):
    """One after the other: psycopg's rowcount of -1 for INSERT .. ON CONFLICT made the
    first request think its row was there already, and the call never ended."""
    call_id = f"CA{uuid.uuid4().hex}"
    with engine.begin() as conn:
        apply(conn, c.CallStatus(now=at(5), status="completed", call_id=call_id))
    with engine.begin() as conn:
        apply(conn, c.BeginCall(now=at(0), from_number="+14155550100", call_id=call_id,
                                queue="support", policy="checkin", arm=""))
    row, events = record_and_events(engine, call_id)
    assert row["outcome"] == "abandoned"
    assert "ABANDON" in events


def test_a_check_in_counted_in_one_statement_is_not_lost_to_a_projection(engine):
    """A steady poll's check-in counts itself on the row without the call's lock; a hang-up
    projected meanwhile must not write back the count it read before the check-in."""
    call_id = f"CA{uuid.uuid4().hex}"
    in_line(engine, call_id)
    check_in = c.Announce(now=at(60), queue_time_s=60, position=3, kind="checkin",
                          announced_wait_s=300.0, text="Sorry for the wait",
                          call_id=call_id, queue="support", policy="checkin", arm="")
    hangup = c.QueueResult(now=at(95), result="hangup", queue_time_s=95, call_id=call_id,
                           queue="support")
    first_holds_then_second(engine, lambda conn: announce_at_once(conn, check_in), hangup)
    row, events = record_and_events(engine, call_id)
    assert row["announcements"] == 1
    assert row["first_announced_wait_s"] == 300.0
    assert events.count("ANNOUNCE") == 1
