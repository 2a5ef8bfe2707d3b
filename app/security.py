"""X-Twilio-Signature validation over the public URL Twilio actually requested."""

from __future__ import annotations

import logging

from flask import Request
from twilio.request_validator import RequestValidator

log = logging.getLogger("holdwell.security")


def public_url(request: Request, configured_base: str | None) -> str:
    """The URL as Twilio saw it: the configured public base plus path and exact query string."""
    if not configured_base:
        return request.url  # ProxyFix, when configured, has already restored scheme and host
    query = request.query_string.decode("latin-1")
    return f"{configured_base}{request.path}" + (f"?{query}" if query else "")


class SignatureCheck:
    """Validates requests with Twilio's own RequestValidator; never raises, answers a bool."""

    def __init__(self, auth_token: str | None, configured_base: str | None) -> None:
        self.validator = RequestValidator(auth_token) if auth_token else None
        self.configured_base = configured_base

    def is_valid(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if self.validator is None or not signature:
            return False
        params = request.form if request.method == "POST" else {}
        url = public_url(request, self.configured_base)
        valid = self.validator.validate(url, params, signature)
        if not valid:
            log.warning("rejected request with a bad Twilio signature for %s", url)
        return valid
