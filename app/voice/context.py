"""Which queue and policy a webhook serves: resolved once, the same way for every route."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import request

from app.services import services
from app.voice.forms import RouteParams
from hold_policies.base import HoldPolicy


@dataclass(frozen=True)
class Route:
    """The request's own URL parameters, resolved against the config in memory: a queue that is
    configured (unknown names fall back to the default queue) and one of its policies (the
    arm's variant of it, when the arm names one)."""

    params: RouteParams
    policy: HoldPolicy

    @property
    def queue(self) -> str:
        return self.params.queue or ""


JOINING = frozenset({"voice.incoming", "voice.agent"})
"""Routes that put someone into a queue (a new caller, an agent taking calls): a queue since
removed from the config takes nobody new, while the callers already in it are served there.
Not /voice/language: a key pressed in a menu is read in the menu heard, its queue's (removed
while they listened, its options still run), and its answer sends them to /voice/incoming."""


def this_route() -> Route:
    """Never touches the database, so fallbacks may use it too."""
    svc = services()
    asked = RouteParams.from_request()
    queue = svc.queue_name(asked.queue, joining=request.endpoint in JOINING)
    policy = svc.policy(queue, asked.policy, asked.arm)  # an arm may be a variant
    return Route(replace(asked, queue=queue, policy=policy.name), policy)
