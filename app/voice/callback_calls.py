"""Placing callbacks from the agent's call, so the customer never picks up only to wait again.

The agent's /voice/agent request claims the oldest callback when it entered the line before
the head of the Twilio queue; the agent hears who it is and how long they have waited, then
`<Dial><Number>` rings the customer with the support number as caller ID. The Number's url
runs when the customer answers (the connect moment, or voicemail); the Dial's action reports
busy / no-answer / failed, which schedules a retry or, after the last attempt, a failure.
"""

from __future__ import annotations

import logging
import math

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import callback_queue
from app.storage import commands as c
from app.storage.callback_queue import Callback
from app.twilio_rest import send_sms
from app.twiml import twiml_response
from app.voice.blueprint import bp
from app.voice.forms import RouteParams
from app.voice.urls import voice_url
from hold_policies.prompts import Prompts

log = logging.getLogger("holdwell.callbacks")
UNANSWERED = {"busy", "no-answer", "failed", "canceled"}


def claim_for_agent(queue: str, agent_call_id: str) -> Callback | None:
    """The oldest due callback for this agent (raises DatabaseUnavailable past the budget)."""
    svc = services()
    now = svc.clock.now()
    return svc.store.read(
        lambda conn: callback_queue.claim_next(conn, queue, agent_call_id, now), g.deadline)


def prompts_for(queue: str) -> tuple[Prompts, str | None, str | None]:
    svc = services()
    policy = svc.policy(queue, None)
    prompts = policy.prompts
    return prompts, policy.voice.voice, policy.voice.language


def dial_customer(claim: Callback, params: RouteParams) -> VoiceResponse:
    """The agent hears the context, then the customer's phone rings from the support number."""
    svc = services()
    settings = svc.config.callbacks
    prompts, voice, language = prompts_for(params.queue)
    minutes = max(math.ceil((svc.clock.now() - claim.entered_at).total_seconds() / 60), 1)
    response = VoiceResponse()
    words = "1 minute" if minutes == 1 else f"{minutes} minutes"
    response.say(prompts.agent_callback_context.format(minutes=words), voice=voice,
                 language=language)
    caller_id = svc.config.line.support_number or request.form.get("To") or None
    fence = {"call": claim.call_id, "claim": claim.claim or ""}
    dial = response.dial(caller_id=caller_id, timeout=settings.ring_timeout_s, method="POST",
                         action=voice_url("callback/dial-result", params, **fence))
    dial.number(claim.number, url=voice_url("callback/answer", params, **fence),
                method="POST",
                machine_detection="Enable" if settings.answering_machine_detection else None)
    return response


def take_called_back(params: RouteParams) -> VoiceResponse:
    """A customer called back through the REST API waits in the priority queue: take them."""
    from app.storage.callback_rest import priority_queue

    response = VoiceResponse()
    dial = response.dial(action=voice_url("agent", params), method="POST")
    dial.queue(priority_queue(params.queue), url=voice_url("callback/rest-connect", params),
               method="POST")
    return response


@bp.post("/callback/answer")
def callback_answer() -> Response:
    """The customer's leg answered: a person is connected; a machine is an unanswered attempt."""
    svc = services()
    call_id = request.args.get("call", "")
    answered_by = request.form.get("AnsweredBy", "human")
    response = VoiceResponse()
    if answered_by.startswith(("machine", "fax")):
        unanswered(call_id, "voicemail", attempt_key=request.form.get("CallSid", answered_by))
        response.hangup()
        return twiml_response(response)
    svc.store.write(c.CallbackConnected(call_id=call_id, now=svc.clock.now(),
                                        claim=request.args.get("claim") or None), g.deadline)
    prompts, voice, language = prompts_for(services().queue_name(request.args.get("queue")))
    response.say(prompts.callback_greeting, voice=voice, language=language)
    return twiml_response(response)


@bp.post("/callback/dial-result")
def callback_dial_result() -> Response:
    """The agent's Dial ended; if the customer never picked up, retry later or give up."""
    call_id = request.args.get("call", "")
    status = request.form.get("DialCallStatus", "")
    params = RouteParams(services().queue_name(request.args.get("queue")), None, "")
    response = VoiceResponse()
    if status in UNANSWERED:
        attempt_key = request.form.get("DialCallSid") or request.form.get("CallSid", status)
        unanswered(call_id, status, attempt_key=attempt_key)
        prompts, voice, language = prompts_for(params.queue)
        response.say(prompts.agent_callback_missed, voice=voice, language=language)
    response.redirect(voice_url("agent", params), method="POST")  # on to the next caller
    return twiml_response(response)


def unanswered(call_id: str, result: str, *, attempt_key: str) -> None:
    """One attempt nobody answered, for the claim named in the URL (journaled if need be)."""
    svc = services()
    settings = svc.config.callbacks
    command = c.CallbackUnanswered(
        call_id=call_id, now=svc.clock.now(), claim=request.args.get("claim") or None,
        result=result, attempt_key=attempt_key, max_attempts=settings.max_attempts,
        retry_after_s=settings.retry_after_s)
    written = svc.store.write(command, g.deadline)
    log.info("callback %s attempt: %s -> %s", call_id, result,
             written.value if written.stored else "journaled")
    if written.value == "failed" and settings.sms_on_failure:
        callback = callback_queue.get(svc.store.engine, call_id)
        send_sms(svc.rest_client, to=callback.number, from_=svc.config.line.support_number,
                 body=settings.sms_text)
