"""The benchmark's anchor: a bare Flask view answering a fixed <Pause>, served by the Procfile's
gunicorn settings (bench_webhooks.py). Its rate is the ceiling the app's /voice/wait is compared
with: what gunicorn + Flask + HTTP cost on this box with no signature, policy or database."""

from __future__ import annotations

from flask import Flask, Response

PAUSE = '<?xml version="1.0" encoding="UTF-8"?><Response><Pause length="60"/></Response>'

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def pause(path: str) -> Response:
    return Response(PAUSE, mimetype="text/xml")
