"""CSRF protection (Flask-WTF) for every form and every session-authenticated API change.

It is not switched on app-wide: Twilio's webhooks are signed, not cookie-authenticated, so
the console and API blueprints call `protect()` themselves before each unsafe request.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 12 * 3600)
    csrf.init_app(app)


def protect() -> None:
    """Raise CSRFError (400, naming the problem) unless the form or header carries the token."""
    csrf.protect()
