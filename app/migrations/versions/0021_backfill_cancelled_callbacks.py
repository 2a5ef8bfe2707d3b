"""Callbacks cancelled before 0020 get their CALLBACK_CANCELLED fact, so they count as cancelled.

0020 added `calls.callback_cancelled`, projected from a CALLBACK_CANCELLED fact that only
cancellations since then log. A callback cancelled before it (a `callbacks` row with status
"cancelled") left no fact: reports still counted its promise as open, and setting the column
alone would not last, as the next projection of the call sets it from its facts. So each
such callback gets the fact the live code logs (app.storage.callback_admin.log_cancellation):
the same dedupe key, so it is logged once however often this runs, at the callback's
`resolved_at` (the cancellation's time; else the latest time the row holds), its wait seconds
since the call entered the queue, and `by` as the audit log tells it ("caller" for a caller
who rang back and chose to wait, with `by_call`; "operator" for a console/API cancel;
"unknown" without an entry), marked `backfilled`. Then the call's `callback_cancelled` is set
as the projection would set it. Skipped, as outcome_of ranks them above a cancellation: calls
answered (a connect cancels the callback, audited by "system") or whose callback connected or
failed; and callbacks whose booking call has no row.

A revision of its own rather than a change to 0020: a database already at 0020 (upgraded
before this fix) never runs 0020 again, but does run this.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None
log = logging.getLogger("holdwell.migrate")

CANCELLED = "CALLBACK_CANCELLED"  # hold_policies.records.Event.CALLBACK_CANCELLED
NOT_SETTLED = ("(c.outcome IS NULL OR c.outcome NOT IN ('answered', 'callback_connected', "
               "'callback_failed'))")  # hold_policies.call_outcome.SETTLES_CALLBACK
BACKFILLED = '%"backfilled": true%'  # the data of a fact this logged (json.dumps, sort_keys)


def cancellation_key(call_id: str) -> str:
    """app.storage.callback_admin.cancellation_key, as it is today."""
    return f"{call_id}:{CANCELLED}"


WHEN = sa.DateTime(timezone=True)
CANCELLED_CALLBACKS = sa.text(
    "SELECT cb.call_id, c.entered_at, COALESCE(cb.resolved_at, cb.claimed_at, cb.requested_at) "
    "AS at FROM callbacks cb JOIN calls c ON c.call_id = cb.call_id "
    f"WHERE cb.status = 'cancelled' AND {NOT_SETTLED} ORDER BY cb.call_id",
).columns(call_id=sa.String, entered_at=WHEN, at=WHEN)
AUDITED = sa.text(
    "SELECT actor, detail FROM audit_log WHERE action = 'callback.cancel' AND target = :call "
    "ORDER BY time, id")
# The time is copied in SQL, so it is stored exactly as the callbacks row holds it.
LOG_ONCE = sa.text(
    "INSERT INTO call_events (time, call_id, queue, event, policy, arm, position, wait_s, "
    "data, dedupe_key) SELECT COALESCE(cb.resolved_at, cb.claimed_at, cb.requested_at), "
    "c.call_id, c.queue, :event, c.policy, c.arm, NULL, :wait, :data, :key "
    "FROM callbacks cb JOIN calls c ON c.call_id = cb.call_id WHERE cb.call_id = :call "
    "AND NOT EXISTS (SELECT 1 FROM call_events e WHERE e.dedupe_key = :same_key)")
MARK = sa.text(
    f"UPDATE calls SET callback_cancelled = :cancelled WHERE call_id IN (SELECT c.call_id "
    f"FROM calls c WHERE {NOT_SETTLED} AND EXISTS (SELECT 1 FROM call_events e WHERE "
    f"e.call_id = c.call_id AND e.event = :event)) AND callback_cancelled = :not_cancelled",
).bindparams(sa.bindparam("cancelled", type_=sa.Boolean),
             sa.bindparam("not_cancelled", type_=sa.Boolean))


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC times (app.storage.db.as_utc)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _who(conn: sa.Connection, call_id: str) -> dict[str, object]:
    """`by` and what else the live cancel logs, from the cancel's audit entry (if kept)."""
    for actor, detail in conn.execute(AUDITED, {"call": call_id}):
        if actor == "system":  # answered on their own call: not a withdrawal
            continue
        if actor == "caller":
            about = json.loads(detail or "{}")
            by_call = about.get("by_call")
            return {"by": "caller", **({"by_call": by_call} if by_call else {})}
        return {"by": "operator"}
    return {"by": "unknown"}


def upgrade() -> None:
    conn = op.get_bind()
    logged = 0
    for call_id, entered_at, at in conn.execute(CANCELLED_CALLBACKS).all():
        entered, when = _utc(entered_at), _utc(at)
        waited = (max((when - entered).total_seconds(), 0.0)
                  if entered is not None and when is not None else None)
        data = json.dumps({**_who(conn, call_id), "backfilled": True}, sort_keys=True)
        logged += conn.execute(LOG_ONCE, {"event": CANCELLED, "wait": waited, "data": data,
                                          "key": cancellation_key(call_id),
                                          "same_key": cancellation_key(call_id),
                                          "call": call_id}).rowcount or 0
    marked = conn.execute(MARK, {"cancelled": True, "not_cancelled": False,
                                 "event": CANCELLED}).rowcount
    if logged or marked:
        log.info("logged %d callback cancellation(s) made before 0020; %d call(s) now say "
                 "callback_cancelled", logged, marked)


def downgrade() -> None:
    """Drop the facts this logged; a call left with no cancellation fact is not cancelled."""
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM call_events WHERE event = :event AND data LIKE :mark"),
                 {"event": CANCELLED, "mark": BACKFILLED})
    conn.execute(sa.text(
        "UPDATE calls SET callback_cancelled = :no WHERE callback_cancelled = :yes AND NOT "
        "EXISTS (SELECT 1 FROM call_events e WHERE e.call_id = calls.call_id AND e.event = "
        ":event)").bindparams(sa.bindparam("no", type_=sa.Boolean),
                              sa.bindparam("yes", type_=sa.Boolean)),
        {"no": False, "yes": True, "event": CANCELLED})
