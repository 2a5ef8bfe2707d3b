"""The operator's page of promises, kept at its old address for existing bookmarks and scripts.

It is now the console's callbacks page (read-only here): the console, with sign-in and roles,
is the way in. This address stays off unless HOLDWELL_OPS_TOKEN is set, and then asks for that
token as a bearer token (or `?token=`), compared in constant time.
"""

from __future__ import annotations

import hmac
import os

from flask import Blueprint, abort, render_template, request

from app.console.lists import callbacks_response
from app.services import services

bp = Blueprint("ops", __name__, url_prefix="/ops")


def authorised() -> bool:
    token = os.environ.get("HOLDWELL_OPS_TOKEN", "")
    if not token:
        return False
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or \
        request.args.get("token", "")
    return hmac.compare_digest(given.encode(), token.encode())


@bp.get("/callbacks")
def callbacks_page() -> str:
    if not os.environ.get("HOLDWELL_OPS_TOKEN"):
        abort(404)
    if not authorised():
        abort(401)
    svc = services()
    return render_template("console/callbacks.html", margin=svc.config.callbacks.at_risk_margin_s,
                           data=callbacks_response(svc, mask=False))
