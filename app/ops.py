"""The operator's page of promises, kept at its old address for existing bookmarks and scripts.

It is now the console's callbacks page (read-only here): the console, with sign-in and roles,
is the way in. This address stays off unless HOLDWELL_OPS_TOKEN is set, and then asks for that
token as a bearer token in the Authorization header, compared in constant time. Never in the
query string, where it would land in access logs and browser history.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, render_template, request

from app.console.lists import callbacks_response
from app.services import services

bp = Blueprint("ops", __name__, url_prefix="/ops")


def authorised(token: str) -> bool:
    """Both sides stripped alike (settings strip the configured one too), compared in constant
    time."""
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode(), token.strip().encode())


@bp.get("/callbacks")
def callbacks_page() -> str:
    svc = services()
    token = svc.settings.ops_token
    if not token:
        abort(404)
    if not authorised(token):
        abort(401, description="send the token as 'Authorization: Bearer <HOLDWELL_OPS_TOKEN>'")
    return render_template("console/callbacks.html", margin=svc.config.callbacks.at_risk_margin_s,
                           data=callbacks_response(svc, mask=False))
