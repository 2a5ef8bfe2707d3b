"""Login throttling: after a few failures a name is locked for a while from the address
they came from, on every worker; and each worker checks one password at a time.

Check-then-act would let parallel wrong passwords all be checked before any is counted, so an
attempt is recorded first (committed), then counted: of any number at once, at most
MAX_FAILURES are let through to the password check in a window. The lock is per name and
address: per name alone, anyone could keep an admin out for good with five wrong passwords
every quarter of an hour (security audit S1). One check at a time per worker
(`one_check_at_a_time`) keeps a flood of sign-ins, each a deliberately slow hash, from taking
every thread Twilio's webhooks need (it had stalled them for seconds, S2).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from app.console.work_slots import held_or_refused
from app.services import services
from app.storage import users

MAX_FAILURES = 5
MAX_FAILURES_FROM_ONE_ADDRESS = 30
"""For any names: one client cycling through names had kept the worker's one password check
busy, and every real sign-in was told to wait (review 37 R3)."""
WINDOW_S = users.LOCK_WINDOW_S
log = logging.getLogger("holdwell.console")


_PROXY_SEEN = threading.Event()
"""Set once this worker has warned of a proxy it does not trust (`note_proxy`)."""

_CHECKING = threading.Lock()
"""One password check at a time per worker process: gunicorn's threads share it."""


def one_check_at_a_time(refusal: Callable[[], Exception]) -> AbstractContextManager[None]:
    """Hold this worker's password-check slot, or raise `refusal()` at once if it is taken
    (a wait would hold a thread the webhooks need)."""
    return held_or_refused(_CHECKING, refusal)


def note_proxy(forwarded_for: str | None, address: str) -> None:
    """Warns once per worker when a sign-in came through a proxy the app does not trust
    (an `X-Forwarded-For` with HOLDWELL_TRUSTED_PROXIES at 0): every client behind it then
    counts as the proxy's one address, and 30 failed sign-ins from anyone lock everyone out.
    The README said so, but nothing told an operator it was their case."""
    if forwarded_for is None or services().settings.proxy_count or _PROXY_SEEN.is_set():
        return
    _PROXY_SEEN.set()
    log.warning("sign-ins come through a proxy (X-Forwarded-For from %s) but "
                "HOLDWELL_TRUSTED_PROXIES is 0: every client behind it counts as that one "
                "address, so %d failed sign-ins from anyone lock everyone out for %d minutes; "
                "set HOLDWELL_TRUSTED_PROXIES to the number of proxies in front of the app",
                address, MAX_FAILURES_FROM_ONE_ADDRESS, WINDOW_S // 60)


def address_locked(address: str, now: datetime) -> bool:
    """Whether `address` (an IPv6 address's /64) made MAX_FAILURES_FROM_ONE_ADDRESS failed
    or unfinished sign-ins, for any names, in the last WINDOW_S seconds: asked before the
    password check's slot is taken."""
    return failures_from(address, now) >= MAX_FAILURES_FROM_ONE_ADDRESS


def failures_from(address: str, now: datetime) -> int:
    """Failed or unfinished sign-ins from `address` (its /64), for any names, in the last
    WINDOW_S seconds: the lock's count, and the audit log's (how many it writes one by one)."""
    return users.failures_from(services().store.engine, address, now, WINDOW_S)


def admit(name: str, address: str, now: datetime) -> int | None:
    """The attempt's id when its password may be checked; None when `name` is locked from
    `address` (MAX_FAILURES failures or attempts under way there in the last WINDOW_S s)."""
    engine = services().store.engine
    attempt = users.note_attempt(engine, name, address, now, keep_s=WINDOW_S)
    if users.recent_failures(engine, name, address, now, WINDOW_S) > MAX_FAILURES:
        users.forget_attempt(engine, attempt)  # refused unchecked: the lock does not grow
        return None
    return attempt


def succeeded(attempt: int) -> None:
    """A right password: the attempt is no failure."""
    users.forget_attempt(services().store.engine, attempt)


def locked_now(name: str, address: str, now: datetime) -> bool:
    """After a failure: whether it was the one that locks `name` from `address` for WINDOW_S
    seconds."""
    return users.recent_failures(services().store.engine, name, address, now,
                                 WINDOW_S) == MAX_FAILURES
