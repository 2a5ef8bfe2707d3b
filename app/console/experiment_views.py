"""A/B splits: start or stop one on a queue, see each arm's counts and the verdict."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response

from app.api.models import MAX_WEIGHT, ExperimentStart
from app.api.registry import field_errors
from app.auth.access import current_user, requires
from app.console import config_changes, experiments, policy_form
from app.console.blueprint import bp
from app.console.form_words import WHOLE_CONFIG
from app.console.policy_views import flash_warnings
from app.services import services
from hold_policies.config import POLICY_NAMES, UNHEARD_ARM, QueueConfig


@bp.get("/experiments")
@requires("view")
def experiments_page() -> str:
    return _page()


def _page(typed: dict | None = None) -> str:
    """The page; `typed`: a refused start's queue, weights and note, shown back in its form
    (a redirect lost them, so the operator typed every weight again). Each running split is
    said with its arms and shares: an analyst, who has no weight boxes, saw only "running"
    and the arms that had finished calls, and an operator only the raw weights."""
    svc = services()
    active = config_changes.active_number(svc)  # read first: a change after it is a conflict
    queues = config_changes.active_config(svc).queues
    states = [experiments.experiment_state(svc, queue) for queue in queues]
    choices = {name: experiments.arm_choices(queue) for name, queue in queues.items()}
    running = {s.queue: experiments.describe_arms(s.arms) for s in states if s.arms}
    return render_template("console/experiments.html", states=states, choices=choices,
                           active=active, refused=typed, running=running)


@bp.post("/experiments/<queue>")
@requires("operate")
def change_experiment(queue: str) -> Response | tuple[str, int]:
    svc = services()
    if request.form.get("action") == "stop":
        return stop_experiment(queue)
    config = config_changes.active_config(svc).queues.get(queue)
    names = experiments.arm_choices(config) if config else POLICY_NAMES
    arms = {name: request.form.get(f"weight_{name}", "") for name in names}
    try:
        start = ExperimentStart.model_validate(
            {"arms": {k: v for k, v in arms.items() if not left_out(v)},
             "note": request.form.get("note", "")})
        saved = experiments.set_arms(svc, queue, start.arms, actor=current_user().name,
                                     note=start.note,
                                     base_version=request.form.get("active", type=int))
    except config_changes.VersionConflict as conflict:
        flash(f"Not changed: the queue {queue} changed since you looked (version "
              f"{conflict.active.number} by {conflict.active.author}); here is what runs now, "
              "set the split again.", "error")
        return redirect(url_for("console.experiments_page"), 303)
    except ValidationError as error:
        marked = weight_problems(error, arms)  # said in the queue's card, at its form (X2)
        return _page({"queue": queue, "arms": arms, "errors": marked,
                      "message": f"Not {'changed' if config and config.experiment else 'started'}"
                                 f" on {queue}: " + "; ".join(marked.values()) + ".",
                      "note": policy_form.posted_note(request.form)}), 422
    arms = experiments.describe_arms(start.arms)
    flash(_changed_words(queue, arms, config) if saved.changed else
          f"No change: the split on {queue} already runs {arms}; no version was added.", "ok")
    flash_warnings(saved)  # a music_ads arm without hold_music.wav had started in silence
    return redirect(url_for("console.experiments_page"), 303)


def _changed_words(queue: str, arms: str, before: QueueConfig | None) -> str:
    """A split started, or one running changed: new weights start its counts again (its
    results are counted from its first version with these arms and weights), which the
    flash had not said, calling the change "started"."""
    if before is None or before.experiment is None:
        return f"A/B split on {queue} started: {arms}."
    return (f"A/B split on {queue} changed: {arms} (was "
            f"{experiments.describe_arms(before.experiment.arms)}); its counts start again "
            "from this version, and the calls before it are in the report.")


WEIGHTS = ("weights are relative (1 and 3 give 25% and 75%), each above 0 and at most "
           f"{MAX_WEIGHT:g}")


def weight_problems(error: ValidationError, typed: dict[str, str]) -> dict[str, str]:
    """The refusal in the form's words, by the arm whose box it marks ("" for the split as a
    whole): pydantic's ("Dictionary should have at least 2 items after validation") had
    stood in a banner, and no box was marked."""
    marked: dict[str, str] = {}
    said: set[str] = set()
    for item in error.errors():  # an arm too small to be heard, named by the config's check
        if item["type"] == UNHEARD_ARM and (arm := item["ctx"]["arm"]) in typed:
            marked[arm] = f"{arm} weight {typed[arm][:20]!r}: {item['msg']}"
            said.add(".".join(str(part) for part in item["loc"]))
    for name, problem in field_errors(error).items():
        arm = name.removeprefix("arms.")
        if name in said:
            continue
        if name.startswith("arms.") and arm in typed:
            marked[arm] = f"{arm} weight {typed[arm][:20]!r}: {WEIGHTS}"
        elif name == "arms":
            given = sum(not left_out(value) for value in typed.values())
            marked[""] = (f"give at least two arms a weight above 0 (you gave {given}); "
                          f"{WEIGHTS}")
        else:  # a rule across the whole config names its own keys
            marked[name] = problem if name == WHOLE_CONFIG else f"{name}: {problem}"
    return marked


def stop_experiment(queue: str) -> Response:
    """Stop the split the confirmation page showed: refused, back on that page with what
    runs now, when the queue changed since (another split started, a stop already made)."""
    note = policy_form.posted_note(request.form).replace("\x00", "")
    try:
        saved = experiments.set_arms(services(), queue, None, actor=current_user().name,
                                     note=note, base_version=request.form.get("active", type=int))
    except config_changes.VersionConflict as conflict:
        flash(f"Not stopped: the split on {queue} changed since you looked (version "
              f"{conflict.active.number} by {conflict.active.author}); here is what runs now.",
              "error")
        return redirect(url_for("console.confirm_stop", queue=queue), 303)
    flash(f"The split on {queue} is stopped; every caller hears the queue's policy."
          if saved.changed else f"No change: no split was running on {queue}; no version "
          "was added.", "ok")
    flash_warnings(saved)
    return redirect(url_for("console.experiments_page"), 303)


def left_out(weight: str) -> bool:
    """An empty weight or any spelling of zero ("0.0", "0e0", which the number box allows)
    leaves the arm out; other text stays, for the model to name as not a number."""
    try:
        return not weight.strip() or float(weight) == 0
    except ValueError:
        return False
