"""Each queue's policy, knobs and prompts as a form; saving makes a new config version."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from app.api.models import PolicyChange, RollbackRequest
from app.auth.access import current_user, requires
from app.console import config_changes, policy_form
from app.console.blueprint import bp
from app.console.experiments import describe_variant
from app.services import services


@bp.get("/policies")
@requires("view")
def policies() -> str:
    config = config_changes.active_config(services())
    return render_template("console/policies.html", queues=config.queues)


def _queue(name: str):  # noqa: ANN202 - QueueConfig
    queue = config_changes.active_config(services()).queues.get(name)
    if queue is None:
        raise NotFound(f"no queue named {name!r}")
    return queue


def _page(queue: str, settings, errors: dict, note: str, posted=None) -> str:  # noqa: ANN001
    form = policy_form.describe(settings)
    names = {f.name for fields in form.values() for f in fields}
    variants = {name: describe_variant(v) for name, v in sorted(settings.variants.items())}
    return render_template("console/policy.html", queue=queue, form=form, errors=errors,
                           note=note, posted=posted, form_names=names, variants=variants)


@bp.get("/policies/<queue>")
@requires("view")
def policy(queue: str) -> str:
    return _page(queue, _queue(queue), {}, "")


@bp.post("/policies/<queue>")
@requires("operate")
def save_policy(queue: str) -> Response | tuple[str, int]:
    current = _queue(queue)
    note = request.form.get("note", "").strip()[:500]
    try:
        change = PolicyChange(settings=policy_form.parse(request.form, current), note=note)
        version = config_changes.save_queue(services(), queue, change.settings,
                                            actor=current_user().name, note=change.note)
    except ValidationError as error:
        # The form shows what was posted, each error next to its field (or above the form).
        return _page(queue, current, policy_form.errors_of(error), note, request.form), 422
    flash(f"Saved as config version {version.number}; every worker runs it within 5 s.", "ok")
    return redirect(url_for("console.policy", queue=queue), 303)


@bp.get("/versions")
@requires("view")
def versions() -> str:
    svc = services()
    listing = config_changes.versions(svc)
    number = request.args.get("show", type=int) or listing.active
    shown = config_changes.detail(svc, number) if number else None
    return render_template("console/versions.html", listing=listing, shown=shown)


@bp.post("/versions/rollback")
@requires("operate")
def rollback() -> Response:
    try:
        asked = RollbackRequest(version=request.form.get("version", type=int) or 0,
                                note=request.form.get("note", "").strip()[:500])
        version = config_changes.rollback(services(), asked.version, actor=current_user().name,
                                          note=asked.note)
    except ValidationError as error:
        flash("; ".join(f"{k}: {v}" for k, v in policy_form.errors_of(error).items()), "error")
        return redirect(url_for("console.versions"), 303)
    except config_changes.UnknownVersion as error:
        flash(f"version: {error}", "error")
        return redirect(url_for("console.versions"), 303)
    flash(f"Version {asked.version} is active again, as version {version.number}.", "ok")
    return redirect(url_for("console.versions"), 303)
