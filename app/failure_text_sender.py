"""Send the failure texts owed (app.storage.failure_texts): at once by whoever failed the
callback, else by `holdwell callbacks`' next round (a failure applied from the journal)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Engine
from twilio.rest import Client

from app.storage import failure_texts
from app.twilio_rest import send_sms
from hold_policies.config import CallbacksConfig


def send_owed(engine: Engine, client: Client | None, settings: CallbacksConfig,
              from_: str | None, now: datetime, call_id: str | None = None,
              languages: Mapping[str, str | None] | None = None) -> int:
    """Text every customer owed one (or only `call_id`'s), each at most once, in the
    language of its queue (`languages`: HoldwellConfig.queue_languages); how many were
    sent. With texts off ([callbacks] sms_on_failure and sms_confirm) they are marked not
    sent, so turning texts on later never texts old failures."""
    wanted = settings.sms_on_failure or settings.sms_confirm
    sent = 0
    for callback, queue in failure_texts.owed(engine, call_id):
        number = failure_texts.claim(engine, callback, now, wanted=wanted)
        if number is None:
            continue
        if send_sms(client, to=number, from_=from_,
                    body=settings.text("sms_text", (languages or {}).get(queue))):
            sent += 1
        else:
            failure_texts.not_sent(engine, callback)
    return sent
