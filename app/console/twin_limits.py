"""Bounds on the Twin's heavy work, which runs in a web request thread beside Twilio's webhooks.

Two bounds. A deadline (`HOLDWELL_TWIN_LIMIT_S`, read into Settings, default 20 s) stops a fit
or a what-if that runs too long, with a 409 asking for less. And `one_at_a_time` lets each
worker process run one heavy computation (a fit not in the cache, a what-if) at a time: a
second one is refused at once with a 429, so the worker's other threads stay free to answer
webhooks (Twilio gives up on one after 15 s) instead of queueing behind analysts.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import current_app

from app.console.work_slots import held_or_refused

if TYPE_CHECKING:
    from app.services import Services

BUSY_STATUS = 429
_HEAVY = threading.RLock()
"""Per process, not per app: gunicorn's threads share it. Re-entrant, so a what-if may fit."""
_HOLDERS: list[Deadline] = []
"""The deadlines of the work holding `_HEAVY`, outermost first: a refusal says when that work
ends at the latest."""


class TwinProblem(Exception):
    """The twin cannot answer this: a message for the analyst, an HTTP status, maybe a field."""

    def __init__(self, message: str, status: int = 409, field: str | None = None,
                 retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.field = message, status, field
        self.retry_after_s = retry_after_s  # sent as Retry-After: when asking again may work

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after_s is None else {"Retry-After": str(self.retry_after_s)}


class Deadline:
    """A progress callback that stops the work once the request has run too long."""

    def __init__(self, limit_s: float, advice: str) -> None:
        self.limit_s, self.advice, self.began = limit_s, advice, time.monotonic()

    def __call__(self, *_: object) -> None:
        if self.remaining_s() <= 0:
            raise self.stopped()

    def remaining_s(self) -> float:
        return self.limit_s - (time.monotonic() - self.began)

    def stopped(self) -> TwinProblem:
        return TwinProblem(f"stopped after {self.limit_s:g} s, the console's limit: "
                           f"{self.advice}")


def limit_s(svc: Services) -> float:
    """The deadline: HOLDWELL_TWIN_LIMIT_S from the environment (validated in Settings); a
    test may still set it in app.config, which wins."""
    return float(current_app.config.get("HOLDWELL_TWIN_LIMIT_S", svc.settings.twin_limit_s))


@contextmanager
def one_at_a_time(deadline: Deadline) -> Iterator[None]:
    """Hold this process's heavy-work slot for work that stops by `deadline`, or refuse at
    once (429) if another request has it, asking to come back when that work has stopped at
    the latest (it had said a minute, however soon the work would end)."""
    with held_or_refused(_HEAVY, _busy):
        _HOLDERS.append(deadline)
        try:
            yield
        finally:
            _HOLDERS.pop()


def busy_for_s() -> int:
    """Whole seconds until the work holding the slot stops at the latest (at least 1)."""
    try:
        holder = _HOLDERS[0]
    except IndexError:  # released meanwhile: asking again works now
        return 1
    return max(math.ceil(holder.remaining_s()), 1)


def _busy() -> TwinProblem:
    wait_s = busy_for_s()
    return TwinProblem(
        "the twin is busy with another request on this server (it runs one fit or what-if "
        f"at a time, so calls keep being answered): try again in {wait_s} "
        f"second{'s' if wait_s != 1 else ''}", BUSY_STATUS, retry_after_s=wait_s)
