"""Pending callbacks as a virtual queue ordered by when each caller first entered.

Exactly once: a claim is atomic (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional
UPDATE on SQLite) and carries a fresh token that every attempt result must show
(`app.storage.callback_writes`); a claim is released when its agent call ends (the agent's
status callback) or, failing that, after a timeout that config validation keeps longer than
any ring. Everything lives in the database, so a restart loses nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, exists, func, literal, or_, select, update

from app.storage.db import as_utc
from app.storage.line_head import in_line_order
from app.storage.messages import Message, messages_of
from app.storage.prepared import OUTSTANDING, param
from app.storage.schema import call_events, callbacks, calls
from hold_policies.call_outcome import CALLBACK_ENDED
from hold_policies.config import LONGEST_SEGMENT_S

REST_CLAIMANT = "rest"
"""`claimed_by` of a claim taken to ring the customer through REST (app.storage.callback_rest);
any other is the CallSid of the agent call that claimed it."""
CHECKED_HOLD = "rest:checked"
"""`claimed_by` of a REST callback held `on_line` because Twilio's Call resource says its leg
is in progress (app.claim_checks), its answer unheard: held in the priority queue, or already
bridged to an agent (its webhooks journaled on a host cut off); Twilio's resource cannot tell
which. An answer heard later makes it REST_CLAIMANT's again."""
RECENT_POLL_S = LONGEST_SEGMENT_S + 60
"""A waiting caller counts as still in line if Twilio polled for them this recently: the
longest wait document any queue may set, and a minute for its words and a slow poll. (A
caller whose hang-up reaches us is settled at once; this only bounds a lost one.)"""


@dataclass(frozen=True)
class Callback:
    call_id: str
    queue: str
    number: str
    entered_at: datetime
    promised_by: datetime | None
    attempts: int
    policy: str = ""
    arm: str = ""
    claim: str | None = None  # the token of the claim this copy was taken under
    messages: tuple[Message, ...] = ()
    """What the caller left from the queue, oldest first: read with a claim (the agent hears
    them before the customer rings, within the claim's own read); `pending` leaves them out."""
    booked_while_closed: bool = False  # for the opening (`due_at`): the caller never waited


# Built once at import, like app.storage.prepared: agents ask on every loop of their Dial.
_NOW = param("now", callbacks.c.next_attempt_at)
DUE = or_(callbacks.c.next_attempt_at.is_(None), callbacks.c.next_attempt_at <= _NOW)
OLDEST_ELIGIBLE = select(callbacks).where(
    callbacks.c.queue == param("queue", callbacks.c.queue), callbacks.c.status == "pending", DUE,
).order_by(callbacks.c.entered_at).limit(1)
OLDEST_ELIGIBLE_UNLOCKED = OLDEST_ELIGIBLE.with_for_update(skip_locked=True)
WAITING_NOW = (
    # `outcome IS NULL` matches the partial indexes of waiting calls: settled ones are skipped.
    calls.c.queue == param("queue", calls.c.queue), calls.c.outcome.is_(None),
    calls.c.entered_at.is_not(None),
    calls.c.last_polled_at >= param("recent", calls.c.last_polled_at),
)
"""A queue's callers still on the line (polled within RECENT_POLL_S: `recent`)."""
HEAD_OF_LINE = in_line_order(WAITING_NOW, 1)
CLAIM = update(callbacks).where(
    callbacks.c.call_id == param("callback", callbacks.c.call_id), callbacks.c.status == "pending",
    DUE,
).values(status="claimed", claimed_by=param("agent", callbacks.c.claimed_by),
         claimed_at=param("now", callbacks.c.claimed_at),
         claim_token=param("token", callbacks.c.claim_token), agent_ended_at=None,
         rest_call_sid=None)
CALLBACK = select(callbacks).where(callbacks.c.call_id == param("callback", callbacks.c.call_id))
CALL_LABELS = select(calls.c.policy, calls.c.arm).where(
    calls.c.call_id == param("call", calls.c.call_id))
PENDING = select(
    callbacks, calls.c.policy.label("call_policy"), calls.c.arm.label("call_arm")
).select_from(callbacks.outerjoin(calls, calls.c.call_id == callbacks.c.call_id)).where(
    callbacks.c.status.in_(OUTSTANDING)).order_by(callbacks.c.entered_at)


def head_in_line_since(conn: Connection, queue: str, now: datetime) -> datetime | None:
    """When the caller at the head of Twilio's queue began this time in line: their entry,
    or, put back in line after a Twilio error, their return (stale calls are ignored)."""
    recent = now - timedelta(seconds=RECENT_POLL_S)
    head = conn.execute(HEAD_OF_LINE, {"queue": queue, "recent": recent}).first()
    return as_utc(head.line_since) if head is not None else None


