"""/api/v1/: JSON for scripts, bearer tokens (or the console's session plus its CSRF header).

Each view calls the same function as its console page; errors are JSON that name the field.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, jsonify, request
from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from app.api import models, twin_models
from app.api.params import PERIOD_QUERY, period
from app.api.queue_fields import as_sent
from app.api.registry import MAX_BODY_BYTES, TOO_LARGE, endpoint, field_errors, kept_headers
from app.auth import access, csrf
from app.console import config_changes, experiments, lists, partial_settings
from app.console.live_state import live_state
from app.console.twin_limits import TwinProblem
from app.request_body import read_as_client_fault
from app.services import services
from app.storage import audit, callback_admin, config_versions

bp = Blueprint("api", __name__, url_prefix="/api/v1")
@bp.before_request
def who_is_asking() -> None:
    request.max_content_length = MAX_BODY_BYTES  # before anything reads the body
    if (request.content_length or 0) > MAX_BODY_BYTES:
        abort(413, description=TOO_LARGE)
    g.user = access.load_user(allow_bearer=True)
    if request.method in csrf.UNSAFE and g.get("auth_method") == "session":
        csrf.protect()  # a browser's cookie could be ridden by another site; a token cannot
    if request.method in csrf.UNSAFE and (asked := next(
            (name for name in PRECONDITIONS if name in request.headers), None)):
        abort(400, description=f"{asked} is not read by this API, so it would protect nothing: "
              "send base_version (in the body; ?base_version= on DELETE), the version GET "
              "answers; a change made since is then refused with 409")


PRECONDITIONS = ("If-Match", "If-Unmodified-Since", "If-None-Match")
"""HTTP's conditional headers. A write carrying a stale one had been applied (200): the
client believed itself protected. The API's own guard is base_version (API audit 33, D4)."""


@bp.errorhandler(HTTPException)
def problem(error: HTTPException) -> tuple[Response, int]:
    """The error as JSON, keeping its own headers (a 405's Allow) but not its HTML type."""
    response = jsonify(models.Problem(error=error.description or error.name).model_dump())
    response.headers.extend(kept_headers(error))
    if error.code == 401:  # RFC 6750: a token sent that works no more is invalid_token
        response.headers["WWW-Authenticate"] = 'Bearer realm="holdwell"' + (
            ', error="invalid_token"' if g.get("auth_method") == "token" else "")
    return response, error.code or 500


@bp.errorhandler(ValidationError)
def invalid(error: ValidationError) -> tuple[Response, int]:
    fields = {**as_sent(field_errors(error), request.endpoint,
                        (request.view_args or {}).get("queue")), **settings_problems()}
    summary = "; ".join(f"{key}: {message}" for key, message in fields.items())
    return jsonify(models.Problem(error=f"invalid input: {summary}", fields=fields)
                   .model_dump()), 422


SETTINGS_SAVES = ("api.put_policy", "api.patch_policy")


def settings_problems() -> dict[str, str]:
    """For a refused PUT or PATCH of a queue's settings: every problem of the config it would
    make, by the request's fields (config_changes.problems_with, as `config check` names
    them). The save stops at its first stage that fails, and pydantic checks a table across
    its keys only once every key in it is valid: a clash the settings held all along (a
    voice that cannot speak the language) had been told only after a bad number beside it
    was mended. A rule that reads a refused key is not told: it would judge a value nobody
    sent. Other endpoints, and a body with no settings object to read: nothing more."""
    queue = (request.view_args or {}).get("queue")
    body = request.get_json(silent=True) if request.endpoint in SETTINGS_SAVES else None
    sent = body.get("settings") if isinstance(body, dict) and queue else None
    if not isinstance(sent, dict):
        return {}
    try:
        config = config_changes.active_config(services())
    except config_changes.StoredVersionInvalid:  # the save says so itself
        return {}
    if queue not in config.queues:
        return {}
    table = partial_settings.laid_over(config.queues[queue], sent) \
        if request.endpoint == "api.patch_policy" else sent
    every = config_changes.problems_with(config, queue, table)
    return as_sent(field_errors(every), request.endpoint, queue) if every else {}


@bp.errorhandler(LookupError)
def unknown(error: LookupError) -> tuple[Response, int]:
    return jsonify(models.Problem(error=str(error.args[0])).model_dump()), 404


@bp.errorhandler(config_changes.StoredVersionInvalid)
def stored_version_invalid(error: config_changes.StoredVersionInvalid) -> tuple[Response, int]:
    return jsonify(models.Problem(error=str(error)).model_dump()), 409


