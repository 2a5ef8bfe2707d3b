"""Sign in and out. A name is locked after repeated failures; every sign-in is audited."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from app.auth import throttle
from app.console.blueprint import bp
from app.services import services
from app.storage import audit, users


def _safe_next(target: str | None) -> str:
    """Only paths inside the console, so a login link cannot send anyone elsewhere."""
    if target and target.startswith("/console/") and not target.startswith("//"):
        return target
    return url_for("console.wallboard")


@bp.get("/login")
def login_form() -> str:
    return render_template("console/login.html", next=request.args.get("next"))


@bp.post("/login")
def login() -> Response | tuple[str, int]:
    svc = services()
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    now = svc.clock.now()
    if not name or not password:
        return render_template("console/login.html", message="Enter your name and password.",
                               next=request.form.get("next")), 400
    if throttle.locked(name, now):
        return render_template("console/login.html", next=request.form.get("next"),
                               message="Too many failed sign-ins for this name. "
                                       "Wait 15 minutes and try again."), 429
    user = users.authenticate(svc.store.engine, name, password)
    if user is None:
        throttle.note_failure(name, request.remote_addr or "", now)
        return render_template("console/login.html", next=request.form.get("next"),
                               message="That name and password do not match."), 401
    session.clear()  # a fresh session: nothing chosen before signing in carries over
    session["user_id"] = user.id
    session.permanent = True
    with svc.store.engine.begin() as conn:
        audit.record(conn, actor=user.name, action="session.login", target=user.name,
                     detail={"address": request.remote_addr}, now=now)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("console.login_form"))
