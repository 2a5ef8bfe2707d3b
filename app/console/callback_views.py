"""Callback promises: pending, at risk, attempts; operators cancel one with a reason."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response

from app.api.models import CancelRequest
from app.api.registry import field_errors
from app.auth.access import allowed, current_user, requires
from app.console.blueprint import bp
from app.console.lists import callbacks_response
from app.services import services
from app.storage.callback_admin import CancelError, cancel


@bp.get("/callbacks")
@requires("view")
def callbacks() -> str:
    svc = services()
    return render_template("console/callbacks.html", margin=svc.config.callbacks.at_risk_margin_s,
                           data=callbacks_response(svc, mask=not allowed("see_numbers")))


@bp.post("/callbacks/<call_id>/cancel")
@requires("operate")
def cancel_callback(call_id: str) -> Response | tuple[str, int]:
    svc = services()
    reason = request.form.get("reason", "").strip()
    if request.form.get("confirm") != "yes":  # the one action that breaks a promise to a
        flash(f"Not cancelled: tick the box to confirm that the caller of {call_id} will not "
              "be called back.", "error")  # caller had been one click away
        return redirect(url_for("console.callbacks")), 303
    if len(reason) < 3:
        flash(f"Not cancelled ({call_id}): reason: say why the callback is cancelled (at "
              "least 3 characters).", "error")  # the row named: a list holds many (X2)
        return redirect(url_for("console.callbacks")), 303
    try:  # the API's own rule for a reason (no NUL in the audit log), cut as the box is
        reason = CancelRequest(reason=reason[:300]).reason
    except ValidationError as error:
        flash(f"Not cancelled ({call_id}): reason: {field_errors(error)['reason']}.", "error")
        return redirect(url_for("console.callbacks")), 303
    try:
        cancel(svc.store.engine, call_id, reason=reason, actor=current_user().name,
               now=svc.clock.now())
    except CancelError as error:
        flash(str(error), "error")
        return redirect(url_for("console.callbacks")), 303
    flash(f"Callback {call_id} cancelled.", "ok")
    return redirect(url_for("console.callbacks")), 303
