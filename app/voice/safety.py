"""The safety net at the edge: whatever fails, a caller hears valid TwiML, never an error.

Twilio ejects a caller whose waitUrl answer is slow, failing or invalid (QueueResult=error),
so each route has a safe answer that needs neither the database nor the config.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from app.twiml import render_segment, twiml_response
from hold_policies.base import HoldPolicy, spoken
from hold_policies.steps import SAFE_HOLD_SEGMENT, Segment, SegmentKind

log = logging.getLogger("holdwell.voice")

FALLBACK_QUEUE = "support"
BACK_IN_LINE = "Sorry about that. You are still in line."
QUEUE_FULL = "Sorry, our line is full right now. Please call again a little later."
CONNECTING = "Thank you for waiting. Connecting you to an agent now."
CHOICE_FAILED = "Sorry, we could not take that choice just now. You keep your place in line."
NO_CALLBACK = (
    "Sorry, we cannot arrange a call back to the number you are calling from. "
    "You keep your place in line."
)


def callback_unavailable(policy: HoldPolicy) -> Segment:
    """Said instead of a confirmation when no callback could be arranged: they keep waiting."""
    return spoken(policy.voice, SegmentKind.ACKNOWLEDGE, NO_CALLBACK)


def safe_response(endpoint: str | None) -> Response:
    """The answer for `endpoint` when its view failed: keeps the caller in line."""
    response = VoiceResponse()
    queue = request.args.get("queue") or FALLBACK_QUEUE
    if endpoint == "voice.incoming":
        response.enqueue(queue, wait_url=f"/voice/wait?queue={queue}", wait_url_method="POST",
                         action=f"/voice/queue-result?queue={queue}", method="POST")
    elif endpoint == "voice.agent":  # the agent stays in their loop, whatever failed
        dial = response.dial(timeout=30, action=f"/voice/agent?queue={queue}", method="POST")
        dial.queue(queue, url=f"/voice/connect?queue={queue}", method="POST")
    elif endpoint in ("voice.connect", "voice.callback_answer"):
        response.say(CONNECTING)
    elif endpoint in ("voice.choice", "voice.callback_confirm", "voice.callback_entry"):
        response.say(CHOICE_FAILED)
    elif endpoint == "voice.callback_dial_result":  # the agent goes on to the next caller
        response.redirect(f"/voice/agent?queue={queue}", method="POST")
    elif endpoint == "voice.queue_result":
        response.hangup()
    elif endpoint == "voice.status":
        return Response(status=503)  # not heard by anyone; a 5xx lets Twilio's retry redeliver
    else:
        response = render_segment(SAFE_HOLD_SEGMENT, choice_url="")
    return twiml_response(response)


def install(bp: Blueprint) -> None:
    @bp.errorhandler(Exception)
    def keep_caller_waiting(error: Exception) -> Response | HTTPException:
        if isinstance(error, HTTPException):  # a bad signature stays a 403, bad input a 400
            return error
        log.exception("voice route %s failed; answering its safe TwiML", request.endpoint)
        return safe_response(request.endpoint)

