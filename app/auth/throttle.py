"""Login throttling: after a few failures a name is locked for a while, on every worker.

Check-then-act would let parallel wrong passwords all be checked before any is counted, so an
attempt is recorded first (committed), then counted: of any number at once, at most
MAX_FAILURES are let through to the password check in a window.
"""

from __future__ import annotations

from datetime import datetime

from app.services import services
from app.storage import users

MAX_FAILURES = 5
WINDOW_S = 15 * 60


def admit(name: str, address: str, now: datetime) -> int | None:
    """The attempt's id when its password may be checked; None when `name` is locked (it has
    MAX_FAILURES failures or attempts under way in the last WINDOW_S seconds)."""
    engine = services().store.engine
    attempt = users.note_attempt(engine, name, address, now, keep_s=WINDOW_S)
    if users.recent_failures(engine, name, now, WINDOW_S) > MAX_FAILURES:
        users.forget_attempt(engine, attempt)  # refused unchecked: the lock does not grow
        return None
    return attempt


def succeeded(attempt: int) -> None:
    """A right password: the attempt is no failure."""
    users.forget_attempt(services().store.engine, attempt)


def locked_now(name: str, now: datetime) -> bool:
    """After a failure: whether it was the one that locks `name` for WINDOW_S seconds."""
    return users.recent_failures(services().store.engine, name, now, WINDOW_S) == MAX_FAILURES
