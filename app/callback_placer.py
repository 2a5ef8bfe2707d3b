"""Placing an at-risk callback through Twilio's REST API, when the operator configures it.

`place_via_rest = true` in [callbacks]: the watch (`holdwell callbacks`) calls the customer
with `calls.create` (answering machine detection on, the support number as caller ID), and
the customer waits for the next agent in the queue's priority queue. About one call per
second per account is Twilio's default REST rate; the watch places them one at a time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Engine
from twilio.base.exceptions import TwilioRestException

from app.failure_text_sender import send_owed
from app.number_mask import mask_number, without_numbers
from app.storage import callback_rest
from app.storage import commands as c
from app.storage.apply import apply
from app.storage.callback_queue import Callback
from hold_policies.config import CallbacksConfig

log = logging.getLogger("holdwell.callbacks")


class PlacerError(ValueError):
    """REST placement is configured but cannot work; the message says what is missing."""


class RateLimit:
    """Twilio answered 429 (too many requests): the account's REST rate is shared by every
    placement, so the rest of the round would only be refused too and prolong it. No REST
    call is made until `until`; the callbacks stay in line, free for any agent."""

    def __init__(self) -> None:
        self.until: datetime | None = None

    def holds(self, now: datetime) -> bool:
        return self.until is not None and now < self.until


@dataclass(frozen=True)
class RestPlacer:
    client: object  # twilio.rest.Client
    public_url: str
    support_number: str
    settings: CallbacksConfig
    rate_limit: RateLimit = field(default_factory=RateLimit, compare=False)
    languages: dict[str, str | None] = field(default_factory=dict, compare=False)
    """Each queue's language: a failure text's (HoldwellConfig.queue_languages)."""

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
        """Claim an at-risk callback and ring the customer (see `ring` for a failed create);
        a refused one is not spaced out: a free agent may still take it at once."""
        if self.rate_limit.holds(now):
            return False
        claimed = callback_rest.claim_for_rest(engine, callback, now,
                                               self.settings.rest_at_once)
        return claimed is not None and self.ring(engine, claimed, now, space_refusal=False)

    def ring(self, engine: Engine, callback: Callback, now: datetime, *,
             space_refusal: bool = True) -> bool:
        """Ring the customer of a callback claimed for REST (its token goes into the URLs
        Twilio calls back); False if the call may not be ringing (`not_placed` says what
        becomes of the claim)."""
        try:
            placed = self.create_call(callback)
        except Exception as error:  # noqa: BLE001 - any failure: the claim decides, not a crash
            self.not_placed(engine, callback, now, error, space_refusal)
            return False
        sid = getattr(placed, "sid", None)
        if isinstance(sid, str) and sid:  # what `holdwell callbacks` asks Twilio about if
            callback_rest.note_placed(engine, callback.call_id, callback.claim or "", sid)
        return True  # the claim outlives any ring (app.claim_checks)

    def create_call(self, callback: Callback) -> object:
        """The customer's call, as Twilio's REST API created it (a CallInstance)."""
        options = {"machine_detection": "Enable"} if self.settings.answering_machine_detection \
            else {}
        return self.client.calls.create(
            to=callback.number, from_=self.support_number, method="POST",
            url=self.url("rest-answer", callback),
            status_callback=self.url("rest-status", callback),
            status_callback_event=["completed"], status_callback_method="POST",
            timeout=self.settings.ring_timeout_s, **options)

    def not_placed(self, engine: Engine, callback: Callback, now: datetime,
                   error: Exception, space_refusal: bool) -> None:
        """A number Twilio will never call fails the callback now (asking again changes
        nothing, and it must not hold up the line); any other refusal (a 4xx: no call was
        made) releases it to its place, due again after min_retry_after_s if
        `space_refusal` (in turn, the head asked again at once would hold up those behind
        it); an uncertain failure (a timeout, a dropped connection, a 5xx) keeps the claim:
        Twilio may have placed the call, whose status callback settles the claim, else the
        claim times out."""
        if refusal_code(error) in NUMBER_REFUSED:
            self.fail_refused(engine, callback, now, error)
        elif space_refusal and refused(error) and not rate_limited(error) and \
                callback_rest.last_result(engine, callback.call_id) == refusal(error):
            # customer-first (REST the only way): refused the same way again, it counts; an
            # at-risk rescue's refusal never does (an agent may still take it at once)
            self.fail_refused(engine, callback, now, error,
                              max_attempts=self.settings.max_attempts, text=False)
        elif refused(error):
            if rate_limited(error):
                self.rate_limit.until = now + timedelta(seconds=self.settings.min_retry_after_s)
                log.warning("Twilio's REST rate limit (429): no callback is placed by REST "
                            "for %d s", self.settings.min_retry_after_s)
            delay_s = self.settings.min_retry_after_s if space_refusal else 0
            log.warning("REST callback to %s refused (%s); it keeps its place, due again in "
                        "%d s", callback.call_id, without_numbers(error), delay_s)
            callback_rest.release(engine, callback.call_id, callback.claim or "",
                                  not_before=now + timedelta(seconds=delay_s)
                                  if space_refusal else None,
                                  result=None if rate_limited(error) else refusal(error))
        else:
            log.warning("REST callback to %s may have been placed (%s); its claim is kept "
                        "until its status arrives or %d s pass", callback.call_id,
                        without_numbers(repr(error)),
                        self.settings.claim_timeout_s)

    def fail_refused(self, engine: Engine, callback: Callback, now: datetime,
                     error: Exception, max_attempts: int = 1, text: bool = True) -> None:
        """A refusal counted as an attempt: with `max_attempts` 1 (a number Twilio will never
        call) the callback fails at once; a refusal repeated (the account's, say: an
        unverified caller ID, a suspended account) counts as an unanswered attempt, so the
        promise fails honestly after the last one instead of waiting for ever. Either way,
        visibly: CALLBACK_ATTEMPT/FAILED and the callback's last_result (32 characters) name
        Twilio's error code, the log its message; with `text`, the customer is texted as
        after any failure (not when they were never rung: "we tried to call you" is false)."""
        reason = refusal(error)
        log.error("callback %s to %s cannot be placed (%s, attempt counted; %s)",
                  callback.call_id, mask_number(callback.number), reason,
                  without_numbers(getattr(error, "msg", error)))
        with engine.begin() as conn:
            result = apply(conn, c.CallbackUnanswered(
                call_id=callback.call_id, now=now, claim=callback.claim, result=reason,
                attempt_key=f"refused:{callback.claim}", max_attempts=max_attempts,
                retry_after_s=self.settings.retry_after_s, text_if_failed=text))
        if result == "failed":
            send_owed(engine, self.client, self.settings, self.support_number, now,
                      callback.call_id, self.languages)


NUMBER_REFUSED = frozenset({21211, 21214, 21215, 21216, 21217, 21219})
"""Twilio errors (twilio.com/docs/api/errors) saying this account cannot call this number:
invalid (21211, 21217), unreachable (21214), its country not enabled (21215), blocked or
premium (21216), unverified on a trial account (21219). Asking again changes nothing."""


def refusal_code(error: Exception) -> int | None:
    """Twilio's error code, when Twilio answered with an error."""
    return error.code if isinstance(error, TwilioRestException) else None


def refusal(error: Exception) -> str:
    """How a refusal is kept in a callback's last_result (its 32 characters)."""
    return f"refused by Twilio {refusal_code(error)}"


def rate_limited(error: Exception) -> bool:
    """Twilio said too many requests (HTTP 429, error 20429)."""
    return isinstance(error, TwilioRestException) and (error.status == 429
                                                       or error.code == 20429)


def refused(error: Exception) -> bool:
    """Twilio answered 4xx: the request was refused, so no call was made."""
    return isinstance(error, TwilioRestException) and 400 <= (error.status or 0) < 500
