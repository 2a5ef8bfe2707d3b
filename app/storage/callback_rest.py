"""Callbacks placed through Twilio's REST API when no agent took them in time.

The watch claims an at-risk callback (atomically and under a token, like an agent would),
the REST call rings the customer, and once they answer they wait in the queue's priority
queue, which agents drain before anything else; the promise is kept when an agent takes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, and_, case, func, or_, select, update

from app.storage.callback_queue import (
    CHECKED_HOLD,
    OLDEST_ELIGIBLE,
    REST_CLAIMANT,
    Callback,
    before_head,
    claim,
    with_call_labels,
)
from app.storage.db import as_utc, begin_write
from app.storage.locks import hold
from app.storage.prepared import param
from app.storage.reason_writes import LOOK_AHEAD, briefed_elsewhere
from app.storage.schema import call_events, callbacks
from hold_policies.config import PRIORITY_SUFFIX
from hold_policies.records import Event

HOLDING = and_(callbacks.c.status == "on_line", callbacks.c.agent_ended_at.is_(None))
"""Answered and waiting for an agent (an on-line row whose leg completed, how unheard, holds
nobody: app.storage.callback_writes._leg_ended)."""
IN_HAND = or_(HOLDING,
              and_(callbacks.c.status == "claimed", callbacks.c.claimed_by == REST_CLAIMANT,
                   callbacks.c.agent_ended_at.is_(None)))
"""Rung through REST and not yet resolved: ringing, or answered and waiting for an agent (a
claim whose leg already ended, its answer journaled elsewhere, is neither)."""
HELD = select(callbacks).where(
    callbacks.c.queue == param("queue", callbacks.c.queue), HOLDING,
).order_by(callbacks.c.claimed_at, callbacks.c.entered_at).limit(LOOK_AHEAD)
"""Customers answered and holding, in the order they joined the priority queue (an on-line
callback's claimed_at is when they answered), which is the order Twilio hands them out."""


@dataclass(frozen=True)
class Held:
    """A customer answered and holding in the priority queue, as their agent is told."""

    callback: Callback
    answered_at: datetime | None


def priority_queue(queue: str) -> str:
    """Twilio queue where REST-called customers wait for the next agent (queue names are
    short enough, and never end so, for it to be a queue of its own: config.QueueName)."""
    return f"{queue}{PRIORITY_SUFFIX}"


def claim_for_rest(engine: Engine, callback: Callback, now: datetime,
                   at_once: int | None = None) -> Callback | None:
    """Take a due, pending callback for a REST call; None if an agent (or another watch) has
    it, or `at_once` of its queue's customers are already being rung or held. The count and
    the claim are one step for every watcher, as in `claim_in_turn` (two hosts each counting
    alone rang twice the limit)."""
    with engine.begin() as conn:
        if at_once is not None:
            begin_write(conn, None)  # SQLite: the file's write lock from the start
            hold(conn, ringing_lock(callback.queue))
            if in_hand_now(conn, callback.queue) >= at_once:
                return None
        return claim(conn, callback.call_id, REST_CLAIMANT, now)


def ringing_lock(queue: str) -> str:
    """The lock under which a queue's REST ringing is counted and claimed (at-risk rescues
    and customer-first turns alike: both count the same customers in hand)."""
    return f"holdwell-rest-ringing:{queue}"


def in_hand(engine: Engine, queue: str) -> int:
    """How many of `queue`'s customers are being rung or held through REST right now."""
    with engine.connect() as conn:
        return in_hand_now(conn, queue)


def in_hand_now(conn: Connection, queue: str) -> int:
    return conn.execute(select(func.count()).select_from(callbacks).where(
        callbacks.c.queue == queue, IN_HAND)).scalar_one()


def note_placed(engine: Engine, call_id: str, token: str, call_sid: str) -> None:
    """The REST call Twilio created for this claim: what the claim check asks about if
    neither of its webhooks is heard of (app.claim_checks)."""
    with engine.begin() as conn:
        conn.execute(update(callbacks).where(
            callbacks.c.call_id == call_id, callbacks.c.status == "claimed",
            callbacks.c.claim_token == token).values(rest_call_sid=call_sid[:64]))


def release(engine: Engine, call_id: str, token: str, *,
            not_before: datetime | None = None, result: str | None = None) -> None:
    """The claim under `token` goes back to its place in line (a REST call that could not be
    placed; a claim Twilio says was never rung, app.claim_checks), due again at
    `not_before` (if given), so a refusal is not asked again at once; `result` (if given) is
    kept as its last_result, so the same refusal again is known (app.callback_placer)."""
    spacing: dict[str, object] = {} if not_before is None else {"next_attempt_at": not_before}
    if result is not None:
        spacing["last_result"] = result[:32]
    with engine.begin() as conn:
        conn.execute(update(callbacks).where(
            callbacks.c.call_id == call_id, callbacks.c.status == "claimed",
            callbacks.c.claim_token == token,
        ).values(status="pending", claimed_by=None, claimed_at=None, claim_token=None,
                 **spacing))


def last_result(engine: Engine, call_id: str) -> str | None:
    """The callback's last_result (how its last attempt or refusal went)."""
    with engine.connect() as conn:
        return conn.execute(select(callbacks.c.last_result).where(
            callbacks.c.call_id == call_id)).scalar()


def claim_in_turn(engine: Engine, queue: str, now: datetime, at_once: int) -> Callback | None:
    """Customer-first: claim the oldest due callback of `queue` whose turn it is (entered
    before everyone still waiting), unless `at_once` of the queue's customers are already
    being rung or held. One transaction; on PostgreSQL a per-queue advisory lock makes the
    count and the claim one step for every watcher (SQLite's writer lock already does)."""
    with engine.begin() as conn:
        begin_write(conn, None)  # SQLite: the file's write lock from the start
        hold(conn, ringing_lock(queue))
        if in_hand_now(conn, queue) >= at_once:
            return None
        row = conn.execute(OLDEST_ELIGIBLE, {"queue": queue, "now": now}).mappings().first()
        if row is None or not before_head(conn, row, now):
            return None
        return claim(conn, row["call_id"], REST_CLAIMANT, now)


HEARD, CHECKED = "heard", "checked"
ON_LINE_SURELY = select(func.min(case((callbacks.c.claimed_by == CHECKED_HOLD, 1), else_=0))
                        ).where(callbacks.c.queue == param("queue", callbacks.c.queue), HOLDING)


def who_is_on_line(conn: Connection, queue: str) -> str | None:
    """HEARD: a customer whose answer we heard holds in the queue's priority queue; CHECKED:
    only customers the claim check found on a call in progress (held, or bridged already:
    callback_queue.CHECKED_HOLD); None: nobody."""
    surely = conn.execute(ON_LINE_SURELY, {"queue": queue}).scalar()
    return None if surely is None else CHECKED if surely else HEARD


def call_for_leg(conn: Connection, leg_sid: str) -> str | None:
    """Our call id for the customer's REST leg (the Queue url only knows the leg)."""
    return conn.execute(select(callbacks.c.call_id).where(
        callbacks.c.rest_call_sid == leg_sid)).scalar()


def held_for_agent(conn: Connection, queue: str, agent_call_id: str,
                   now: datetime) -> Held | None:
    """The held customer this agent's <Dial><Queue> will take: the first to answer, skipping
    one another agent was just told about (Twilio alone picks; they are theirs to take)."""
    rows = conn.execute(HELD, {"queue": queue}).mappings().all()
    if not rows:
        return None
    facts = conn.execute(select(
        call_events.c.call_id, call_events.c.event, call_events.c.time, call_events.c.data,
    ).where(call_events.c.call_id.in_([row["call_id"] for row in rows]),
            call_events.c.event == Event.AGENT_BRIEFED.value)).all()
    taken = briefed_elsewhere(facts, agent_call_id, now)
    row = next((row for row in rows if row["call_id"] not in taken), None)
    if row is None:
        return None
    return Held(with_call_labels(conn, row), as_utc(row["claimed_at"]))
