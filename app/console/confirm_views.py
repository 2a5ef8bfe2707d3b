"""Confirmation pages for changes that act on every caller at once (a roll-back, stopping a
split): a GET page shows what will change and asks for a note, and only its POST acts, so
the step works without JavaScript and nobody changes the running config with one click."""

from __future__ import annotations

from flask import render_template
from werkzeug.exceptions import NotFound

from app.auth.access import requires
from app.console import config_changes
from app.console.blueprint import bp
from app.console.experiments import describe_arms
from app.services import services


@bp.get("/versions/<int:number>/rollback")
@requires("operate")
def confirm_rollback(number: int) -> str:
    """What rolling back to `number` changes, against the active version."""
    preview = config_changes.rollback_preview(services(), number)
    return render_template("console/confirm_rollback.html", preview=preview)


@bp.get("/experiments/<queue>/stop")
@requires("operate")
def confirm_stop(queue: str) -> str:
    """The split that would stop, and the note that goes with the version it makes."""
    active, running = config_changes.active_with_number(services())
    config = running.queues.get(queue)
    if config is None:
        raise NotFound(f"no queue named {queue!r}")
    arms = describe_arms(config.experiment.arms) if config.experiment else ""
    return render_template("console/confirm_stop.html", queue=queue, arms=arms,
                           policy=config.policy, active=active)
