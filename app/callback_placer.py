"""Placing an at-risk callback through Twilio's REST API, when the operator configures it.

`place_via_rest = true` in [callbacks]: the watch (`holdwell callbacks`) calls the customer
with `calls.create` (answering machine detection on, the support number as caller ID), and
the customer waits for the next agent in the queue's priority queue. About one call per
second per account is Twilio's default REST rate; the watch places them one at a time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import Engine

from app.storage import callback_rest
from app.storage.callback_queue import Callback
from hold_policies.config import CallbacksConfig

log = logging.getLogger("holdwell.callbacks")


class PlacerError(ValueError):
    """REST placement is configured but cannot work; the message says what is missing."""


@dataclass(frozen=True)
class RestPlacer:
    client: object  # twilio.rest.Client
    public_url: str
    support_number: str
    settings: CallbacksConfig

    @classmethod
    def configured(cls, client: object | None, public_url: str | None,
                   support_number: str | None, settings: CallbacksConfig) -> RestPlacer:
        missing = [name for name, value in (
            ("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN", client),
            ("HOLDWELL_PUBLIC_URL", public_url), ("[line] support_number", support_number))
            if not value]
        if missing:
            raise PlacerError("place_via_rest needs " + ", ".join(missing))
        return cls(client, public_url, support_number, settings)

    def url(self, route: str, callback: Callback) -> str:
        query = urlencode(sorted({"call": callback.call_id, "queue": callback.queue,
                                  "claim": callback.claim or ""}.items()))
        return f"{self.public_url}/voice/callback/{route}?{query}"

    def place(self, engine: Engine, callback: Callback, now: datetime) -> bool:
        """Claim the callback and ring the customer; on any REST failure it keeps its place."""
        claimed = callback_rest.claim_for_rest(engine, callback.call_id, now)
        return claimed is not None and self.ring(engine, claimed)

    def ring(self, engine: Engine, callback: Callback) -> bool:
        """Ring the customer of a callback claimed for REST (its token goes into the URLs
        Twilio calls back); on any REST failure the claim is released: it keeps its place."""
        options = {"machine_detection": "Enable"} if self.settings.answering_machine_detection \
            else {}
        try:
            self.client.calls.create(
                to=callback.number, from_=self.support_number, method="POST",
                url=self.url("rest-answer", callback),
                status_callback=self.url("rest-status", callback),
                status_callback_event=["completed"], status_callback_method="POST",
                timeout=self.settings.ring_timeout_s, **options)
        except Exception:
            log.exception("REST callback to %s failed; it keeps its place", callback.call_id)
            callback_rest.release(engine, callback.call_id, callback.claim or "")
            return False
        return True
