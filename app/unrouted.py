"""A URL no route matches, or a method its route does not take, answered in its room's form:
JSON under the API, a console page under the console, plain words for a Twilio webhook.

Flask answers these before any blueprint is chosen, so without this an operator who mistyped
a console address got Flask's bare page, `/api/v1` (no slash) answered HTML, and a GET on a
webhook said only "method not allowed", not that Twilio calls it with POST.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from app.api.routes import bp as api_bp
from app.api.routes import problem
from app.console.blueprint import bp as console_bp
from app.console.blueprint import error_page
from app.console.headers import request_under
from app.voice.blueprint import bp as voice_bp


def _explained(error: HTTPException, room: str) -> HTTPException:
    """The error with a description that says what this URL is and what it takes."""
    if isinstance(error, MethodNotAllowed):
        allowed = sorted(set(error.valid_methods or ()) - {"HEAD", "OPTIONS"})
        takes = " or ".join(allowed) or "no method"
        why = (f"{request.method} {request.path} is not taken here: this URL takes {takes}.")
        if room == "voice":
            why += (" It is a Twilio webhook: Twilio calls it with POST, signed (set the "
                    "number's Voice URL method to HTTP POST).")
    else:
        why = f"There is no {request.path} here."
        if room == "voice":
            why += (" Twilio's webhooks are /voice/incoming?queue=NAME and the URLs its TwiML "
                    "names; check the number's Voice URL.")
        elif room == "api":
            why += " The API's routes are listed at /api/v1/openapi.json."
    error.description = why
    return error


def answer(error: HTTPException) -> HTTPException | tuple[Response, int] | tuple:
    """The error in the form its room answers everything else; explained as a URL or method
    that is not taken only when no route matched (a view's own 404, "no queue named 'nope'",
    keeps its words)."""
    for room, prefix, form in (("api", api_bp.url_prefix, problem),
                               ("console", console_bp.url_prefix, error_page),
                               ("voice", voice_bp.url_prefix, None)):
        if request_under(prefix):
            if request.url_rule is None:
                error = _explained(error, room)
            return error if form is None else form(error)
    return error


def init_app(app: Flask) -> None:
    app.register_error_handler(NotFound, answer)
    app.register_error_handler(MethodNotAllowed, answer)
