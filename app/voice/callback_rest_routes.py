"""The customer's side of a callback placed through the REST API (see app.callback_placer).

Answered by a person: a greeting, then the queue's priority queue, which the next agent takes
before anyone else (`/voice/agent`); the seconds they waited there (Twilio's QueueTime at the
bridge) go into CALLBACK_CONNECT as `held_s`. Voicemail, busy or no answer: an unanswered
attempt, retried later like any other. A customer who answered and then hung up before an
agent came (the queue's hangup) is never dialled again: the callback fails with "hung up
after answering"; a leg completing while still on the line with no queue result heard is
held for no longer, and ends so only END_UNHEARD_S later (app.claim_checks). One answered
on their own call while the REST call was on its way (the callback cancelled) is told so,
not held.
"""

from __future__ import annotations

import logging
import math

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.claim_checks import HUNG_UP_AFTER_ANSWERING
from app.services import services
from app.storage import callback_rest
from app.storage import commands as c
from app.twiml import say, say_and_hang_up, twiml_response
from app.voice.blueprint import bp
from app.voice.callback_calls import already_helped, talk_ended, unanswered
from app.voice.context import this_route
from app.voice.forms import CallbackLegForm, number, sid
from app.voice.routes import connecting
from app.voice.safety import falls_back_to, fixed_text, not_taken
from app.voice.urls import voice_url

HOLD_SEGMENT_S = 15
log = logging.getLogger("holdwell.callbacks")


def greet_and_hold() -> VoiceResponse:
    """The customer picked up: greet them and hold them where the next agent looks first
    (told they hold for the next free agent: no agent is on the line yet)."""
    route = this_route()
    params = route.params.queue_only()
    fence = {"call": request.args.get("call", ""), "claim": request.args.get("claim", "")}
    response = VoiceResponse()
    say(response, route.policy.voice, route.policy.prompts.callback_held_greeting)
    response.enqueue(callback_rest.priority_queue(params.queue), method="POST",
                     wait_url=voice_url("callback/rest-wait", params), wait_url_method="POST",
                     action=voice_url("callback/rest-result", params, **fence))
    return response


@bp.post("/callback/rest-answer")
@falls_back_to(greet_and_hold)
def callback_rest_answer() -> Response:
    leg = CallbackLegForm.parse(request.form, request.args)
    if leg.reached_a_machine:
        unanswered(leg, "voicemail", attempt_key=leg.leg or "rest-voicemail")
        response = VoiceResponse()
        response.hangup()
        return twiml_response(response)
    svc = services()
    written = svc.store.write(c.CallbackOnLine(call_id=leg.call_id, now=svc.clock.now(),
                                               claim=leg.claim, leg_sid=leg.leg or ""),
                              g.deadline)  # journaled: the customer is greeted regardless
    if written.stored and written.value is False:  # answered on their own call meanwhile
        return twiml_response(already_helped())
    return twiml_response(greet_and_hold())


def short_silence(pause_s: int = HOLD_SEGMENT_S) -> VoiceResponse:
    """A short silence: the next free agent takes this customer first."""
    response = VoiceResponse()
    response.pause(length=pause_s)
    return response


STILL_HELD_EVERY_S = 60
"""How often a held customer hears that they are still connected (as the check-ins' minute)."""


def until_the_minute_s(held_s: float) -> int:
    """The silence before the next request: HOLD_SEGMENT_S, or less, so that it comes as
    the next minute of holding begins. Fixed 15 s pauses and each request's own second
    stepped over the minute's first 15 s, where the line is said: customers held 2 minutes
    in dead air between two of them (caller audit)."""
    to_the_minute = STILL_HELD_EVERY_S - held_s % STILL_HELD_EVERY_S
    return max(1, min(HOLD_SEGMENT_S, math.ceil(to_the_minute)))


