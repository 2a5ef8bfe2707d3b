"""The live wallboard: the page renders once, then polls the API for fresh numbers."""

from __future__ import annotations

from flask import render_template

from app.auth.access import requires
from app.console.blueprint import bp
from app.console.live_state import live_state
from app.services import services

REFRESH_S = 3


@bp.get("/")
@requires("view")
def wallboard() -> str:
    return render_template("console/wallboard.html", state=live_state(services()),
                           refresh_s=REFRESH_S)


@bp.get("/wallboard/fragment")
@requires("view")
def wallboard_fragment() -> str:
    """The queues part alone, fetched by the page every REFRESH_S seconds."""
    return render_template("console/_queues.html", state=live_state(services()))
