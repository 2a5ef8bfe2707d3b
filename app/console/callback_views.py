"""Callback promises: pending, at risk, attempts; operators cancel one with a reason."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from app.api.models import REASON_SHOWN_MIN, CancelRequest, says_too_little
from app.api.registry import field_errors
from app.auth.access import allowed, current_user, requires
from app.console.blueprint import bp
from app.console.lists import callbacks_response
from app.services import Services, services
from app.storage import worker_rounds
from app.storage.callback_admin import CancelError, cancel
from app.storage.deadline import first_line

log = logging.getLogger("holdwell.console")


@dataclass(frozen=True)
class Refusal:
    """A refused cancel, said at its row's form with what was typed (accessibility audit X2):
    a flash at the page's top had left the operator to find which row of many it meant."""

    call_id: str
    message: str
    field: str  # the boxes it is about ("reason", "confirm", both: "reason confirm"), or ""
    # for the request as a whole
    reason: str  # as typed, kept in the box


@bp.get("/callbacks")
@requires("view")
def callbacks() -> str:
    return _page()


def _page(refused: Refusal | None = None) -> str:
    svc = services()
    data = callbacks_response(svc, mask=not allowed("see_numbers"))
    return render_template("console/callbacks.html", margin=svc.config.callbacks.at_risk_margin_s,
                           data=data, refused=refused,
                           worker_warning=_worker_warning(svc, data.open_count))


def _worker_warning(svc: Services, open_count: int) -> str | None:
    """Said above the list when the worker that keeps these promises stopped (or never ran,
    or runs with a problem), as /healthz says it (app.storage.worker_rounds)."""
    try:
        with svc.store.engine.connect() as conn:
            latest = worker_rounds.newest_round(conn)
    except SQLAlchemyError as error:  # a role granted before 0023, a table dropped: the
        # promises are still listed, and the notice says what it could not read
        log.warning("console: could not read the callbacks worker's rounds: %s",
                    first_line(str(error)))
        return ("Could not read when the callbacks worker last ran (worker_rounds: see this "
                "instance's log; `holdwell db upgrade` recreates a missing table, a role "
                "needs SELECT on it).")
    warning = worker_rounds.worker_warning(latest, open_count, svc.clock.now())
    return warning[:1].upper() + warning[1:] + "." if warning else None


@bp.post("/callbacks/<call_id>/cancel")
@requires("operate")
def cancel_callback(call_id: str) -> Response | tuple[str, int]:
    svc = services()
    typed = request.form.get("reason", "")
    reason = typed.strip()
    unticked = request.form.get("confirm") != "yes"  # the one action that breaks a promise
    if says_too_little(reason):  # caller had been one click away
        # Both said at once: an empty reason had been named only once the box was ticked.
        return _page(Refusal(call_id, f"Not cancelled ({call_id}): reason: say why the "
                             f"callback is cancelled (at least {REASON_SHOWN_MIN} characters "
                             "that show)" + ("; and tick the box to confirm that the caller "
                                             "will not be called back." if unticked else "."),
                             "reason confirm" if unticked else "reason", typed)), 400
    if unticked:
        return _page(Refusal(call_id, f"Not cancelled: tick the box to confirm that the caller "
                             f"of {call_id} will not be called back.", "confirm", typed)), 400
    try:  # the API's own rule for a reason (no NUL in the audit log), cut as the box is
        reason = CancelRequest(reason=reason[:300]).reason
    except ValidationError as error:
        return _page(Refusal(call_id, f"Not cancelled ({call_id}): reason: "
                             f"{field_errors(error)['reason']}.", "reason", typed)), 400
    try:
        cancel(svc.store.engine, call_id, reason=reason, actor=current_user().name,
               now=svc.clock.now())
    except CancelError as error:
        return _page(Refusal(call_id, f"Not cancelled: {error}.", "", typed)), error.status
    flash(f"Callback {call_id} cancelled.", "ok")
    return redirect(url_for("console.callbacks")), 303
