"""The session-signing key, shared by every worker through the database.

HOLDWELL_SECRET_KEY wins when set; otherwise the first worker to start makes a random key
and every other worker (and every restart) reads the same one, so sessions survive both.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from app.storage.console_schema import console_secrets
from app.storage.events import insert_once

NAME = "session_key"


def session_key(engine: Engine) -> str:
    with engine.begin() as conn:
        conn.execute(insert_once(conn, console_secrets, "name"),
                     {"name": NAME, "value": secrets.token_hex(32)})
    with engine.connect() as conn:
        value = conn.execute(select(console_secrets.c.value).where(
            console_secrets.c.name == NAME)).scalar()
    if value is None:  # pragma: no cover - the insert above guarantees a row
        raise IntegrityError("no session key", None, Exception())
    return value