@bp.errorhandler(config_changes.VersionConflict)
def version_conflict(error: config_changes.VersionConflict) -> tuple[Response, int]:
    """Like a failed If-Match: read the queue again (GET gives the new base_version)."""
    return jsonify(models.Problem(error=f"{error}; GET it again, reapply your change and "
                                  f"{request.method} with the new base_version").model_dump()
                   ), 409


@bp.errorhandler(config_changes.BaseVersionUnknown)
def base_version_unknown(error: config_changes.BaseVersionUnknown) -> tuple[Response, int]:
    """A base_version never stored is the client's mistake, not a change made meanwhile."""
    return jsonify(models.Problem(error=f"invalid input: base_version: {error}",
                                  fields={"base_version": str(error)}).model_dump()), 422


@bp.errorhandler(config_versions.ActiveMoved)
def active_moved(error: config_versions.ActiveMoved) -> tuple[Response, int]:
    """A roll-back decided on a version no longer active: it would undo the newer one."""
    return jsonify(models.Problem(error=f"not rolled back: {error}; GET /config/versions "
                                  "again, and send its active as base_version").model_dump()
                   ), 409


@bp.errorhandler(config_versions.SavesCollided)
def saves_collided(error: config_versions.SavesCollided) -> tuple[Response, int, dict]:
    """Other saves kept landing first: nothing stored, and the same request may be sent
    again as it is (it had been a 500 to eight operators saving at once)."""
    return jsonify(models.Problem(error=str(error)).model_dump()), 503, {"Retry-After": "1"}


@bp.errorhandler(partial_settings.MissingFields)
def left_out(error: partial_settings.MissingFields) -> tuple[Response, int]:
    """A PUT missing fields would reset them to defaults: name each, and the ways out."""
    fields = {f"settings.{name}": "left out: send it as GET returns it (a PUT replaces the "
              "whole queue)" for name in error.names}
    return jsonify(models.Problem(
        error=f"invalid input: {error}; a PUT replaces the whole queue, so send every field "
        "as GET returns it, PATCH only the fields to change, or set replace_whole_queue to "
        "reset the rest to defaults", fields=fields).model_dump()), 422


@bp.errorhandler(TwinProblem)
def twin_cannot(error: TwinProblem) -> tuple[Response, int, dict[str, str]]:
    fields = {error.field: error.message} if error.field else {}
    return (jsonify(models.Problem(error=error.message, fields=fields).model_dump()),
            error.status, error.headers())


@bp.errorhandler(callback_admin.CancelError)
def cannot_cancel(error: callback_admin.CancelError) -> tuple[Response, int]:
    return jsonify(models.Problem(error=str(error)).model_dump()), error.status


def actor() -> str:
    return access.current_user().name


@endpoint(bp, "/queues", "GET", permission="view", response=models.QueuesResponse,
          summary="Live state of every queue: who waits, promises, today's numbers")
def queues() -> models.QueuesResponse:
    return live_state(services())


@endpoint(bp, "/unserved", "GET", permission="view", response=models.UnservedResponse,
          query=PERIOD_QUERY,
          summary="Unserved callers of a period: abandoned, callback failed, error, overflow")
def unserved() -> models.UnservedResponse:
    start, end = period()
    return lists.unserved_response(services(), start, end, mask=not access.allowed("see_numbers"))


@endpoint(bp, "/unserved.csv", "GET", permission="view", response=None, query=PERIOD_QUERY,
          media_type="text/csv", summary="The same list as CSV",
          headers={lists.TRUNCATED_HEADER: lists.TRUNCATED_MEANS})
def unserved_csv() -> Response:
    start, end = period()
    rows = lists.unserved_response(services(), start, end,
                                   mask=not access.allowed("see_numbers"))
    return lists.unserved_csv(rows)


@endpoint(bp, "/callbacks", "GET", permission="view", response=models.CallbacksResponse,
          summary="Callbacks not yet kept (and those resolved in the last day), with attempts")
def callbacks() -> models.CallbacksResponse:
    return lists.callbacks_response(services(), mask=not access.allowed("see_numbers"))


@endpoint(bp, "/callbacks/<call_id>/cancel", "POST", permission="operate",
          body=models.CancelRequest, response=models.Done,
          summary="Cancel a pending callback, with a reason (audited)")
def cancel_callback(call_id: str, payload: models.CancelRequest) -> models.Done:
    svc = services()
    callback_admin.cancel(svc.store.engine, call_id, reason=payload.reason, actor=actor(),
                          now=svc.clock.now())
    return models.Done(message=f"callback {call_id} cancelled")


