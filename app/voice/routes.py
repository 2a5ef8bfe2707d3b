"""Voice webhooks. Each view reads the form, asks the policy, logs, and renders.

Logging failures never reach the caller: a view that cannot write still answers the
policy's TwiML, and anything else that fails is caught by `app.voice.safety`.
"""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import callback_rest
from app.twiml import cached_twiml, render_segment, render_steps, spoken_text, twiml_response
from app.voice import callback_calls, callback_flow, callback_rest_routes, safety  # noqa: F401
from app.voice.blueprint import bp
from app.voice.forms import RouteParams, WaitForm, number, required
from app.voice.situations import situation_from_form, situation_from_poll
from app.voice.urls import audio_url, voice_url
from hold_policies.base import Choice
from hold_policies.factory import assign

log = logging.getLogger("holdwell.voice")
AGENT_WAIT_S = 30


def enqueue(response: VoiceResponse, params: RouteParams, **extra: str) -> VoiceResponse:
    response.enqueue(params.queue, action=voice_url("queue-result", params, **extra),
                     method="POST", wait_url=voice_url("wait", params), wait_url_method="POST")
    return response


@bp.post("/incoming")
def incoming() -> Response:
    call_id = required(request.form, "CallSid")
    svc = services()
    queue = svc.queue_name(request.args.get("queue"))
    assignment = assign(svc.config.queues[queue], call_id)
    params = RouteParams(queue, assignment.policy, assignment.arm)
    try:
        svc.store.begin_call(call_id=call_id, queue=queue, policy=assignment.policy,
                             arm=assignment.arm, from_number=request.form.get("From"),
                             now=svc.clock.now())
    except Exception:
        log.exception("could not log incoming call %s; enqueueing anyway", call_id)
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
    poll = None
    try:
        poll = svc.store.note_poll(call_id=form.call_id, queue=queue, policy=policy.name,
                                   arm=params.arm, queue_time_s=form.queue_time_s,
                                   position=form.position, now=now)
        situation = situation_from_poll(form, poll, svc.config.estimate, now)
    except Exception:
        log.exception("call log unavailable for %s; policy runs without history", form.call_id)
        situation = situation_from_form(form, queue)
    segment = policy.next_segment(situation)
    if poll is not None and segment.is_announcement:
        try:
            svc.store.record_announcement(poll.call, segment, queue_time_s=form.queue_time_s,
                                          now=now, text=spoken_text(segment))
        except Exception:
            log.exception("could not log announcement for %s", form.call_id)
    choice_url = voice_url("choice", RouteParams(queue, policy.name, params.arm))
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
    poll = svc.store.snapshot(form.call_id, now)
    if poll is not None:
        form = form.with_logged_wait(poll.call.entered_at, now)
    situation = (situation_from_poll(form, poll, svc.config.estimate, now) if poll
                 else situation_from_form(form, queue))
    decision = policy.on_key(situation, digit)
    if poll is not None:
        svc.store.record_keypress(poll.call, digit=digit, choice=decision.choice.value,
                                  queue_time_s=form.queue_time_s, now=now)
    params = RouteParams(queue, policy.name, params.arm)
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
    call_id = required(request.form, "CallSid")
    result = required(request.form, "QueueResult")
    svc = services()
    params = RouteParams.from_request()
    queue = svc.queue_name(params.queue)
    outcome = None
    try:
        outcome = svc.store.record_queue_result(
            call_id=call_id, queue=queue, result=result,
            queue_time_s=number(request.form, "QueueTime"), now=svc.clock.now())
    except Exception:
        log.exception("could not log queue result %s for %s", result, call_id)
    return twiml_response(after_queue(result, outcome, params))


def after_queue(result: str, outcome: str | None, params: RouteParams) -> VoiceResponse:
    """What the caller hears once out of the queue; a Twilio-side error puts them back once."""
    response = VoiceResponse()
    if result == "error" and not request.args.get("retry"):
        response.say(safety.BACK_IN_LINE)
        return enqueue(response, params, retry="1")
    if result == "queue-full":
        response.say(safety.QUEUE_FULL)
    response.hangup()
    return response


@bp.post("/status")
def status() -> Response:
    call_id = required(request.form, "CallSid")
    svc = services()
    svc.store.record_status(call_id=call_id, status=request.form.get("CallStatus", ""),
                            now=svc.clock.now())
    return Response(status=204)


@bp.post("/agent")
def agent() -> Response:
    svc = services()
    params = RouteParams(svc.queue_name(request.args.get("queue")), None, "")
    agent_call_id = request.form.get("CallSid", "")
    if callback_rest.anyone_on_line(svc.store.engine, params.queue):  # called back, waiting
        return twiml_response(callback_calls.take_called_back(params))
    claim = callback_calls.claim_for_agent(params.queue, agent_call_id)
    if claim is not None:  # an older caller is waiting for a callback: they go first
        return twiml_response(callback_calls.dial_customer(claim, params))
    def build() -> VoiceResponse:
        response = VoiceResponse()
        # The action loops the agent: after each conversation, or after AGENT_WAIT_S with
        # nobody in the queue, Twilio asks /voice/agent again, so due callbacks are never
        # left behind.
        dial = response.dial(timeout=AGENT_WAIT_S, action=voice_url("agent", params),
                             method="POST")
        dial.queue(params.queue, url=voice_url("connect", params), method="POST")
        return response

    return twiml_response(cached_twiml(svc.twiml_cache, ("agent", params), build))


@bp.post("/connect")
def connect() -> Response:
    call_id = required(request.form, "CallSid")
    svc = services()
    queue = svc.queue_name(request.args.get("queue"))
    try:
        svc.store.record_connect(call_id=call_id, queue=queue,
                                 queue_time_s=number(request.form, "QueueTime", 0.0) or 0.0,
                                 agent_call_id=request.form.get("DequeingCallSid"),
                                 now=svc.clock.now())
    except Exception:
        log.exception("could not log the answer of %s", call_id)
    policy = svc.policy(queue, None)
    say = policy.voice.say(policy.prompts.connecting)
    return twiml_response(cached_twiml(
        svc.twiml_cache, ("connect", say),
        lambda: render_steps(VoiceResponse(), (say,), choice_url="", audio_url=audio_url)))
