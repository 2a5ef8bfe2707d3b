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
    """The error in the form its room answers everything else."""
    if request_under(api_bp.url_prefix):
        return problem(_explained(error, "api"))
    if request_under(console_bp.url_prefix):
        return error_page(_explained(error, "console"))
    if request_under(voice_bp.url_prefix):
        return _explained(error, "voice")
    return error


def init_app(app: Flask) -> None:
    app.register_error_handler(NotFound, answer)
    app.register_error_handler(MethodNotAllowed, answer)