def talk_ended_key(call_id: str, claim: str | None) -> str:
    """The dedupe key of a claim's CALLBACK_ENDED: one per claim, so an earlier claim's end
    (a machine's answer, say) never stands for a later claim's."""
    return f"{call_id}:{CALLBACK_ENDED}:{claim or ''}"


TALK_ENDED = exists().where(call_events.c.dedupe_key.in_([
    callbacks.c.call_id + literal(f":{CALLBACK_ENDED}:")
    + func.coalesce(callbacks.c.claim_token, literal("")),
    callbacks.c.call_id + literal(f":{CALLBACK_ENDED}")]))  # written before 2026-12-07, one a
# callback whichever claim it ended: it holds as it did, so no claim then in flight is let go
"""A host heard the Dial of this callback's claim end after its customer answered
(CALLBACK_ENDED under its claim token, `talk_ended_key`; an earlier claim's end had held
every later claim of the callback for HELD_LIMIT_S: fault audit 42, finding 4).
A row still "claimed" beside it has its answer waiting in the journal of a host cut off
from the database: neither a retry (JUST_CLAIMED_BY) nor an agent call's end without REST
credentials, nor a claim timeout, may give it back to be rung, or a customer just served is
rung again (chaos soak 33; review 33, R2). It goes back after HELD_LIMIT_S if that journal
never arrives."""

RETRY_WINDOW_S = 20.0
"""Twilio retries a webhook it got no answer to (15 s) soon after: a claim this young, still
held by the same agent call, is that request's own."""
JUST_CLAIMED_BY = select(callbacks).where(
    callbacks.c.queue == param("queue", callbacks.c.queue), callbacks.c.status == "claimed",
    callbacks.c.claimed_by == param("agent", callbacks.c.claimed_by),
    callbacks.c.claimed_at >= param("since", callbacks.c.claimed_at),
    callbacks.c.agent_ended_at.is_(None),  # an agent call that ended is retrying nothing
    # nor does its loop after the Dial of that claim ended (the Dial's result names it)
    callbacks.c.claim_token != param("finished", callbacks.c.claim_token),
    # nor any later loop once a host heard that Dial end (the loop after a <Dial><Queue>
    # names no claim). The held claim's end counts: the safe side is a retry that rings nobody
    ~TALK_ENDED,
).order_by(callbacks.c.claimed_at.desc()).limit(1)


def claim_next(conn: Connection, queue: str, claimant: str, now: datetime,
               *, only_if_older_than_queue: bool = True,
               again: bool = True, finished: str = "", tried: ClaimTry | None = None
               ) -> Callback | None:
    """Claim the oldest due callback for `claimant`, if it entered before the queue's head.

    A claim `claimant` took within RETRY_WINDOW_S is given again (Twilio retrying the request
    whose answer it never got: it runs only one Dial, and a second claim would sit unrung);
    not when `again` is False (writes of this host wait in its journal: the claim's result
    may be among them, and its customer must not be rung again at once), nor the claim
    `finished` (the token of the claim whose Dial just ended: this request is the agent's
    next loop, and that Dial's result may be journaled on another host).
    The callback is looked up first: usually there is none, and then the queue's head is
    never needed. If the oldest eligible callback is not older than the head, no other is.
    """
    since = now - timedelta(seconds=RETRY_WINDOW_S)
    held = conn.execute(JUST_CLAIMED_BY, {"queue": queue, "agent": claimant, "since": since,
                                          "finished": finished}).mappings().first() \
        if again else None
    tried = tried or ClaimTry()
    if held is not None:
        tried.call_id, tried.token = held["call_id"], held["claim_token"]
        return with_call_labels(conn, held)
    oldest = OLDEST_ELIGIBLE_UNLOCKED if conn.dialect.name == "postgresql" else OLDEST_ELIGIBLE
    row = conn.execute(oldest, {"queue": queue, "now": now}).mappings().first()
    if row is None or (only_if_older_than_queue and not before_head(conn, row, now)):
        return None
    tried.call_id = row["call_id"]
    return claim(conn, row["call_id"], claimant, now, tried.token)


def claim(conn: Connection, call_id: str, claimant: str, now: datetime,
          token: str | None = None) -> Callback | None:
    """Take one due, pending callback under `token` (default: a fresh one); None if someone
    else has it."""
    token = token or uuid.uuid4().hex
    taken = conn.execute(CLAIM, {"callback": call_id, "agent": claimant, "now": now,
                                 "token": token})
    if taken.rowcount != 1:  # another agent (or the REST watch) won the race
        return None
    row = conn.execute(CALLBACK, {"callback": call_id}).mappings().one()
    return with_call_labels(conn, row)


