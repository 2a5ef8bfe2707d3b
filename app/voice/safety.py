"""The safety net at the edge: whatever fails, a caller hears valid TwiML, never an error.

Twilio ejects a caller whose waitUrl answer is slow, failing or invalid (QueueResult=error).
Each route declares its own safe answer next to it (`@falls_back_to(...)`), built from the
config in memory and the request's URL, never from the database: the route knows what its
caller or agent must hear when something behind it fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, g, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import BadRequest, HTTPException

from app.services import services
from app.twiml import render_segment, say, twiml_response
from app.voice.context import this_route
from hold_policies.base import HoldPolicy, Voice, spoken
from hold_policies.languages import language_of
from hold_policies.steps import SAFE_HOLD_SEGMENT, Segment, SegmentKind

log = logging.getLogger("holdwell.voice")



def fixed_text(voice: Voice, name: str) -> str:
    """A text of the safety net (hold_policies.languages.FIXED_TEXTS) in the queue's
    language: English for a language not built in."""
    return language_of(voice.language).text(name)

SafeAnswer = Callable[[], VoiceResponse | Response]
FALLBACKS: dict[str, SafeAnswer] = {}
"""Each voice endpoint's safe answer, registered by `falls_back_to` beside the route."""


def falls_back_to(answer: SafeAnswer) -> Callable:
    """Declare what `view` answers when it fails (used under `@bp.post`)."""

    def register(view: Callable) -> Callable:
        FALLBACKS[f"voice.{view.__name__}"] = answer
        return view

    return register


def hold_in_line() -> VoiceResponse:
    """A pause: the wait document ends and Twilio asks again, the caller keeps their place."""
    return render_segment(SAFE_HOLD_SEGMENT, choice_url="")


def not_taken() -> Response:
    """For requests no one hears (status callbacks): a 5xx, which Twilio redelivers when the
    URL carries connection overrides (#rc=, #rp=; see the README)."""
    return Response(status=503)


def choice_not_taken() -> VoiceResponse:
    """The key could not be acted on: they hear so in the queue's voice, the wait carries on."""
    response = VoiceResponse()
    voice = this_route().policy.voice
    say(response, voice, fixed_text(voice, "choice_failed"))
    return response


def callback_unavailable(policy: HoldPolicy) -> Segment:
    """Said instead of a confirmation when the request could not be stored: they keep
    waiting (a promise is only made once it is kept in the database). Nothing is wrong with
    their number (that has its own words), so they are not told so, and may well ask again."""
    return spoken(policy.voice, SegmentKind.ACKNOWLEDGE,
                  fixed_text(policy.voice, "callback_not_now"))


def safe_answer(endpoint: str | None) -> Response:
    """The declared answer for `endpoint`; a pause if even that fails (it must not)."""
    answer = FALLBACKS.get(endpoint or "", hold_in_line)
    try:
        result = answer()
    except Exception:  # noqa: BLE001 - the last line of defence: the caller hears a pause
        log.exception("the safe answer of %s failed too; answering a pause", endpoint)
        result = hold_in_line()
    return result if isinstance(result, Response) else twiml_response(result)


def signed_by_twilio() -> bool:
    """Whether this request passed the signature check (`g.deadline` is set after it), or,
    failing before it (an app-wide before_request: the live config's look-up thread could not
    start), passes it now: a caller's request still gets its safe answer, a forged one never
    does (a form the signature could not be computed over had been answered an Enqueue)."""
    if "deadline" in g:
        return True
    try:
        svc = services()
        return not svc.settings.validate_signatures or svc.signatures.problem(request) is None
    except Exception:  # noqa: BLE001 - whatever cannot be checked is not taken as Twilio's
        return False


def install(bp: Blueprint) -> None:
    @bp.errorhandler(Exception)
    def keep_caller_waiting(error: Exception) -> Response | HTTPException:
        if isinstance(error, HTTPException):  # a bad signature stays a 403, bad input a 400
            return error
        if not signed_by_twilio():  # failed before its signature was verified: no caller's
            log.warning("voice request for %s failed before its signature was checked "
                        "(%s); answering 400", request.path, type(error).__name__)
            return BadRequest(description="this request could not be checked as a Twilio "
                                          f"webhook ({type(error).__name__})")
        log.exception("voice route %s failed; answering its safe TwiML", request.endpoint)
        return safe_answer(request.endpoint)