@bp.post("/callback/rest-wait")
@falls_back_to(short_silence)
def callback_rest_wait() -> Response:
    """Silence, and about once a minute (Twilio's QueueTime entering a new minute) a line
    saying they are still connected: a customer who answered never holds minutes in dead air."""
    held_s = number(request.form, "QueueTime", 0.0)
    if held_s < STILL_HELD_EVERY_S or held_s % STILL_HELD_EVERY_S >= HOLD_SEGMENT_S:
        return twiml_response(short_silence(until_the_minute_s(held_s)))
    policy = this_route().policy
    response = VoiceResponse()
    behind = number(request.form, "QueuePosition", 1.0) > 1  # another customer holds ahead:
    # "next for our first free agent" would not be true for them
    say(response, policy.voice, fixed_text(policy.voice, "still_held_behind") if behind
        else policy.prompts.callback_still_held)
    response.pause(length=HOLD_SEGMENT_S)
    return twiml_response(response)


@bp.post("/callback/rest-connect")
@falls_back_to(connecting)
def callback_rest_connect() -> Response:
    """The Queue url, just before the bridge: the promise is kept now."""
    svc = services()
    leg_sid = sid(request.form, "CallSid")  # the customer's leg, taken from the queue
    held_s = number(request.form, "QueueTime")  # their wait after answering
    agent_call_id = sid(request.form, "DequeingCallSid", optional=True)
    svc.store.write(c.CallbackLegConnected(call_id=leg_sid, now=svc.clock.now(),
                                           held_s=held_s, agent_call_id=agent_call_id),
                    g.deadline)  # journaled if need be: the agent is connected regardless
    return twiml_response(connecting())


def hang_up() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


@bp.post("/callback/rest-result")
@falls_back_to(hang_up)
def callback_rest_result() -> Response:
    """Out of the priority queue: bridged to an agent, the promise was kept (said again
    here, for the claim in this URL: the connect moment's own write may have been lost, as
    it must find the callback from the leg); the customer hanging up there ends the callback
    (they answered: never dialled twice); Twilio failing them out (its error, the priority
    queue full) is an unanswered attempt, said to them."""
    leg = CallbackLegForm.parse(request.form, request.args)
    if leg.queue_result == "bridged":  # asked once the bridged conversation has ended
        connected_when_bridged(leg)
        talk_ended(leg)
    elif leg.queue_result == "hangup":
        unanswered(leg, HUNG_UP_AFTER_ANSWERING, attempt_key=leg.leg or "rest", final=True)
    elif leg.queue_result in ("error", "system-error", "queue-full"):
        became = unanswered(leg, f"queue {leg.queue_result}", attempt_key=leg.leg or "rest",
                            reached=True)  # told on the line (`not_held`): no text owed
        return twiml_response(not_held(became))
    return twiml_response(hang_up())


def not_held(became: str | None) -> VoiceResponse:
    """Twilio refused the answered customer the priority queue (full, or its error): they
    hear why the call ends, and that we call again only when that attempt was stored so."""
    voice = this_route().policy.voice
    then = {"pending": "calling_again", "failed": "not_calling_again"}.get(became or "")
    words = " ".join(fixed_text(voice, name) for name in ("not_held", then) if name)
    return say_and_hang_up(VoiceResponse(), voice, words)


def connected_when_bridged(leg: CallbackLegForm) -> None:
    """The kept promise, from the priority queue's result (journaled if need be; a no-op
    when /voice/callback/rest-connect already recorded it)."""
    svc = services()
    svc.store.write(c.CallbackConnected(call_id=leg.call_id, now=svc.clock.now(),
                                        claim=leg.claim,
                                        held_s=number(request.form, "QueueTime")), g.deadline)


@bp.post("/callback/rest-status")
@falls_back_to(not_taken)
def callback_rest_status() -> Response:
    """The leg's real end: busy, no answer, failed or canceled are an unanswered attempt; a
    completed leg whose customer is still on the line (we never heard the queue's result:
    it may be journaled on a host cut off, a bridge to an agent as well as a hang-up) is no
    longer held for, and ends as a hang-up after answering only if nothing else is heard
    within END_UNHEARD_S (app.claim_checks). If it fails, a 503 (never a 200 that loses the
    attempt)."""
    leg = CallbackLegForm.parse(request.form, request.args)
    if leg.status in ("busy", "no-answer", "failed", "canceled"):
        unanswered(leg, leg.status, attempt_key=leg.leg or leg.status)
    elif leg.status == "completed":  # a no-op unless the callback is still on the line
        unanswered(leg, HUNG_UP_AFTER_ANSWERING, attempt_key=leg.leg or "rest", final=True,
                   end_unheard=True)
    return Response(status=204)
