"""Reading Twilio's webhook parameters: a malformed request is a 400, never a guess."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from flask import abort, request
from werkzeug.datastructures import MultiDict

from app.storage.rows import CallRow


def required(form: MultiDict, name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        abort(400, description=f"missing Twilio parameter {name}")
    return value


LARGEST = {"QueueTime": 7 * 86400.0, "QueuePosition": 1_000_000.0,
           "CurrentQueueSize": 1_000_000.0}
"""Beyond these no real queue goes: a week in line, a million callers."""


def number(form: MultiDict, name: str, default: float | None = None) -> float | None:
    """A numeric parameter; absent gives `default`, garbage gives 400."""
    raw = form.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        abort(400, description=f"Twilio parameter {name} is not a number: {raw!r}")
    if not math.isfinite(value) or value < 0 or value > LARGEST.get(name, math.inf):
        abort(400, description=f"Twilio parameter {name} is out of range: {raw!r} "
                               f"(0 to {LARGEST.get(name, math.inf):g})")
    return value


@dataclass(frozen=True)
class RouteParams:
    """queue / policy / arm carried in our own URLs, so a route knows them even with no database.

    `episode` is the caller's time in line: 0 at first, 1 once put back after a Twilio error
    (their QueueTime restarts then, but their wait still counts from the first entry).
    """

    queue: str | None
    policy: str | None
    arm: str
    episode: int = 0

    @classmethod
    def from_request(cls) -> RouteParams:
        args = request.args
        episode = 1 if args.get("episode", "0") not in ("", "0") else 0
        return cls(args.get("queue") or None, args.get("policy") or None, args.get("arm", ""),
                   episode)

    def query(self, **extra: str) -> str:
        """Alphabetically sorted query string: Twilio may reorder params, and signatures care."""
        pairs = {"queue": self.queue or "", "policy": self.policy or "", "arm": self.arm,
                 "episode": str(self.episode) if self.episode else "", **extra}
        return urlencode(sorted((k, v) for k, v in pairs.items() if v))


@dataclass(frozen=True)
class WaitForm:
    """The waitUrl request: who is waiting, where, and for how long."""

    call_id: str
    position: int
    queue_time_s: float  # from Twilio, or from the call log when a request lacks QueueTime
    queue_size: int
    queue_time_given: bool = True
    position_given: bool = True

    @classmethod
    def parse(cls, form: MultiDict) -> WaitForm:
        position = number(form, "QueuePosition")
        queue_time = number(form, "QueueTime")
        return cls(
            call_id=required(form, "CallSid"),
            position=max(int(position or 1), 1),
            queue_time_s=queue_time or 0.0,
            queue_size=int(number(form, "CurrentQueueSize", position) or 1),
            queue_time_given=queue_time is not None,
            position_given=position is not None,
        )

    def with_logged_place(self, call: CallRow, now: datetime) -> WaitForm:
        """Gather actions come without QueuePosition and QueueTime (Twilio documents only
        Digits and the call's parameters there): the log says where the caller was at their
        last poll and how long they have waited, so a promise is never made as if first."""
        place = self
        if not self.queue_time_given and call.entered_at is not None:
            place = replace(place, queue_time_s=max((now - call.entered_at).total_seconds(), 0.0))
        if not self.position_given and call.last_position:
            place = replace(place, position=call.last_position,
                            queue_size=max(place.queue_size, call.last_position))
        return place
