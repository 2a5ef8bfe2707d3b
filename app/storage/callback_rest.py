"""Callbacks placed through Twilio's REST API when no agent took them in time.

The watch claims an at-risk callback (atomically, like an agent would), the REST call rings
the customer, and once they answer they wait in the queue's priority queue, which agents
drain before anything else; the promise is kept when an agent takes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, or_, select, update

from app.storage.schema import callbacks

REST_CLAIMANT = "rest"


def priority_queue(queue: str) -> str:
    """Twilio queue where REST-called customers wait for the next agent (names <= 64 chars)."""
    return f"{queue[:54]}-callbacks"


def claim_for_rest(engine: Engine, call_id: str, now: datetime) -> bool:
    """Take a pending callback for a REST call; False if an agent (or another watch) has it."""
    with engine.begin() as conn:
        taken = conn.execute(update(callbacks).where(
            callbacks.c.call_id == call_id, callbacks.c.status == "pending",
            or_(callbacks.c.next_attempt_at.is_(None), callbacks.c.next_attempt_at <= now),
        ).values(status="claimed", claimed_by=REST_CLAIMANT, claimed_at=now))
        return taken.rowcount == 1


def release(engine: Engine, call_id: str) -> None:
    """The REST call could not be placed: the callback goes back to its place in line."""
    with engine.begin() as conn:
        conn.execute(update(callbacks).where(
            callbacks.c.call_id == call_id, callbacks.c.status == "claimed",
        ).values(status="pending", claimed_by=None, claimed_at=None))


def on_line(engine: Engine, call_id: str, leg_sid: str) -> None:
    """The customer answered the REST call and now waits in the priority queue."""
    with engine.begin() as conn:
        conn.execute(update(callbacks).where(
            callbacks.c.call_id == call_id, callbacks.c.status == "claimed",
        ).values(status="on_line", rest_call_sid=leg_sid))


def anyone_on_line(engine: Engine, queue: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(callbacks.c.call_id).where(
            callbacks.c.queue == queue, callbacks.c.status == "on_line").limit(1)).first() \
            is not None


def call_for_leg(engine: Engine, leg_sid: str) -> str | None:
    """Our call id for the customer's REST leg (the Queue url only knows the leg)."""
    with engine.connect() as conn:
        return conn.execute(select(callbacks.c.call_id).where(
            callbacks.c.rest_call_sid == leg_sid)).scalar()
