"""Callers left in a queue the configuration no longer has: nobody else dials its Twilio queue.

A queue removed while callers wait in it (`holdwell config import --remove-queue`, the
console) keeps those callers in Twilio's queue of that name, where no agent of its own is sent
any more: their polls are answered at the queue's last settings (Services.retired), but they
were never answered, and only their own hang-up ended the wait. Agents of any queue take
them first.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from app.storage.schema import callbacks, calls

POLLED_WITHIN_S = 300
"""A caller counts as still waiting if polled this lately (five default segments; one on a
longer segment is taken again after their next poll): a row whose end was never heard (its
status callback lost, or journaled on a host cut off) must not send agents to an empty queue
for long, and an agent who found nobody there takes their own queue next."""


def _still_waiting_outside(configured: Collection[str], now: datetime) -> tuple:
    """Callers still waiting (polled within POLLED_WITHIN_S) in a queue not `configured`."""
    return (calls.c.outcome.is_(None), calls.c.entered_at.is_not(None),
            calls.c.queue.not_in(list(configured)),
            calls.c.last_polled_at > now - timedelta(seconds=POLLED_WITHIN_S))


def stranded_queue(conn: Connection, configured: Collection[str], now: datetime) -> str | None:
    """The queue, no longer configured, of the longest-waiting caller still in one (None:
    nobody is)."""
    return conn.execute(select(calls.c.queue).where(*_still_waiting_outside(configured, now))
                        .order_by(calls.c.entered_at).limit(1)).scalar()


def stranded_queues(conn: Connection, configured: Collection[str], now: datetime) -> set[str]:
    """Every queue, no longer configured, with a caller still waiting in it (as
    `stranded_queue` counts them)."""
    return set(conn.execute(select(calls.c.queue).distinct().where(
        *_still_waiting_outside(configured, now))).scalars())


def stranded_callback_queues(conn: Connection, configured: Collection[str]) -> list[str]:
    """Queues no longer configured with a callback still pending, the oldest request's
    first: no agent of their own claims them and the callback worker rings none, so agents
    of any queue take them (a promise is a promise)."""
    return list(conn.execute(
        select(callbacks.c.queue).where(
            callbacks.c.status == "pending", callbacks.c.queue.not_in(list(configured)))
        .group_by(callbacks.c.queue).order_by(func.min(callbacks.c.entered_at))).scalars())
