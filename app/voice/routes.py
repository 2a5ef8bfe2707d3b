"""Voice webhooks. Each view reads the form, asks the policy, logs, and renders.

Database work is bounded by the request's deadline (`g.deadline`, set with the signature
check): a write that misses it is journaled and applied later, a read that misses it leaves
the policy to run without history. A caller never waits on the database past the budget.
"""

from __future__ import annotations

import logging

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from app.services import services
from app.storage import callback_rest
from app.storage import commands as c
from app.storage.call_log import Poll
from app.storage.deadline import DatabaseUnavailable
from app.twiml import cached_twiml, render_segment, render_steps, spoken_text, twiml_response
from app.voice import callback_calls, callback_flow, callback_rest_routes, safety  # noqa: F401
from app.voice.blueprint import bp
from app.voice.forms import RouteParams, WaitForm, number, required
from app.voice.situations import situation_from_form, situation_from_poll
from app.voice.urls import audio_url, voice_url
from hold_policies.base import Choice
from hold_policies.factory import assign
from hold_policies.steps import Segment

log = logging.getLogger("holdwell.voice")
AGENT_WAIT_S = 30
AGENT_RETRY_S = 5


def enqueue(response: VoiceResponse, params: RouteParams) -> VoiceResponse:
    response.enqueue(params.queue, action=voice_url("queue-result", params),
                     method="POST", wait_url=voice_url("wait", params), wait_url_method="POST")
    return response


@bp.post("/incoming")
def incoming() -> Response:
    call_id = required(request.form, "CallSid")
    svc = services()
    queue = svc.queue_name(request.args.get("queue"))
    assignment = assign(svc.config.queues[queue], call_id)
    params = RouteParams(queue, assignment.policy, assignment.arm)
    svc.store.write(c.BeginCall(call_id=call_id, now=svc.clock.now(), queue=queue,
                                policy=assignment.policy, arm=assignment.arm,
                                from_number=request.form.get("From")), g.deadline)

    def build() -> VoiceResponse:
        welcome = svc.policy(queue, assignment.policy).welcome()
        response = render_segment(welcome, choice_url=voice_url("choice", params),
                                  audio_url=audio_url)
        return enqueue(response, params)

    return twiml_response(cached_twiml(svc.twiml_cache, ("incoming", params), build))


@bp.post("/wait")
def wait() -> Response:
    form = WaitForm.parse(request.form)
    svc = services()
    params = RouteParams.from_request()
    queue = svc.queue_name(params.queue)
    policy = svc.policy(queue, params.policy)
    now = svc.clock.now()

    def announcement(segment: Segment) -> c.Announce | None:
        if not segment.is_announcement:
            return None
        return c.Announce(
            call_id=form.call_id, now=now, queue=queue, policy=policy.name, arm=params.arm,
            queue_time_s=form.queue_time_s, episode=params.episode,
            position=segment.announced_position, kind=segment.kind.value,
            announced_wait_s=segment.announced_wait_s, keys=tuple(segment.offered_keys),
            text=spoken_text(segment))

    def decide(poll: Poll) -> tuple[Segment, c.Announce | None]:
        segment = policy.next_segment(
            situation_from_poll(form, poll, svc.config.estimate, now, params.episode))
        return segment, announcement(segment)

    polled = svc.store.poll(c.NotePoll(
        call_id=form.call_id, now=now, queue=queue, policy=policy.name, arm=params.arm,
        queue_time_s=form.queue_time_s, position=form.position, episode=params.episode),
        g.deadline, decide)
    if polled is not None:
        segment = polled[1]
    else:  # no history: the policy promises nothing, and what was said is journaled
        segment = policy.next_segment(situation_from_form(form, queue))
        if (said := announcement(segment)) is not None:
            svc.store.write(said, g.deadline)
    choice_url = voice_url("choice", RouteParams(queue, policy.name, params.arm, params.episode))
    return twiml_response(cached_twiml(
        svc.twiml_cache, ("segment", segment, choice_url),
        lambda: render_segment(segment, choice_url=choice_url, audio_url=audio_url)))


@bp.post("/choice")
def choice() -> Response:
    form = WaitForm.parse(request.form)
    digit = request.form.get("Digits", "").strip()[:1]
    if not digit:
        return twiml_response(VoiceResponse())  # no key: the wait document carries on
    svc = services()
    params = RouteParams.from_request()
    queue = svc.queue_name(params.queue)
    policy = svc.policy(queue, params.policy)
    now = svc.clock.now()
    poll = svc.store.snapshot(form.call_id, now, g.deadline)  # None: decide without history
    if poll is not None:
        form = form.with_logged_place(poll.call, now)
    situation = (situation_from_poll(form, poll, svc.config.estimate, now, params.episode)
                 if poll else situation_from_form(form, queue))
    decision = policy.on_key(situation, digit)
    svc.store.write(c.KeyPress(call_id=form.call_id, now=now, queue=queue, policy=policy.name,
                               arm=params.arm, queue_time_s=form.queue_time_s,
                               episode=params.episode, digit=digit,
                               choice=decision.choice.value), g.deadline)
    params = RouteParams(queue, policy.name, params.arm, params.episode)
    if decision.choice is Choice.CALLBACK:
        if poll is None:  # nothing can be promised without the call log
            return twiml_response(render_segment(safety.callback_unavailable(policy),
                                                 choice_url="", audio_url=audio_url))
        return twiml_response(callback_flow.ask_for_number(policy, params))
    choice_url = voice_url("choice", params)
    return twiml_response(render_segment(decision.segment, choice_url=choice_url,
                                         audio_url=audio_url))


