"""The voice blueprint: every Twilio webhook is signature-checked and has a safe answer."""

from __future__ import annotations

from flask import Blueprint, abort, g, request

from app.services import services
from app.storage.deadline import Deadline
from app.voice import safety

bp = Blueprint("voice", __name__, url_prefix="/voice")
safety.install(bp)


@bp.before_request
def check_signature_and_start_the_clock() -> None:
    """Only Twilio gets in; from here the request's database budget runs (`g.deadline`)."""
    svc = services()
    if svc.settings.validate_signatures and not svc.signatures.is_valid(request):
        abort(403)
    g.deadline = Deadline(svc.settings.db_budget_s)
