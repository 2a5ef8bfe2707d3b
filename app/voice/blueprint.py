"""The voice blueprint: every Twilio webhook is signature-checked and has a safe answer."""

from __future__ import annotations

import io

from flask import Blueprint, abort, g, request

from app.request_body import read_as_client_fault
from app.services import services
from app.storage.deadline import Deadline
from app.voice import safety

bp = Blueprint("voice", __name__, url_prefix="/voice")
safety.install(bp)


MAX_BODY_BYTES = 64 * 1024
"""Twilio's webhook bodies are a few hundred bytes; anything near this is not Twilio."""
MAX_FORM_FIELDS = 200
"""Twilio sends about thirty; werkzeug counts only multipart parts, so a form body's fields
are counted here: 11,500 of them in 64 KB had cost 150 ms of a worker before the 403."""


@bp.before_request
def check_signature_and_start_the_clock() -> None:
    """Only Twilio gets in; from here the request's database budget runs (`g.deadline`).

    The body is capped before anything parses it (413), so a huge forged request cannot
    burn the CPU that real callers' answers need.
    """
    request.max_content_length = MAX_BODY_BYTES
    request.max_form_parts = MAX_FORM_FIELDS
    length = request.content_length
    with read_as_client_fault():
        if length is None and request.environ.get("wsgi.input_terminated"):
            length = read_whole_body(request.environ)  # chunked: no length to check first
        if (length or 0) > MAX_BODY_BYTES:
            abort(413, description=f"Twilio webhooks are under {MAX_BODY_BYTES} bytes")
        refuse_a_body_that_is_not_a_form(length or 0)
        refuse_too_many_fields()
    svc = services()
    if svc.settings.validate_signatures and (why := svc.signatures.problem(request)):
        abort(403, description=why)
    g.deadline = Deadline(svc.settings.db_budget_s)


FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
"""What werkzeug reads into `request.form`: Twilio posts the first."""


def refuse_a_body_that_is_not_a_form(length: int) -> None:
    """A 415 for a body no parameter can be read from (JSON, text, no Content-Type): its
    signature was checked over no parameters, so it had been a 403 blaming
    HOLDWELL_PUBLIC_URL or the auth token, or, signed over none, a 400 "missing CallSid"."""
    if length and request.mimetype not in FORM_TYPES:
        sent = (f"as {request.mimetype[:80]!r}" if request.mimetype
                else "without a Content-Type")
        abort(415, description=f"Twilio webhooks are form posts "
                               f"(application/x-www-form-urlencoded); this body is sent {sent}, "
                               "so none of its parameters can be read")


def refuse_too_many_fields() -> None:
    """A 413 for a form body of more than MAX_FORM_FIELDS fields, counted before parsing."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return  # multipart: werkzeug counts its parts (max_form_parts)
    fields = request.get_data(cache=True).count(b"&") + 1
    if fields > MAX_FORM_FIELDS:
        abort(413, description=f"Twilio webhooks have under {MAX_FORM_FIELDS} form fields "
                               f"(this one has {fields:,})")


def read_whole_body(environ: dict) -> int:
    """A body sent without a length (chunked), read here up to one byte past the cap, and its
    length: over the cap it is a 413 like any other, under it is parsed as if its length had
    been sent (werkzeug cut such a body at the cap without a word, and the signature then
    failed: a 403)."""
    body = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return len(body)
