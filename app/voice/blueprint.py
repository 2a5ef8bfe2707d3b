"""The voice blueprint: every Twilio webhook is signature-checked and has a safe answer."""

from __future__ import annotations

from flask import Blueprint, abort, g, request

from app.services import services
from app.storage.deadline import Deadline
from app.voice import safety

bp = Blueprint("voice", __name__, url_prefix="/voice")
safety.install(bp)


MAX_BODY_BYTES = 64 * 1024
"""Twilio's webhook bodies are a few hundred bytes; anything near this is not Twilio."""
MAX_FORM_FIELDS = 200


@bp.before_request
def check_signature_and_start_the_clock() -> None:
    """Only Twilio gets in; from here the request's database budget runs (`g.deadline`).

    The body is capped before anything parses it (413), so a huge forged request cannot
    burn the CPU that real callers' answers need.
    """
    request.max_content_length = MAX_BODY_BYTES
    request.max_form_parts = MAX_FORM_FIELDS
    if (request.content_length or 0) > MAX_BODY_BYTES:
        abort(413, description=f"Twilio webhooks are under {MAX_BODY_BYTES} bytes")
    svc = services()
    if svc.settings.validate_signatures and not svc.signatures.is_valid(request):
        abort(403)
    g.deadline = Deadline(svc.settings.db_budget_s)
