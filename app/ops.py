"""The operator's page of promises: every callback not yet kept, and which are at risk.

Not for callers or Twilio, so it is off unless HOLDWELL_OPS_TOKEN is set, and then asks for
that token as a bearer token (or `?token=`), compared in constant time.
"""

from __future__ import annotations

import hmac
import os
from datetime import timedelta

from flask import Blueprint, Response, abort, render_template_string, request

from app.services import services
from app.storage.callback_queue import pending

bp = Blueprint("ops", __name__, url_prefix="/ops")

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>holdwell: callbacks</title><style>body{font-family:sans-serif;margin:2em}
td,th{padding:.3em .8em;text-align:left}.risk{color:#b00;font-weight:bold}</style></head>
<body><h1>Callbacks not yet kept ({{ rows|length }})</h1>
<p>Promised by: the band we told the caller, counted from when they asked. At risk: within
{{ margin }} s of that time, or past it. Times are UTC.</p>
<table><tr><th>call</th><th>queue</th><th>entered the queue</th><th>promised by</th>
<th>attempts</th><th>at risk</th></tr>
{% for cb, risky in rows %}<tr><td>{{ cb.call_id }}</td><td>{{ cb.queue }}</td>
<td>{{ cb.entered_at.strftime("%Y-%m-%d %H:%M:%S") }}</td>
<td>{{ cb.promised_by.strftime("%H:%M:%S") if cb.promised_by else "no time promised" }}</td>
<td>{{ cb.attempts }}</td><td class="{{ 'risk' if risky else '' }}">
{{ "yes" if risky else "no" }}</td></tr>{% endfor %}</table></body></html>"""


def authorised() -> bool:
    token = os.environ.get("HOLDWELL_OPS_TOKEN", "")
    if not token:
        return False
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or \
        request.args.get("token", "")
    return hmac.compare_digest(given.encode(), token.encode())


@bp.get("/callbacks")
def callbacks_page() -> Response:
    if not os.environ.get("HOLDWELL_OPS_TOKEN"):
        abort(404)
    if not authorised():
        abort(401)
    svc = services()
    margin = svc.config.callbacks.at_risk_margin_s
    horizon = svc.clock.now() + timedelta(seconds=margin)
    rows = [(cb, cb.promised_by is not None and cb.promised_by <= horizon)
            for cb in pending(svc.store.engine)]
    return Response(render_template_string(PAGE, rows=rows, margin=margin), mimetype="text/html")
