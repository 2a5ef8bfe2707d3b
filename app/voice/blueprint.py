"""The voice blueprint: every Twilio webhook is signature-checked and has a safe answer."""

from __future__ import annotations

from flask import Blueprint, abort, request

from app.services import services
from app.voice import safety

bp = Blueprint("voice", __name__, url_prefix="/voice")
safety.install(bp)


@bp.before_request
def check_signature() -> None:
    svc = services()
    if svc.settings.validate_signatures and not svc.signatures.is_valid(request):
        abort(403)
