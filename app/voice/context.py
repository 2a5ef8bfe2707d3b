"""Which queue and policy a webhook serves: resolved once, the same way for every route."""

from __future__ import annotations

from dataclasses import dataclass, replace

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


def this_route() -> Route:
    """Never touches the database, so fallbacks may use it too."""
    svc = services()
    asked = RouteParams.from_request()
    queue = svc.queue_name(asked.queue)
    policy = svc.policy(queue, asked.policy, asked.arm)  # an arm may be a variant
    return Route(replace(asked, queue=queue, policy=policy.name), policy)
