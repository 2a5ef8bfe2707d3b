"""Each queue's policy, knobs and prompts as a form; saving makes a new config version."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from app.api.models import QueuePolicy, RollbackRequest, VersionsQuery
from app.auth.access import current_user, requires
from app.console import config_changes, policy_conflict, policy_form
from app.console.blueprint import bp
from app.console.experiments import describe_variant
from app.console.form_words import WHOLE_CONFIG
from app.console.query_args import whole_number
from app.console.split_treatments import describe_arms
from app.console.toml_writer import dumps
from app.services import services
from app.storage import config_versions
from hold_policies.config import QueueConfig, written


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


def _page(queue: str, settings, errors: dict, note: str, posted=None,  # noqa: ANN001
          conflict=None, base_version: int | None = None) -> str:  # noqa: ANN001
    """The form; `base_version` (default: the active one) goes back with the next save.
    A running split is said above it, with its arms: callers hear those, and the `policy`
    chosen here only as one of them (or not at all), which an operator learnt only from the
    warning after saving."""
    form = policy_form.describe(settings)
    names = [f.name for fields in form.values() for f in fields]  # as the page shows them
    variants = {name: describe_variant(v) for name, v in sorted(settings.variants.items())}
    problems = len(errors)  # a problem across keys is one, however many boxes it marks
    errors = {**policy_form.on_named_keys(errors, set(names), queue), **errors}
    return render_template("console/policy.html", queue=queue, form=form, errors=errors,
                           problems=problems, elsewhere=edited_elsewhere(queue, settings),
                           note=note, posted=posted, form_names=names, variants=variants,
                           base_version=base_version or config_changes.active_number(services()),
                           conflict=conflict, whole_config=WHOLE_CONFIG,
                           split=describe_arms(settings.experiment.arms)
                           if settings.experiment else "")


def edited_elsewhere(queue: str, settings: QueueConfig) -> str:
    """The queue's tables this form leaves out, as TOML: an operator had seen no sign of
    opening hours, overflow or variants here, nor where they are changed (U9)."""
    body = written(settings)
    return dumps({"queues": {queue: {key: body[key] for key in policy_conflict.ELSEWHERE
                                   if key in body}}}) \
        if any(key in body for key in policy_conflict.ELSEWHERE) else ""


def _base_version() -> int | None:
    """The version the form was opened at (a hidden field); absent or bad: no check."""
    return request.form.get("base_version", type=int)


def _conflict_page(queue: str, conflict: config_changes.VersionConflict,
                   note: str) -> tuple[str, int]:
    """The form again, 409: the editor's changes kept, the other person's shown."""
    svc = services()
    active = _queue(queue)
    base = policy_conflict.base_settings(svc, queue, _base_version())
    kept, changed = policy_conflict.merge(request.form, policy_conflict.form_values(base),
                                          policy_conflict.form_values(active))
    return _page(queue, active, {}, note, kept, conflict={
        "number": conflict.active.number, "author": conflict.active.author,
        "changed": changed, "elsewhere": policy_conflict.changed_elsewhere(base, active)},
        base_version=conflict.active.number), 409


@bp.get("/policies/<queue>")
@requires("view")
def policy(queue: str) -> str:
    return _page(queue, _queue(queue), {}, "")


@bp.post("/policies/<queue>")
@requires("operate")
def save_policy(queue: str) -> Response | tuple[str, int]:
    current = _queue(queue)
    note = policy_form.posted_note(request.form)
    try:
        change = QueuePolicy(settings=policy_form.parse(request.form, current), note=note)
        saved = config_changes.save_queue(services(), queue,
                                          config_changes.replace_with(change.settings),
                                          actor=current_user().name, note=change.note,
                                          base_version=_base_version(),
                                          own_repeat_unchanged=True)
    except config_changes.VersionConflict as conflict:
        return _conflict_page(queue, conflict, note)
    except ValidationError as error:
        # The form shows what was posted, each error next to its field (or above the form).
        return _page(queue, current, _problems(queue, current, error), note, request.form,
                     base_version=_base_version()), 422
    if not saved.changed:
        flash(f"No change: {queue} already runs these settings (version "
              f"{saved.version.number}); no version was added.", "ok")
    else:
        flash(f"Saved as config version {saved.version.number}; every worker runs it within "
              "5 s.", "ok")
    flash_warnings(saved)
    return redirect(url_for("console.policy", queue=queue), 303)


def _problems(queue: str, current: QueueConfig, refused: ValidationError) -> dict[str, str]:
    """Every problem of the save, as `config check` would name them in the config it makes
    (config_changes.problems_with), and the note's own. The save stops at its first stage
    that fails, and pydantic checks across keys only when every key of a table is valid, so
    an operator had mended one box to be told of a clash the form had held all along
    (browser walk-through U6); checked again with the refused boxes left out, the rules
    reading them had judged their old values or defaults, and named problems the form did
    not have ("no day has opening hours" beside a refused monday). Nothing is stored here."""
    found = policy_form.errors_of(refused)
    try:
        table = policy_form.overlaid(request.form, current)
    except ValidationError:  # a name that runs through a value: the form's own problem
        return found
    every = config_changes.problems_with(config_changes.active_config(services()), queue,
                                         table)
    if every is None:  # refused for no setting (the note), or as the checks do not see it
        return found
    return {**policy_form.errors_of(every, queue),
            **{key: message for key, message in found.items()
               if key in policy_form.NOT_SETTINGS}}


def flash_warnings(saved: config_changes.Saved) -> None:
    """What the settings saved leave doing nothing, under the save's own message."""
    for warning in saved.warnings:
        flash(f"Warning: {warning}.", "warning")  # saved all the same: not a refusal's red


