"""Login throttling: after a few failures a name is locked for a while, on every worker."""

from __future__ import annotations

from datetime import datetime

from app.services import services
from app.storage import users

MAX_FAILURES = 5
WINDOW_S = 15 * 60


def locked(name: str, now: datetime) -> bool:
    """True once `name` has failed MAX_FAILURES times in the last WINDOW_S seconds."""
    return users.recent_failures(services().store.engine, name, now, WINDOW_S) >= MAX_FAILURES


def note_failure(name: str, address: str, now: datetime) -> None:
    users.note_failure(services().store.engine, name, address, now, keep_s=WINDOW_S)
