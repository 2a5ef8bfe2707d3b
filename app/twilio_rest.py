"""The Twilio REST client: the one boundary tests mock (pytest-mock on its methods)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Response, after_this_request
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.number_mask import mask_number, without_numbers
from app.settings import Settings

log = logging.getLogger("holdwell.rest")
Recipient = str | Callable[[], str | None]
"""A number, or a lookup that finds it (run only when the text is sent)."""


def make_client(settings: Settings) -> Client | None:
    """A REST client with short timeouts, or None without account credentials."""
    if not (settings.account_sid and settings.auth_token):
        return None
    return Client(settings.account_sid, settings.auth_token,
                  http_client=TwilioHttpClient(timeout=10, max_retries=2))


def send_sms(client: Client | None, *, to: str, from_: str | None, body: str) -> bool:
    """Best effort: an SMS that cannot be sent is logged, never raised into a call."""
    if client is None or not from_:
        log.warning("cannot send SMS to %s: no REST credentials or no support_number",
                    mask_number(to))
        return False
    try:
        client.messages.create(to=to, from_=from_, body=body)
    except Exception as error:  # noqa: BLE001 - best effort, said in the log
        log.error("SMS to %s failed: %s: %s", mask_number(to), type(error).__name__,
                  without_numbers(error))
        return False
    return True


def send_sms_after_answer(client: Client | None, *, to: Recipient, from_: str | None,
                          body: str) -> None:
    """Text once this request's answer has gone back to Twilio (the response's close): the
    Messages API may take 10 s and retry twice, and no voice route may answer past Twilio's
    15 s. A `to` lookup runs then too, so its database read costs the route nothing."""
    after_answer(lambda: _send_to_recipient(client, to, from_, body))


def after_answer(work: Callable[[], object]) -> None:
    """Run `work` once this request's answer has gone back to Twilio (the response's close);
    a failure of it is logged, never raised into the closed response."""
    def guarded() -> None:
        try:
            work()
        except Exception:
            log.exception("work after the answer failed")

    @after_this_request
    def once_answered(response: Response) -> Response:
        response.call_on_close(guarded)
        return response


def _send_to_recipient(client: Client | None, to: Recipient, from_: str | None,
                       body: str) -> bool:
    """Best effort, like send_sms, including the number's lookup."""
    try:
        number = to() if callable(to) else to
    except Exception:
        log.exception("SMS not sent: its number could not be looked up")
        return False
    if not number:
        log.warning("SMS not sent: no number to text")
        return False
    return send_sms(client, to=number, from_=from_, body=body)
