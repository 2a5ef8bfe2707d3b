"""Flask's signed-cookie sessions, with the cookie serializer built once per secret key."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Request, has_request_context
from flask import request as flask_request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSerializerSessions(SecureCookieSessionInterface):
    """Flask builds a new serializer for every request it opens a session for, every voice
    webhook included (2-3% of an emulated call's CPU, issue 12); it only changes when the
    secret key does."""

    def __init__(self) -> None:
        self._cached: tuple[object, URLSafeTimedSerializer | None] | None = None
        self.pending_key: Callable[[Flask], None] | None = None
        """Set while the shared key could not be read (app.console.setup): tried before a
        session is opened, so the first request after the database answers signs with it."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self._cached
        if cached is None or cached[0] != key:
            cached = self._cached = (key, super().get_signing_serializer(app))
        return cached[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """None (Flask's null session, never saved) for Twilio's webhooks: they have no
        session, and opening one was a cost on every poll (issue 11)."""
        if request.path.startswith(VOICE_PREFIX):
            return self.make_null_session(app)
        if self.pending_key is not None:
            self.pending_key(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure over https: HOLDWELL_PUBLIC_URL says so for every request, and a request
        that came over https says so itself (behind HOLDWELL_TRUSTED_PROXIES, its
        X-Forwarded-Proto), else a proxied https console without a public URL had sent its
        session cookie over plain http too."""
        return bool(super().get_cookie_secure(app)
                    or (has_request_context() and flask_request.is_secure))


    def should_set_cookie(self, app: Flask, session: SecureCookieSession) -> bool:
        """Never on a static file: it may be kept (its Cache-Control says so), and a proxy
        that keeps an answer carrying Set-Cookie hands one operator's session to the next.
        A static file's answer landing after the browser dropped the cookie had also put the
        session back (a browser test's flake)."""
        if has_request_context() and is_static(flask_request.endpoint):
            return False
        return super().should_set_cookie(app, session)


def is_static(endpoint: str | None) -> bool:
    """Whether a request went to Flask's or a blueprint's static files."""
    return bool(endpoint) and (endpoint == "static" or endpoint.endswith(".static"))


VOICE_PREFIX = "/voice/"
