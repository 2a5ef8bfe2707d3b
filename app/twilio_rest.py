"""The Twilio REST client: the one boundary tests mock (pytest-mock on its methods)."""

from __future__ import annotations

import logging

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.settings import Settings

log = logging.getLogger("holdwell.rest")


def make_client(settings: Settings) -> Client | None:
    """A REST client with short timeouts, or None without account credentials."""
    if not (settings.account_sid and settings.auth_token):
        return None
    return Client(settings.account_sid, settings.auth_token,
                  http_client=TwilioHttpClient(timeout=10, max_retries=2))


def send_sms(client: Client | None, *, to: str, from_: str | None, body: str) -> bool:
    """Best effort: an SMS that cannot be sent is logged, never raised into a call."""
    if client is None or not from_:
        log.warning("cannot send SMS to %s: no REST credentials or no support_number", to)
        return False
    try:
        client.messages.create(to=to, from_=from_, body=body)
    except Exception:
        log.exception("SMS to %s failed", to)
        return False
    return True
