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
from app.twiml import say, twiml_response
from app.voice import overflow, reason
from app.voice.blueprint import bp
from app.voice.context import this_route
from app.voice.forms import CallbackLegForm, RouteParams
from app.voice.safety import falls_back_to
from app.voice.urls import voice_url

log = logging.getLogger("holdwell.callbacks")
UNANSWERED = {"busy", "no-answer", "failed", "canceled"}


def claim_for_agent(queue: str, agent_call_id: str) -> Callback | None:
    """The oldest due callback for this agent (raises DatabaseUnavailable past the budget);
    none while the queue is closed (callbacks are never dialled outside opening hours), nor in
    a customer-first queue, where the callback worker rings the customer first."""
    svc = services()
    now = svc.clock.now()
    if not svc.config.is_open(queue, now) or queue in svc.config.customer_first_queues():
        return None
    return svc.store.read(
        lambda conn: callback_queue.claim_next(conn, queue, agent_call_id, now), g.deadline)


def dial_customer(claim: Callback, params: RouteParams, line_number: str | None) -> VoiceResponse:
    """The agent hears the context, then the customer's phone rings from the support number."""
    svc = services()
    settings = svc.config.callbacks
    policy = svc.policy(params.queue, None)
    minutes = max(math.ceil((svc.clock.now() - claim.entered_at).total_seconds() / 60), 1)
    response = VoiceResponse()
    words = "1 minute" if minutes == 1 else f"{minutes} minutes"
    say(response, policy.voice, policy.prompts.agent_callback_context.format(minutes=words))
    if (told := reason.for_callback(claim.queue, policy, claim.call_id)) is not None:
        say(response, policy.voice, told)  # what the customer told us while waiting
    overflow.tell_message(response, claim, policy)  # a message they left: heard first
    caller_id = svc.config.line.support_number or line_number
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


def greeting() -> VoiceResponse:
    """The customer picked up: they are greeted, and the agent is already on the line."""
    policy = this_route().policy
    response = VoiceResponse()
    say(response, policy.voice, policy.prompts.callback_greeting)
    return response


@bp.post("/callback/answer")
@falls_back_to(greeting)
def callback_answer() -> Response:
    """The customer's leg answered: a person is connected; a machine is an unanswered attempt."""
    leg = CallbackLegForm.parse(request.form, request.args)
    if leg.reached_a_machine:
        unanswered(leg, "voicemail", attempt_key=leg.leg or leg.answered_by)
        response = VoiceResponse()
        response.hangup()
        return twiml_response(response)
    svc = services()
    svc.store.write(c.CallbackConnected(call_id=leg.call_id, now=svc.clock.now(),
                                        claim=leg.claim), g.deadline)
    return twiml_response(greeting())


def on_to_the_next_caller() -> VoiceResponse:
    response = VoiceResponse()
    response.redirect(voice_url("agent", this_route().params.queue_only()), method="POST")
    return response


@bp.post("/callback/dial-result")
@falls_back_to(on_to_the_next_caller)
def callback_dial_result() -> Response:
    """The agent's Dial ended; if the customer never picked up, retry later or give up."""
    leg = CallbackLegForm.parse(request.form, request.args)
    response = VoiceResponse()
    if leg.dial_status in UNANSWERED:
        unanswered(leg, leg.dial_status, attempt_key=leg.dial_leg or leg.leg or leg.dial_status)
        policy = this_route().policy
        say(response, policy.voice, policy.prompts.agent_callback_missed)
    for verb in on_to_the_next_caller().verbs:
        response.append(verb)
    return twiml_response(response)


def unanswered(leg: CallbackLegForm, result: str, *, attempt_key: str,
               final: bool = False) -> None:
    """One attempt nobody answered, for the claim named in the URL (journaled if need be);
    `final`: the customer had answered and hung up before an agent came — no more attempts."""
    svc = services()
    settings = svc.config.callbacks
    command = c.CallbackUnanswered(
        call_id=leg.call_id, now=svc.clock.now(), claim=leg.claim, result=result,
        attempt_key=attempt_key, max_attempts=settings.max_attempts,
        retry_after_s=settings.retry_after_s, soonest_retry_s=settings.min_retry_after_s,
        retry_margin_s=settings.at_risk_margin_s, final=final)
    written = svc.store.write(command, g.deadline)
    log.info("callback %s attempt: %s -> %s", leg.call_id, result,
             written.value if written.stored else "journaled")
    if written.value == "failed" and (settings.sms_on_failure or settings.sms_confirm):
        callback = callback_queue.get(svc.store.engine, leg.call_id)
        send_sms(svc.rest_client, to=callback.number, from_=svc.config.line.support_number,
                 body=settings.sms_text)
