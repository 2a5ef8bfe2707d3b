"""The optional text confirming a callback's window ([callbacks] sms_confirm, off by default).

Sent through the REST client only after the caller's TwiML has gone back to Twilio (the
response's close), so a slow or failing SMS never delays or breaks the call. With
sms_confirm the customer is also texted if every attempt fails (as with sms_on_failure).
"""

from __future__ import annotations

from app.services import services
from app.twilio_rest import send_sms_after_answer
from hold_policies.estimate import WaitBand
from hold_policies.languages import language_of
from hold_policies.prompts import filled


def confirm_by_sms(number: str, promised_wait_s: float | None, language: str | None) -> None:
    """Text `number` the promised window (in the queue's `language`) once this request's
    answer is sent; nothing when the settings do not ask for it or no window was promised."""
    svc = services()
    settings = svc.config.callbacks
    if not settings.sms_confirm or promised_wait_s is None:
        return
    band = WaitBand(round(promised_wait_s / 60))
    body = filled(settings.text("sms_confirm_text", language),
                  wait=band.words(language_of(language)))
    send_sms_after_answer(svc.rest_client, to=number, from_=svc.config.line.support_number,
                          body=body)
