"""Resolve the person behind a request and enforce roles: 401 without credentials, 403 for
the wrong role. Twilio's signature is never a credential here, and a session is never one on
the voice routes (they check only the signature)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import current_app, g, request, session
from werkzeug.exceptions import Forbidden, Unauthorized

from app.services import services
from app.storage import users
from app.storage.users import User

F = TypeVar("F", bound=Callable)
SESSION_KEY = "session_id"
"""The cookie's id of a server-side session (app.storage.users): signing out deletes it."""

PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset({"admin", "operator", "analyst"}),  # live state, reports, what-if
    "see_numbers": frozenset({"admin", "operator"}),  # analysts see callers' numbers masked
    "operate": frozenset({"admin", "operator"}),  # policies, callbacks, experiments
    "admin": frozenset({"admin"}),  # users and the audit log
}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def load_user(*, allow_bearer: bool) -> User | None:
    """The user of this request, from a bearer token (API only) or the session cookie."""
    engine = services().store.engine
    token = bearer_token() if allow_bearer else None
    if token:
        g.auth_method = "token"
        return users.user_for_token(engine, token, services().clock.now())
    session_id = session.get(SESSION_KEY)
    if not isinstance(session_id, str):
        g.auth_method = None
        return None
    g.auth_method = "session"
    return users.user_for_session(engine, session_id, services().clock.now(),
                                  session_lifetime_s())


def session_lifetime_s() -> float:
    """How long a console session lasts: the signed cookie's lifetime, kept on the server too."""
    return current_app.permanent_session_lifetime.total_seconds()


def current_user() -> User | None:
    return g.get("user")


def allowed(permission: str, user: User | None = None) -> bool:
    user = user or current_user()
    return user is not None and user.role in PERMISSIONS[permission]


INVALID_TOKEN = ("the API token is not valid (revoked, its user removed, or mistyped): an "
                 "admin issues a new one (`holdwell users token NAME`)")
"""A token was sent and matched no working one: told apart from none sent (RFC 6750's
invalid_token), so an integrator knows the header arrived and the token is dead."""


def requires(permission: str) -> Callable[[F], F]:
    """View decorator: 401 when nobody is signed in, 403 when their role may not do this."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if current_user() is None and g.get("auth_method") == "token":
                raise Unauthorized(INVALID_TOKEN)  # not "send a token": one was sent
            if current_user() is None:
                raise Unauthorized("sign in, or send an API token as 'Authorization: Bearer'")
            if not allowed(permission):
                raise Forbidden(f"your role ({current_user().role}) may not do this")
            return view(*args, **kwargs)

        guarded.permission = permission  # the OpenAPI document lists each route's role
        return guarded  # type: ignore[return-value]

    return decorate
