"""Bounds on the Twin's heavy work, which runs in a web request thread beside Twilio's webhooks.

Two bounds. A deadline (`HOLDWELL_TWIN_LIMIT_S`, read into Settings, default 20 s) stops a fit
or a what-if that runs too long, with a 409 asking for less. And `one_at_a_time` lets each
worker process run one heavy computation (a fit not in the cache, a what-if) at a time: a
second one is refused at once with a 429, so the worker's other threads stay free to answer
webhooks (Twilio gives up on one after 15 s) instead of queueing behind analysts.
"""

from __future__ import annotations

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
BUSY_RETRY_S = 60
"""What a busy twin's 429 says to wait (Retry-After): a fit or what-if takes up to a minute."""
_HEAVY = threading.RLock()
"""Per process, not per app: gunicorn's threads share it. Re-entrant, so a what-if may fit."""


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
def one_at_a_time() -> Iterator[None]:
    """Hold this process's heavy-work slot, or refuse at once (429) if another request has it."""
    with held_or_refused(_HEAVY, lambda: TwinProblem(
            "the twin is busy with another request on this server (it runs one fit or "
            "what-if at a time, so calls keep being answered): try again in a minute",
            BUSY_STATUS, retry_after_s=BUSY_RETRY_S)):
        yield
