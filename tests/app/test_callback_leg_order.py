"""A customer-first callback whose leg ended before its answer was stored ends, never hangs.

Host 1 could not reach the database when the customer answered the REST call: its
CallbackOnLine was journaled. The customer hung up during the greeting, and the leg's final
status reached host 2 while the callback was still only claimed, so it changed nothing. Host
1's replay then set the callback on the line, for ever: every agent of the queue was sent to
the empty callback queue. Now the final status is kept, and the answer applied after it ends
the callback as that status said.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.storage import callback_queue
from app.storage import commands as c
from app.storage.apply import apply
from app.storage.callback_rest import claim_for_rest
from app.storage.db import make_engine
from app.storage.migrate import upgrade
from app.storage.schema import call_events, callbacks
from tests.support.callback_rows import seed_pending

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = START + timedelta(hours=1)
HUNG_UP = "hung up after answering"


def callback_after(sqlite_url: str, commands) -> tuple[str, list[str]]:  # noqa: ANN001
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    seed_pending(engine, ["CB1"], START)
    token = claim_for_rest(engine, callback_queue.get(engine, "CB1"), NOW).claim
    for command in commands(token):
        with engine.begin() as conn:
            apply(conn, command)
    with engine.connect() as conn:
        status = conn.execute(select(callbacks.c.status)).scalar_one()
        events = list(conn.execute(select(call_events.c.event).where(
            call_events.c.call_id == "CB1").order_by(call_events.c.id)).scalars())
    engine.dispose()
    return status, events


def answered(token: str, at: datetime = NOW) -> c.CallbackOnLine:
    return c.CallbackOnLine(call_id="CB1", now=at, claim=token, leg_sid="CAleg")


def hung_up(token: str) -> c.CallbackUnanswered:
    return c.CallbackUnanswered(call_id="CB1", now=NOW + timedelta(seconds=4), claim=token,
                                result=HUNG_UP, attempt_key="CAleg", final=True)


def test_an_answer_stored_after_its_legs_end_ends_the_callback(sqlite_url):
    status, events = callback_after(sqlite_url, lambda token: [hung_up(token),
                                                               answered(token)])
    assert status == "failed"
    assert "CALLBACK_FAILED" in events


def test_in_order_the_same_webhooks_end_it_the_same_way(sqlite_url):
    status, events = callback_after(sqlite_url, lambda token: [answered(token),
                                                               hung_up(token)])
    assert status == "failed"
    assert "CALLBACK_FAILED" in events


def test_an_answer_with_no_ended_leg_holds_the_customer_for_an_agent(sqlite_url):
    status, _ = callback_after(sqlite_url, lambda token: [answered(token)])
    assert status == "on_line"
