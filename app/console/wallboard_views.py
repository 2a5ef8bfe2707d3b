"""The live wallboard: the page renders once, then polls the API for fresh numbers."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template

from app.auth.access import requires
from app.console.blueprint import bp
from app.console.live_state import SERVICE_THRESHOLD_S, live_state
from app.services import Services, services

REFRESH_S = 3
NOSCRIPT_RELOAD_S = 30
"""Without JavaScript the whole page reloads (a <noscript> meta refresh), less often."""


@bp.get("/")
@requires("view")
def wallboard() -> str:
    svc = services()
    refresh_s = current_app.config.get("HOLDWELL_WALLBOARD_REFRESH_S", REFRESH_S)
    state = live_state(svc)
    return render_template("console/wallboard.html", state=state,
                           closed=closed_now(svc, state.as_of),
                           refresh_s=refresh_s, noscript_reload_s=NOSCRIPT_RELOAD_S,
                           service_threshold_s=SERVICE_THRESHOLD_S,
                           at_risk_margin_s=svc.config.callbacks.at_risk_margin_s)


@bp.get("/wallboard/fragment")
@requires("view")
def wallboard_fragment() -> str:
    """The queues part alone, fetched by the page every REFRESH_S seconds."""
    svc = services()
    state = live_state(svc)
    return render_template("console/_queues.html", state=state,
                           closed=closed_now(svc, state.as_of))


def closed_now(svc: Services, now: datetime) -> dict[str, datetime | None]:
    """The configured queues closed at `now` by their opening hours, each with its next
    opening (None: none ahead). A closed queue's card had read as an idle open one: nobody
    waiting, nothing to say that no call could join it until the morning."""
    closed: dict[str, datetime | None] = {}
    for name, queue in svc.config.queues.items():
        if queue.hours is not None and not (hours := queue.hours.opening_hours()).is_open(now):
            closed[name] = hours.next_opening(now)
    return closed
