"""Wire the console into an app: sessions, CSRF, the console and API blueprints, config versions."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import Flask

log = logging.getLogger("holdwell.console")


def init_app(app: Flask, *, pinned_config: bool = False) -> None:
    """Sessions, CSRF, the console and API blueprints, and the live config versions.

    `pinned_config`: the caller (the Twilio emulator) handed create_app its own config, which
    must not be replaced by the database's versions during its run.
    """
    from app.api import routes as api_routes
    from app.auth import csrf
    from app.console import live_config, views  # noqa: F401 - attaches the views
    from app.console.blueprint import bp
    from app.console.sessions import CachedSerializerSessions
    from app.storage.console_secret import session_key

    svc = app.extensions["holdwell"]
    secret = os.environ.get("HOLDWELL_SECRET_KEY")
    if not secret:
        try:
            secret = session_key(svc.store.engine)
        except Exception:
            log.exception("no session key in the database (run `holdwell db upgrade`); "
                          "sessions will not outlive this process")
            secret = os.urandom(32).hex()
    app.secret_key = secret
    app.session_interface = CachedSerializerSessions()
    https = bool(svc.settings.public_url and svc.settings.public_url.startswith("https://"))
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=https, SESSION_COOKIE_NAME="holdwell_session",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=12))
    csrf.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(api_routes.bp)
    if not pinned_config:
        live = live_config.install(app, svc)
        app.before_request(lambda: live.refresh(svc))
