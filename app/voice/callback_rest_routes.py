"""The customer's side of a callback placed through the REST API (see app.callback_placer).

Answered by a person: a greeting, then the queue's priority queue, which the next agent takes
before anyone else (`/voice/agent`). Voicemail, busy, no answer, or hanging up before an
agent came: an unanswered attempt, retried later like any other.
"""

from __future__ import annotations

import logging

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import callback_rest
from app.storage import commands as c
from app.storage.deadline import DatabaseUnavailable
from app.twiml import twiml_response
from app.voice.blueprint import bp
from app.voice.callback_calls import prompts_for, unanswered
from app.voice.forms import RouteParams
from app.voice.urls import voice_url

HOLD_SEGMENT_S = 15
log = logging.getLogger("holdwell.callbacks")


def _params() -> tuple[str, RouteParams]:
    queue = services().queue_name(request.args.get("queue"))
    return request.args.get("call", ""), RouteParams(queue, None, "")


@bp.post("/callback/rest-answer")
def callback_rest_answer() -> Response:
    call_id, params = _params()
    leg = request.form.get("CallSid", "")
    response = VoiceResponse()
    if request.form.get("AnsweredBy", "human").startswith(("machine", "fax")):
        unanswered(call_id, "voicemail", attempt_key=leg or "rest-voicemail")
        response.hangup()
        return twiml_response(response)
    svc = services()
    svc.store.write(c.CallbackOnLine(call_id=call_id, now=svc.clock.now(),
                                     claim=request.args.get("claim") or None, leg_sid=leg),
                    g.deadline)  # journaled if need be: the customer is greeted regardless
    prompts, voice, language = prompts_for(params.queue)
    response.say(prompts.callback_greeting, voice=voice, language=language)
    response.enqueue(callback_rest.priority_queue(params.queue), method="POST",
                     wait_url=voice_url("callback/rest-wait", params), wait_url_method="POST",
                     action=voice_url("callback/rest-result", params, call=call_id,
                                      claim=request.args.get("claim", "")))
    return twiml_response(response)


@bp.post("/callback/rest-wait")
def callback_rest_wait() -> Response:
    """A short silence: the next free agent takes this customer first."""
    response = VoiceResponse()
    response.pause(length=HOLD_SEGMENT_S)
    return twiml_response(response)


@bp.post("/callback/rest-connect")
def callback_rest_connect() -> Response:
    """The Queue url, just before the bridge: the promise is kept now."""
    svc = services()
    leg = request.form.get("CallSid", "")
    try:
        call_id = svc.store.read(lambda conn: callback_rest.call_for_leg(conn, leg), g.deadline)
    except DatabaseUnavailable:
        call_id = None
        log.warning("could not look up the REST leg %s; the agent is connected anyway", leg)
    if call_id:
        svc.store.write(c.CallbackConnected(call_id=call_id, now=svc.clock.now()), g.deadline)
    prompts, voice, language = prompts_for(svc.queue_name(request.args.get("queue")))
    response = VoiceResponse()
    response.say(prompts.connecting, voice=voice, language=language)
    return twiml_response(response)


@bp.post("/callback/rest-result")
def callback_rest_result() -> Response:
    """Out of the priority queue: a hang-up there is one more unanswered attempt."""
    call_id, _ = _params()
    if request.form.get("QueueResult") in ("hangup", "error", "system-error"):
        unanswered(call_id, "hung up waiting", attempt_key=request.form.get("CallSid", "rest"))
    response = VoiceResponse()
    response.hangup()
    return twiml_response(response)


@bp.post("/callback/rest-status")
def callback_rest_status() -> Response:
    call_id, _ = _params()
    status = request.form.get("CallStatus", "")
    if status in ("busy", "no-answer", "failed", "canceled"):
        unanswered(call_id, status, attempt_key=request.form.get("CallSid", status))
    return Response(status=204)