@endpoint(bp, "/policies/<queue>", "GET", permission="view", response=models.QueuePolicy,
          summary="A queue's policy, knobs and prompts, as in [queues.NAME]")
def get_policy(queue: str) -> models.QueuePolicy:
    number, config = config_changes.active_with_number(services())
    if queue not in config.queues:
        raise NotFound(f"no queue named {queue!r}")
    return models.QueuePolicy(settings=config.queues[queue], note="", base_version=number)


@endpoint(bp, "/policies/<queue>", "PUT", permission="operate",
          saves_config=True, body=models.PolicyChange,
          response=models.SavedVersion,
          summary="Replace a queue's settings with the whole queue sent (as GET returns it; "
          "422 names each field left out, unless replace_whole_queue); base_version "
          "required, 409 when the queue changed since; changed=false and no new version "
          "when the settings are the active ones")
def put_policy(queue: str, payload: models.PolicyChange) -> models.SavedVersion:
    if not payload.replace_whole_queue:
        partial_settings.require_whole(payload.settings)
    saved = config_changes.save_queue(
        services(), queue,
        lambda current: partial_settings.voice_as_sent_back(payload.settings, current),
        actor=actor(), note=payload.note, base_version=payload.base_version)
    return saved_version(saved)


@endpoint(bp, "/policies/<queue>", "PATCH", permission="operate",
          saves_config=True, body=models.PolicyPatch,
          response=models.SavedVersion,
          summary="Change only the settings sent, over the active queue (everything else "
          "kept, changes saved meanwhile included); 409 when base_version is given and the "
          "queue changed since; changed=false and no new version when nothing differs")
def patch_policy(queue: str, payload: models.PolicyPatch) -> models.SavedVersion:
    saved = config_changes.save_queue(
        services(), queue, lambda current: models.QueuePolicy.model_validate(
            {"settings": partial_settings.laid_over(current, payload.settings)}).settings,
        actor=actor(), note=payload.note, base_version=payload.base_version)
    return saved_version(saved)


def saved_version(saved: config_changes.Saved) -> models.SavedVersion:
    return models.SavedVersion(**config_changes.info(saved.version).model_dump(),
                               changed=saved.changed, warnings=list(saved.warnings))


@endpoint(bp, "/config/versions", "GET", permission="view", response=models.VersionsResponse,
          query=models.VersionsQuery,
          summary="Config versions, newest (active) first, 100 a page (?before= for older)")
def versions() -> models.VersionsResponse:
    asked = models.VersionsQuery.model_validate(request.args.to_dict())
    return config_changes.versions(services(), asked.before)


@endpoint(bp, "/config/versions/<int(min=1, max=2147483647):number>", "GET", permission="view",
          response=models.ConfigVersionDetail, summary="One version as TOML, with its diff")
def version(number: int) -> models.ConfigVersionDetail:
    return config_changes.detail(services(), number)


@endpoint(bp, "/config/rollback", "POST", permission="operate",
          saves_config=True, body=models.RollbackRequest,
          response=models.SavedVersion,
          summary="Make an old version active again (as a new version; none when the active "
                  "one already runs its settings)")
def rollback(payload: models.RollbackRequest) -> models.SavedVersion:
    return saved_version(config_changes.rollback(services(), payload.version, actor=actor(),
                                                 note=payload.note,
                                                 reviewed=payload.base_version))


@endpoint(bp, "/experiments/<queue>", "GET", permission="view",
          response=models.ExperimentState,
          summary="The A/B split on a queue: arms, live counts, intention-to-treat comparison")
def experiment(queue: str) -> models.ExperimentState:
    return experiments.experiment_state(services(), queue)


@endpoint(bp, "/experiments/<queue>", "PUT", permission="operate",
          saves_config=True,
          body=models.ExperimentStart, response=models.ExperimentChange,
          summary="Start (or change) an A/B split: arms and weights (changed=false and no "
          "new version when it already runs with them)")
def start_experiment(queue: str, payload: models.ExperimentStart) -> models.ExperimentChange:
    saved = experiments.set_arms(services(), queue, payload.arms, actor=actor(),
                                 note=payload.note, base_version=payload.base_version)
    return experiment_change(queue, saved)


@endpoint(bp, "/experiments/<queue>", "DELETE", permission="operate",
          saves_config=True, query=models.ExperimentStop,
          response=models.ExperimentChange, summary="Stop the A/B split on a queue "
          "(changed=false and no new version when none runs)")
