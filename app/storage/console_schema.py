"""Tables of the console: people, their tokens and sessions, the audit log and the config
versions.

They live on the call log's MetaData so one Alembic history (revisions 0006, 0012) creates
them.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from app.storage.schema import calls, metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("name_key", String(256)),  # name.casefold(); NULL: an older name folding alike
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ux_users_name_key", "name_key", unique=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # SHA-256 of the token: a stolen database never yields a usable token.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # What it is for, as the admin named it (0024; NULL: issued before labels), and when it
    # last let a request in, kept to the minute (NULL: not since 0024).
    Column("label", String(80)),
    Column("last_used_at", DateTime(timezone=True)),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    # SHA-256 of the random id in the signed cookie; signing out deletes the row (0012).
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_console_sessions_created_at", "created_at"),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Index("ix_login_failures_name_time", "name", "time"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(128), nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default="{}"),
    Index("ix_audit_log_time", "time"),
    Index("ix_audit_log_action_target_time", "action", "target", "time"),  # last sign-in (0019)
)

config_versions = Table(
    "config_versions",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("author", String(64), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("body", Text, nullable=False),  # the validated config as JSON (defaults left out)
)

console_secrets = Table(
    "console_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
)

# The wallboard's "today" and the unserved list read calls by arrival time.
ix_calls_arrived = Index("ix_calls_queue_arrived", calls.c.queue, calls.c.arrived_at)