@bp.post("/queue-result")
def queue_result() -> Response:
    """A hang-up is a hang-up even with a garbled QueueTime: the fact is stored (or
    journaled) without it, then the malformed request still gets its 400."""
    call_id = required(request.form, "CallSid")
    result = required(request.form, "QueueResult")
    svc = services()
    params = RouteParams.from_request()
    queue = svc.queue_name(params.queue)
    try:
        queue_time, garbled = number(request.form, "QueueTime"), None
    except HTTPException as error:
        queue_time, garbled = None, error
    svc.store.write(c.QueueResult(call_id=call_id, now=svc.clock.now(), queue=queue,
                                  result=result, queue_time_s=queue_time,
                                  episode=params.episode), g.deadline)
    if garbled is not None:
        raise garbled
    return twiml_response(after_queue(result, RouteParams(queue, params.policy, params.arm,
                                                          params.episode)))


STILL_IN_A_CALL = ("redirected", "redirected-from-bridged", "bridging-in-process")
"""QueueResults after which the caller is still connected elsewhere: never hang up on them."""


def after_queue(result: str, params: RouteParams) -> VoiceResponse:
    """What the caller hears once out of the queue; a Twilio-side error puts them back once,
    as a second time in line whose wait still counts from their first entry."""
    response = VoiceResponse()
    if result in ("error", "system-error") and params.episode == 0:
        response.say(safety.BACK_IN_LINE)
        return enqueue(response, RouteParams(params.queue, params.policy, params.arm, 1))
    if result in STILL_IN_A_CALL:
        return response  # an empty document: their call goes on where it was sent
    if result == "queue-full":
        response.say(safety.QUEUE_FULL)
    response.hangup()
    return response


@bp.post("/status")
def status() -> Response:
    """Journaled if the database is away, so the fact is durable before the 204."""
    call_id = required(request.form, "CallSid")
    svc = services()
    svc.store.write(c.CallStatus(call_id=call_id, now=svc.clock.now(),
                                 status=request.form.get("CallStatus", "")), g.deadline)
    return Response(status=204)


@bp.post("/agent")
def agent() -> Response:
    svc = services()
    params = RouteParams(svc.queue_name(request.args.get("queue")), None, "")
    agent_call_id = request.form.get("CallSid", "")
    try:
        if svc.store.read(lambda conn: callback_rest.anyone_on_line(conn, params.queue),
                          g.deadline):  # called back through REST, waiting for an agent
            return twiml_response(callback_calls.take_called_back(params))
        claim = callback_calls.claim_for_agent(params.queue, agent_call_id)
    except DatabaseUnavailable as error:
        log.warning("agent %s takes the queue without callbacks: %s", agent_call_id, error)
        claim = None
    if claim is not None:  # an older caller is waiting for a callback: they go first
        return twiml_response(callback_calls.dial_customer(claim, params))
    if request.form.get("DialCallStatus") == "failed":
        # Twilio fails a <Dial><Queue> at once when the queue does not exist yet (a fresh
        # deploy): pause before asking again, instead of a tight webhook loop.
        return twiml_response(cached_twiml(svc.twiml_cache, ("agent-after-failure", params),
                                           lambda: agent_dial(params, pause_s=AGENT_RETRY_S)))
    return twiml_response(cached_twiml(svc.twiml_cache, ("agent", params),
                                       lambda: agent_dial(params)))


def agent_dial(params: RouteParams, pause_s: int = 0) -> VoiceResponse:
    """Take the next caller. The action loops the agent: after each conversation, or after
    AGENT_WAIT_S with nobody in the queue, Twilio asks /voice/agent again, so due callbacks
    are never left behind."""
    response = VoiceResponse()
    if pause_s:
        response.pause(length=pause_s)
    dial = response.dial(timeout=AGENT_WAIT_S, action=voice_url("agent", params), method="POST")
    dial.queue(params.queue, url=voice_url("connect", params), method="POST")
    return response


@bp.post("/connect")
def connect() -> Response:
    call_id = required(request.form, "CallSid")
    svc = services()
    params = RouteParams.from_request()
    queue = svc.queue_name(params.queue)
    svc.store.write(c.Connect(call_id=call_id, now=svc.clock.now(), queue=queue,
                              queue_time_s=number(request.form, "QueueTime", 0.0) or 0.0,
                              agent_call_id=request.form.get("DequeingCallSid")), g.deadline)
    policy = svc.policy(queue, None)
    say = policy.voice.say(policy.prompts.connecting)
    return twiml_response(cached_twiml(
        svc.twiml_cache, ("connect", say),
        lambda: render_steps(VoiceResponse(), (say,), choice_url="", audio_url=audio_url)))