@dataclass
class ClaimTry:
    """An agent's claim as it goes: its token, chosen before it is written, and the callback
    it took or was given again, so a claim cut off at its COMMIT can be read back."""

    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    call_id: str | None = None


def claimed_in(conn: Connection, tried: ClaimTry) -> Callback | None:
    """The callback `tried` holds, if its COMMIT landed: its row read under a lock
    (PostgreSQL; SQLite's writers take turns), so after the cut transaction ended, whichever
    way. None if it tried none, or the row is not claimed under its token."""
    if tried.call_id is None:
        return None
    found = CALLBACK.with_for_update() if conn.dialect.name == "postgresql" else CALLBACK
    row = conn.execute(found, {"callback": tried.call_id}).mappings().first()
    if row is None or row["status"] != "claimed" or row["claim_token"] != tried.token:
        return None
    return with_call_labels(conn, row)


def before_head(conn: Connection, row, now: datetime) -> bool:  # noqa: ANN001
    """True if the callback entered before the head of the Twilio queue began waiting there
    (the caller an agent would otherwise be given)."""
    head = head_in_line_since(conn, row["queue"], now)
    return head is None or as_utc(row["entered_at"]) < head


def with_call_labels(conn: Connection, row) -> Callback:  # noqa: ANN001
    """A callback row with its call's policy and arm, and the messages it carries."""
    call = conn.execute(CALL_LABELS, {"call": row["call_id"]}).first()
    found = _callback(row, call.policy if call else "", call.arm if call else "")
    left = messages_of(conn, [found.call_id]).get(found.call_id, ())
    return replace(found, messages=left) if left else found


def _callback(row, policy: str, arm: str) -> Callback:  # noqa: ANN001
    return Callback(call_id=row["call_id"], queue=row["queue"], number=row["number"],
                    entered_at=as_utc(row["entered_at"]), promised_by=as_utc(row["promised_by"]),
                    attempts=row["attempts"], policy=policy, arm=arm,
                    claim=row["claim_token"], booked_while_closed=row["due_at"] is not None)


def get(engine: Engine, call_id: str) -> Callback | None:
    with engine.connect() as conn:
        row = conn.execute(CALLBACK, {"callback": call_id}).mappings().first()
        return with_call_labels(conn, row) if row else None


HELD_LIMIT_S = 3600.0
"""A customer called back through REST and held for an agent (`on_line`) this long: both
webhooks that end a hold (the leg's status, the agent's answer) were lost. Left on_line, the
row would send every agent of its queue to an empty callback queue for ever."""


def release_stale_claims(engine: Engine, now: datetime, claim_timeout_s: float, *,
                         checked: bool = False) -> int:
    """Holds older than HELD_LIMIT_S go back to the line (the customer is called again rather
    than forgotten). Unless the claims are `checked` with Twilio first (app.claim_checks,
    when the worker has REST credentials), so do claims older than any ring could last
    (their call died without telling us) and agents' claims whose agent call ended with no
    result, in their old place; a late result of theirs no longer matches.

    A row another transaction holds (a claim being settled, another host's watch releasing
    it) is skipped, for the next round: waiting for it, one multi-row UPDATE beside another
    locked rows in two orders and deadlocked (PostgreSQL aborted a watch round)."""
    cutoff = now - timedelta(seconds=claim_timeout_s)
    held_since = now - timedelta(seconds=HELD_LIMIT_S)
    stale = and_(callbacks.c.status == "on_line", callbacks.c.claimed_at < held_since,
                 callbacks.c.agent_ended_at.is_(None))  # ended: app.claim_checks ends it
    if not checked:
        stale = or_(stale, and_(callbacks.c.status == "claimed", or_(
            callbacks.c.claimed_at < cutoff, callbacks.c.agent_ended_at.is_not(None)),
            or_(~TALK_ENDED, callbacks.c.claimed_at < held_since)))
    free = select(callbacks.c.call_id).where(stale).with_for_update(skip_locked=True)
    with engine.begin() as conn:
        result = conn.execute(update(callbacks).where(callbacks.c.call_id.in_(free), stale)
                              .values(status="pending", claimed_by=None, claimed_at=None,
                                      claim_token=None))
        return result.rowcount


def pending(engine: Engine) -> list[Callback]:
    """Callbacks not yet resolved, oldest first, with their call's policy and arm (one query)."""
    with engine.connect() as conn:
        rows = conn.execute(PENDING).mappings().all()
    return [_callback(row, row["call_policy"] or "", row["call_arm"] or "") for row in rows]