@bp.get("/versions")
@requires("view")
def versions() -> str:
    svc = services()
    before = whole_number("before")
    listing, running = config_changes.versions_with_running(svc, _older_than(before))
    number = whole_number("show") or listing.active
    shown = config_changes.detail(svc, number) if number else None
    return render_template("console/versions.html", listing=listing, running=running,
                           shown=shown, before=before,
                           built_in=bool(number) and config_changes.is_built_in_defaults(
                               svc, number))


def _older_than(before: int | None) -> int | None:
    """`?before=` checked as the API checks it (VersionsQuery: a 422 naming `before` past a
    version number's bound; a number past the database's integers had been a 500, console
    audit 34, D9). None, zero or less: the newest page, as a page link left empty means."""
    return VersionsQuery(before=before).before if before and before > 0 else None


def _moved_on() -> int | None:
    """The active version, when it is not the one the confirmation page compared against."""
    reviewed = request.form.get("active", type=int)
    now = config_changes.active_number(services())
    return now if reviewed is not None and reviewed != now else None


def _not_rolled_back(moved: int | None) -> Response:
    flash(f"Not rolled back: version {moved} became active since you looked; here is what "
          "the roll-back would change now.", "error")
    return redirect(url_for("console.confirm_rollback",
                            number=request.form.get("version", type=int) or 1), 303)


@bp.post("/versions/rollback")
@requires("operate")
def rollback() -> Response:
    if (moved := _moved_on()) is not None:
        return _not_rolled_back(moved)
    try:
        asked = RollbackRequest(version=request.form.get("version", "").strip(),
                                note=policy_form.posted_note(request.form))
        saved = config_changes.rollback(services(), asked.version, actor=current_user().name,
                                        note=asked.note,
                                        reviewed=request.form.get("active", type=int))
    except (config_versions.ActiveMoved, config_changes.BaseVersionUnknown):  # a save landed
        # between the look and the store (or the form named a version never stored)
        return _not_rolled_back(config_changes.active_number(services()))
    except ValidationError as error:
        flash("; ".join(f"{k}: {v}" for k, v in policy_form.errors_of(error).items()), "error")
        return redirect(url_for("console.versions"), 303)
    except config_changes.UnknownVersion as error:
        flash(f"version: {error}", "error")
        return redirect(url_for("console.versions"), 303)
    flash(f"Version {asked.version} is active again, as version {saved.version.number}."
          if saved.changed else f"No change: version {saved.version.number} (active) already "
          f"runs version {asked.version}'s settings; no version was added.", "ok")
    flash_warnings(saved)
    return redirect(url_for("console.versions"), 303)
