"""Callbacks placed through Twilio's REST API when no agent took them in time.

The watch claims an at-risk callback (atomically and under a token, like an agent would),
the REST call rings the customer, and once they answer they wait in the queue's priority
queue, which agents drain before anything else; the promise is kept when an agent takes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, select, update

from app.storage.callback_queue import Callback, claim
from app.storage.schema import callbacks

REST_CLAIMANT = "rest"


def priority_queue(queue: str) -> str:
    """Twilio queue where REST-called customers wait for the next agent (names <= 64 chars)."""
    return f"{queue[:54]}-callbacks"


def claim_for_rest(engine: Engine, call_id: str, now: datetime) -> Callback | None:
    """Take a due, pending callback for a REST call; None if an agent (or another watch) has it."""
    with engine.begin() as conn:
        return claim(conn, call_id, REST_CLAIMANT, now)


def release(engine: Engine, call_id: str, token: str) -> None:
    """The REST call could not be placed: the callback goes back to its place in line."""
    with engine.begin() as conn:
        conn.execute(update(callbacks).where(
            callbacks.c.call_id == call_id, callbacks.c.status == "claimed",
            callbacks.c.claim_token == token,
        ).values(status="pending", claimed_by=None, claimed_at=None, claim_token=None))


def anyone_on_line(conn: Connection, queue: str) -> bool:
    return conn.execute(select(callbacks.c.call_id).where(
        callbacks.c.queue == queue, callbacks.c.status == "on_line").limit(1)).first() \
        is not None


def call_for_leg(conn: Connection, leg_sid: str) -> str | None:
    """Our call id for the customer's REST leg (the Queue url only knows the leg)."""
    return conn.execute(select(callbacks.c.call_id).where(
        callbacks.c.rest_call_sid == leg_sid)).scalar()
