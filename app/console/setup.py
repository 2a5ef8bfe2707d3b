"""Wire the console into an app: sessions, CSRF, the console and API blueprints, config versions."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from flask import Flask, Response, request
from sqlalchemy import Engine

from app.console.sessions import CachedSerializerSessions
from app.storage.deadline import first_line, is_unreachable

log = logging.getLogger("holdwell.console")


def init_app(app: Flask, *, pinned_config: bool = False) -> None:
    """Sessions, CSRF, the console and API blueprints, and the live config versions.

    `pinned_config`: the caller (the Twilio emulator) handed create_app its own config, which
    must not be replaced by the database's versions during its run.
    """
    from app.api import routes as api_routes
    from app.auth import csrf
    from app.console import headers, live_config, views  # noqa: F401 - attaches the views
    from app.console.blueprint import bp
    from app.storage.console_secret import session_key

    svc = app.extensions["holdwell"]
    secret = svc.settings.secret_key  # HOLDWELL_SECRET_KEY, checked with the other settings
    database_away = False
    if not secret:
        try:
            secret = session_key(svc.store.engine)
        except Exception as error:  # noqa: BLE001 - the console waits; calls go on
            log.warning("no session key from the database yet (%s): console sign-in waits "
                        "until it answers (or set HOLDWELL_SECRET_KEY)", first_line(error))
            secret = None
            database_away = is_unreachable(error)
    sessions = CachedSerializerSessions()
    app.session_interface = sessions
    if secret is None:  # a key of this process alone would sign each worker's own cookies:
        app.secret_key = os.urandom(32).hex()  # one worker's sign-in, another's 401
        sessions.pending_key = shared_key_when_the_database_answers(sessions, svc.store.engine)
        app.before_request(partial(console_waits_for_its_key, sessions))
    else:
        app.secret_key = secret
    https = bool(svc.settings.public_url and svc.settings.public_url.startswith("https://"))
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=https, SESSION_COOKIE_NAME="holdwell_session",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
                      SESSION_REFRESH_EACH_REQUEST=False)
    # The cookie is written only by a request that changed the session. Refreshed on every
    # answer, the wallboard's poll (every few seconds, in another tab) wrote back the cookie
    # it was sent with: one sent before a save and answered after its redirect took away the
    # save's flash (a browser test's flake), one answered after a sign-out put the cookie
    # back. Nothing is lost by it: a session ends on the server 12 hours after signing in
    # (app.storage.users), and the sign-in's own cookie lasts that long.
    csrf.init_app(app)
    headers.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(api_routes.bp)
    if not pinned_config:
        live = live_config.install(app, svc, database_away=database_away)
        app.before_request(lambda: live.refresh(svc))


KEY_RETRY_S = 5.0


def shared_key_when_the_database_answers(sessions: CachedSerializerSessions,
                                         engine: Engine) -> Callable[[Flask], None]:
    """For an app started while the database was away: before a session is opened, read the
    key every worker shares (at most every KEY_RETRY_S), then stop asking."""
    from app.storage.console_secret import session_key

    next_try = [0.0]

    def take_the_shared_key(app: Flask) -> None:
        if time.monotonic() < next_try[0]:
            return
        next_try[0] = time.monotonic() + KEY_RETRY_S
        try:
            app.secret_key = session_key(engine)
        except Exception as error:  # noqa: BLE001 - still away: try again later
            log.warning("still no session key from the database: %s", first_line(error))
            return
        sessions.pending_key = None

    return take_the_shared_key


def console_waits_for_its_key(sessions: CachedSerializerSessions) -> Response | None:
    """Requests that sign in with a session (the console's pages, the API without a bearer
    token) wait, 503 saying why, until the shared key is read; API tokens need no key."""
    if sessions.pending_key is None or "Authorization" in request.headers or \
            not request.path.startswith(("/console", "/api/")):
        return None
    return Response("Console sign-in waits for the database: the session key every worker "
                    "shares could not be read yet (see the log; run `holdwell db upgrade` if "
                    "its table is missing, or set HOLDWELL_SECRET_KEY). Try again in a "
                    "minute.", status=503, mimetype="text/plain")
