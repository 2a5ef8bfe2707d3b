"""Tables of the call log. Alembic migrations in app/migrations create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from hold_policies.config import ARM_NAME_CHARS

metadata = MetaData()
PARTY_CHARS = 64
"""A caller's From (or an agent's To) as kept: SIP URIs and client names run past E.164."""

call_events = Table(
    "call_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("call_id", String(64), nullable=False),
    Column("queue", String(64), nullable=False),
    Column("event", String(32), nullable=False),
    Column("policy", String(ARM_NAME_CHARS), nullable=False, server_default=""),
    Column("arm", String(ARM_NAME_CHARS), nullable=False, server_default=""),
    Column("position", Integer),
    Column("wait_s", Float),
    Column("data", Text, nullable=False, server_default="{}"),
    # Twilio retries and reorders webhooks: each logical event has one key, inserted once.
    Column("dedupe_key", String(160), nullable=False, unique=True),
    Index("ix_call_events_queue_time", "queue", "time"),
    Index("ix_call_events_call_id", "call_id"),
    # Each poll counts the queue's recent departures: this index reads only those events.
    # (ix_call_events_queue_time serves the log's first event per queue.)
    Index("ix_call_events_queue_event_time", "queue", "event", "time"),
)

BACK_IN_LINE = text("outcome IS NULL AND in_line_since IS NOT NULL")

calls = Table(
    "calls",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("queue", String(64), nullable=False),
    Column("policy", String(ARM_NAME_CHARS), nullable=False),
    Column("arm", String(ARM_NAME_CHARS), nullable=False, server_default=""),
    Column("from_number", String(PARTY_CHARS)),
    Column("arrived_at", DateTime(timezone=True), nullable=False),
    Column("entered_at", DateTime(timezone=True)),
    Column("orig_position", Integer),
    Column("polls", Integer, nullable=False, server_default="0"),
    Column("announcements", Integer, nullable=False, server_default="0"),
    Column("last_announced_at", DateTime(timezone=True)),
    Column("first_announced_wait_s", Float),
    Column("first_announced_at_s", Float),
    Column("callback_requested", Boolean, nullable=False, server_default="0"),
    Column("callback_promised_wait_s", Float),
    Column("outcome", String(32)),
    Column("wait_s", Float),
    Column("answered_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("callback_wait_s", Float),
    Column("last_polled_at", DateTime(timezone=True)),
    Column("departed_at", DateTime(timezone=True)),  # left the head of the line (0005)
    Column("last_poll_queue_time_s", Float),  # the QueueTime of the last poll counted
    Column("last_position", Integer),  # QueuePosition of that poll (Gather actions lack it)
    Column("told_position", Integer),  # the lowest position a check-in has said (0008)
    # Put back in line after a Twilio error: when this time in Twilio's queue began (at its
    # back); NULL while in the first. The line's head is read from it (0017).
    Column("in_line_since", DateTime(timezone=True)),
    # Its callback was withdrawn (a CALLBACK_CANCELLED fact: by an operator, or the caller
    # rang back and chose to wait), projected like every other column (0020).
    Column("callback_cancelled", Boolean, nullable=False, server_default="0"),
    # Agents look for the longest-waiting caller: only unsettled calls are indexed, so the
    # search stays short however long the log grows (migration 0003).
    Index("ix_calls_waiting", "queue", "entered_at", sqlite_where=text("outcome IS NULL"),
          postgresql_where=text("outcome IS NULL")),
    Index("ix_calls_back_in_line", "queue", "in_line_since", sqlite_where=BACK_IN_LINE,
          postgresql_where=BACK_IN_LINE),  # callers put back after an error only (0017)
    # Each poll counts the queue's recent departures (answers, hang-ups, callbacks served).
    Index("ix_calls_queue_departed", "queue", "departed_at"),
)

callbacks = Table(
    "callbacks",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("queue", String(64), nullable=False),
    Column("number", String(32), nullable=False),
    Column("entered_at", DateTime(timezone=True), nullable=False),  # keeps the original place
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("promised_by", DateTime(timezone=True)),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("claimed_by", String(64)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("last_result", String(32)),
    Column("rest_call_sid", String(64)),  # the customer's leg when placed through the REST API
    Column("resolved_at", DateTime(timezone=True)),
    Column("claim_token", String(36)),  # fences attempt results to the claim they belong to
    # Booked outside opening hours: not dialled before the next opening (0009); the cap on
    # callbacks per opening counts rows by queue and due time.
    Column("due_at", DateTime(timezone=True)),
    # Failed: its text to the customer owed, sent or not sent (0015; app.failure_texts).
    Column("failure_text", String(8)),
    # The claiming agent's call ended before any result of its claim arrived (0016): the
    # claim stays until `holdwell callbacks` asks Twilio how the customer's leg went
    # (app.claim_checks), so a result journaled on a host cut off is not rung over.
    Column("agent_ended_at", DateTime(timezone=True)),
    # What the worker learnt of the booking call from Twilio (0022; app.booking_checks):
    # asked, on_line, stayed (held for a journaled answer) or left; and the hold it set.
    Column("booking_check", String(16)),
    Column("booking_held_until", DateTime(timezone=True)),
    Index("ix_callbacks_queue_status_entered", "queue", "status", "entered_at"),
    Index("ix_callbacks_queue_due", "queue", "due_at"),
)

callback_messages = Table(
    # Messages left from the queue (0010, one per callback; 0013, every one): the agent hears
    # each, or its transcript, in order before the customer rings. One callback per person,
    # so a second message from the same number rides on the callback the first one made.
    "callback_messages",
    metadata,
    Column("recording_sid", String(34), primary_key=True),
    Column("callback_id", String(64), nullable=False),  # the callbacks row carrying it
    Column("call_id", String(64), nullable=False),  # the call it was left on
    Column("left_at", DateTime(timezone=True), nullable=False),
    Column("recording_url", String(512), nullable=False),
    Column("recording_s", Integer),
    Column("transcript", Text),
    Index("ix_callback_messages_callback", "callback_id", "left_at"),
)

worker_rounds = Table(
    # When each `holdwell callbacks` worker (one row per host) last ran a round, and last
    # finished one (0023; app.storage.worker_rounds): /healthz and the console say when the
    # backstop of every callback promise stopped.
    "worker_rounds",
    metadata,
    Column("host", String(255), primary_key=True),
    Column("pid", Integer, nullable=False),
    Column("interval_s", Float, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("last_round_at", DateTime(timezone=True), nullable=False),
    Column("last_ok_at", DateTime(timezone=True)),  # None: no round finished yet
    Column("problem", Text),  # why its last round failed, or REST placement cannot work
)
