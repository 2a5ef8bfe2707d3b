"""The console blueprint: pages need a session (never Twilio's signature) and CSRF on forms."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from werkzeug.exceptions import HTTPException

from app.api.registry import kept_headers
from app.auth import access, csrf

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static")


@bp.before_request
def who_is_asking() -> None:
    g.user = access.load_user(allow_bearer=False)
    if request.method in csrf.UNSAFE:
        csrf.protect()


@bp.app_context_processor
def console_globals() -> dict:
    return {"user": access.current_user(), "can": access.allowed}


@bp.errorhandler(HTTPException)
def error_page(error: HTTPException):  # noqa: ANN201 - a (body, status, headers) triple
    """Errors as pages: a 401 shows the sign-in form, anything else says what went wrong."""
    if error.code == 401:
        return render_template("console/login.html", next=request.path,
                               message="Please sign in."), 401
    return render_template("console/error.html", error=error), error.code, kept_headers(error)
