"""Sign in and out. A name is locked after repeated failures; every sign-in is audited."""

from __future__ import annotations

from datetime import datetime

from flask import g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from app.auth import access, throttle
from app.console.blueprint import DRAFT_FORMS, bp, page_posted_from
from app.console.line_clock import page_clock
from app.services import services
from app.storage import audit, failed_sign_ins, users

NAME_SHOWN = 64
"""Of a name tried at sign-in, what the audit keeps (any text may be typed there)."""


def _safe_next(target: str | None) -> str:
    """Only paths inside the console, so a login link cannot send anyone elsewhere; no control
    characters, which cannot go in a Location header (a 500 after a good sign-in)."""
    if target and target.startswith("/console/") and not target.startswith("//") \
            and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return target
    return url_for("console.wallboard")


class SignInBusy(Exception):
    """Another sign-in's password is being checked in this worker."""


BUSY = ("Another sign-in is being checked on this server just now. Please sign in again in a "
        "moment.")

NAME_KEPT = 200
"""The most of a refused sign-in's name shown back in the form (names are shorter)."""


def _form_again(message: str, status: int) -> tuple[str, int]:
    """The sign-in form once more, with what was wrong."""
    name = request.form.get("name", "").strip()
    return render_template("console/login.html", message=message, refused=True,
                           next=request.form.get("next"),
                           name=name[:NAME_KEPT] if "\x00" not in name else ""), status


STALE_SIGN_IN = ("This sign-in page was out of date (it was opened before a sign-in or sign-out "
                 "in another tab, or long ago), so it could not be used. Sign in again here.")


@bp.errorhandler(CSRFError)
def stale_form(error: CSRFError) -> Response | tuple[str, int]:
    """A form whose CSRF token is not this session's: opened before the user signed in again
    (in another tab, after their session ended) or signed out, or past the token's 12 hours.
    It had been a bare "400 The CSRF tokens do not match", and the policy form's edits were
    lost with it (console audit 34, defects 1 and 2). Nothing is done for it; a sign-in
    page signs in afresh (or, the same name signed in already in another tab, goes on to
    where it was going: never as someone else, whatever was typed), a sign-out signs out,
    and any other form says so with a way back to it, where the edits this browser kept are
    put back."""
    if request.endpoint == "console.logout":  # a stale page's sign-out still signs out
        return _sign_out()
    if request.endpoint == "console.login":
        signed_in = g.get("user")
        if signed_in is not None and signed_in.name == request.form.get("name", "").strip():
            return redirect(_safe_next(request.form.get("next")))  # they are, in another tab
        if signed_in is not None:  # someone else: nobody is signed in on a stale page
            return _form_again(f"This sign-in page was out of date: {signed_in.name} is "
                               "signed in in another tab. To sign in as someone else, sign "
                               "in again here.", 400)
        return _form_again(STALE_SIGN_IN, 400)
    kept = request.endpoint in DRAFT_FORMS
    return render_template("console/not_saved.html", back=page_posted_from(), edits_kept=kept,
                           refused=True), 400


@bp.get("/login")
def login_form() -> str:
    return render_template("console/login.html", next=request.args.get("next"))


@bp.post("/login")
def login() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    svc = services()
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    now = svc.clock.now()
    if not name or not password:
        return _form_again("Enter your name and password.", 400)
    if "\x00" in name:  # no user has one, and PostgreSQL refuses it in a query
        return _form_again("name: must not contain a NUL character.", 400)
    address = request.remote_addr or ""
    throttle.note_proxy(request.headers.get("X-Forwarded-For"), address)
    if throttle.address_locked(address, now):
        return _form_again("Too many failed sign-ins from here. "
                           "Wait 15 minutes and try again.", 429)
    try:
        with throttle.one_check_at_a_time(SignInBusy):
            attempt = throttle.admit(name, address, now)
            if attempt is None:
                return _form_again("Too many failed sign-ins for this name from here. "
                                   "Wait 15 minutes and try again.", 429)
            checked = users.check_password(svc.store.engine, name, password)
    except SignInBusy:
        html, status = _form_again(BUSY, 429)
        return html, status, {"Retry-After": "1"}
    if checked is None:
        _audit_failure(name, address, now)
        return _form_again("That name and password do not match.", 401)
    throttle.succeeded(attempt)
    _end_session()  # a fresh session: nothing chosen before signing in carries over
    user = checked.user
    session_id = users.start_session(svc.store.engine, user.id, now,
                                     access.session_lifetime_s(),
                                     password_hash=checked.password_hash)
    if session_id is None:  # removed, or a new password set, while it was being checked
        return _form_again("That name and password do not match.", 401)
    session[access.SESSION_KEY] = session_id
    session.permanent = True
    with svc.store.engine.begin() as conn:
        audit.record(conn, actor=user.name, action="session.login", target=user.name,
                     detail={"address": request.remote_addr}, now=now)
    return redirect(_safe_next(request.form.get("next")))


def _audit_failure(name: str, address: str, now: datetime) -> None:
    """A wrong password, and the failure that locks the name, are audited (sign-ins): the
    throttle's own rows go after 15 minutes, and a guessing run had left no trace. The
    lock's refusals are not (they write nothing), and past a source's first few failures
    they are counted into a summary row (app.storage.failed_sign_ins): anyone can post this
    form, and a row each had grown the log without end."""
    locked = throttle.locked_now(name, address, now)
    failed_sign_ins.record(services().store.engine, failed_sign_ins.FailedSignIn(
        # anyone types it: nothing hidden in the log, and it fits the log's column
        name=users.readable(name[:NAME_SHOWN], most=audit.TARGET_LENGTH),
        address=address, source=users.address_key(address),
        from_source=throttle.failures_from(address, now),
        lock={"failures": throttle.MAX_FAILURES, "minutes": throttle.WINDOW_S // 60}
        if locked else None, time=now,
        day_zone=page_clock()[1]),  # a summary ends at the line's midnight, as the page reads
        window_s=throttle.WINDOW_S)


@bp.post("/logout")
def logout() -> Response:
    return _sign_out()


def _sign_out() -> Response:
    """The session ends, audited beside the sign-ins (from a stale page's form too), and
    the browser goes to the sign-in page."""
    user = g.get("user")
    if user is not None:
        svc = services()
        with svc.store.engine.begin() as conn:
            audit.record(conn, actor=user.name, action="session.logout", target=user.name,
                         detail={"address": request.remote_addr}, now=svc.clock.now())
    _end_session()
    return redirect(url_for("console.login_form"))


def _end_session() -> None:
    """Ends the session on the server too, so no copy of its cookie is a credential any more."""
    session_id = session.get(access.SESSION_KEY)
    if isinstance(session_id, str):
        users.end_session(services().store.engine, session_id)
    session.clear()