def stop_experiment(queue: str) -> models.ExperimentChange:
    asked = models.ExperimentStop.model_validate(request.args.to_dict())
    with read_as_client_fault():
        sent = request.get_data(cache=True)
    if sent.strip():  # a base_version sent there had been ignored,
        raise BadRequest("DELETE takes no body: send base_version as ?base_version=N")  # the
    return experiment_change(queue, experiments.set_arms(  # split stopped regardless
        services(), queue, None, actor=actor(), note="", base_version=asked.base_version))


def experiment_change(queue: str, saved: config_changes.Saved) -> models.ExperimentChange:
    state = experiments.experiment_state(services(), queue)
    return models.ExperimentChange(**state.model_dump(), changed=saved.changed,
                                   warnings=list(saved.warnings))


@endpoint(bp, "/audit", "GET", permission="admin", response=models.AuditResponse,
          query=models.AuditQuery,
          summary="Audited changes, newest first, a page of 50 at a time, of one kind or all")
def audit_log() -> models.AuditResponse:
    asked = models.AuditQuery.model_validate(request.args.to_dict())
    engine = services().store.engine
    try:
        shown = audit.page(engine, kind=asked.kind, offset=(asked.page - 1) * audit.PAGE_SIZE,
                           before=asked.before, limit=audit.PAGE_SIZE + 1)
    except audit.NoSuchEntry:
        raise ValidationError.from_exception_data("AuditQuery", [InitErrorDetails(
            type=PydanticCustomError("no_such_entry", "the audit log holds no entry {before} "
                                     "(pruned since, or never written): start again without "
                                     "`before`", {"before": asked.before}),
            loc=("before",), input=asked.before)]) from None
    more, entries = len(shown.entries) > audit.PAGE_SIZE, shown.entries[:audit.PAGE_SIZE]
    return models.AuditResponse(entries=[models.AuditItem(**vars(e)) for e in entries],
                                total=shown.total, page=asked.page, pages=shown.pages,
                                next_before=entries[-1].id if more else None)


TWIN_QUERY = {"window_days": twin_models.TwinWindow.model_json_schema()["properties"][
    "window_days"]}


@endpoint(bp, "/twin", "GET", permission="view", response=twin_models.TwinFitView,
          query=TWIN_QUERY, busy=True,
          summary="The twin fitted from the live call log: parameters with their standard "
          "errors, and what the log is too thin for (409: too few calls)")
def twin() -> twin_models.TwinFitView:
    from app.console.twin_live import live_twin
    from app.console.twin_view import fit_view

    window = twin_models.TwinWindow.model_validate(request.args.to_dict())
    return fit_view(live_twin(services(), window.window_days))


def twin_ask_context() -> dict[str, object]:
    """What TwinAsk's `policies` may name in the running config (its variants)."""
    from app.console.twin_whatif import ask_context

    return ask_context(services())


@endpoint(bp, "/twin/whatif", "POST", permission="view", body=twin_models.TwinAsk,
          body_context=twin_ask_context, response=twin_models.TwinAnswer, busy=True,
          summary="What-if on the fitted day: each policy with 95% intervals, the staffing "
          "plan for a target, the backtest (bounded: fewer replications, or 409, when too big)")
def twin_whatif(payload: twin_models.TwinAsk) -> twin_models.TwinAnswer:
    from app.console.twin_whatif import answer

    return answer(services(), payload)


@bp.get("/openapi.json")
def openapi() -> Response:
    """Public: the document describes the API, it grants nothing."""
    from app.api.openapi import document

    return jsonify(document())


def preview_request() -> models.PreviewRequest:
    """?queue=&position=&answered_per_min=&minutes=&keys= (a 422 names a bad one)."""
    return models.PreviewRequest.model_validate(request.args.to_dict())


@endpoint(bp, "/preview", "GET", permission="view", response=models.PreviewResponse,
          query=models.PreviewRequest,
          summary="What a made-up caller would hear, minute by minute (the real policy)")
def preview() -> models.PreviewResponse:
    from app.console.preview import timeline

    return timeline(services(), preview_request())


@endpoint(bp, "/preview.wav", "GET", permission="view", response=None, query=models.PreviewRequest,
          media_type="audio/wav", busy=True, summary="The same preview as audio (espeak-ng voice)")
def preview_wav() -> Response:
    from app.console.preview import timeline
    from app.console.preview_audio import render_wav

    svc = services()
    return Response(render_wav(svc, timeline(svc, preview_request())), mimetype="audio/wav")
