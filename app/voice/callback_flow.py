"""Arranging a callback inside the wait: confirm the caller ID or key in another number.

Everything here runs in Twilio's wait context (only Say/Play/Pause/Gather/Redirect/Leave/
Hangup). A bad number is asked again and never stored; the request is committed before the
caller hears the confirmation and leaves the queue with <Leave/>. Pressing nothing keeps the
caller in line, in the same place.
"""

from __future__ import annotations

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import commands as c
from app.storage.deadline import DatabaseUnavailable
from app.twiml import render_segment, twiml_response
from app.voice import safety
from app.voice.blueprint import bp
from app.voice.callers import callback_number, spoken_digits
from app.voice.forms import RouteParams, WaitForm
from app.voice.situations import situation_from_poll
from app.voice.urls import audio_url, voice_url
from hold_policies.base import Choice, HoldPolicy

MAX_ENTRY_TRIES = 3
CONFIRM_KEY, OTHER_NUMBER_KEY = "1", "2"


def ask_for_number(policy: HoldPolicy, params: RouteParams) -> VoiceResponse:
    """Read back the caller ID to confirm it, or ask for a number when there is none to use."""
    region = services().config.callbacks.default_region
    number = callback_number(request.form.get("From"), region)
    if number is None:
        return ask_for_entry(policy, params, tries=0)
    return ask_to_confirm(policy, params, number, ending_only=True)


def ask_to_confirm(
    policy: HoldPolicy, params: RouteParams, number: str, *, ending_only: bool
) -> VoiceResponse:
    prompts = policy.prompts
    digits = spoken_digits(number[-4:] if ending_only else number)
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, timeout=6, method="POST",
                             action=voice_url("callback/confirm", params, number=number))
    gather.say(prompts.callback_number_check.format(number=digits), voice=policy.voice.voice,
               language=policy.voice.language)
    response.say(prompts.callback_kept_waiting, voice=policy.voice.voice,
                 language=policy.voice.language)
    return response


def ask_for_entry(policy: HoldPolicy, params: RouteParams, *, tries: int) -> VoiceResponse:
    prompts = policy.prompts
    response = VoiceResponse()
    if tries >= MAX_ENTRY_TRIES:
        response.say(prompts.callback_kept_waiting, voice=policy.voice.voice,
                     language=policy.voice.language)
        return response
    gather = response.gather(input="dtmf", finish_on_key="#", timeout=10, method="POST",
                             action=voice_url("callback/entry", params, tries=str(tries + 1)))
    gather.say(prompts.callback_number_entry, voice=policy.voice.voice,
               language=policy.voice.language)
    response.say(prompts.callback_kept_waiting, voice=policy.voice.voice,
                 language=policy.voice.language)
    return response


def current_policy() -> tuple[HoldPolicy, RouteParams]:
    svc = services()
    params = RouteParams.from_request()
    queue = svc.queue_name(params.queue)
    policy = svc.policy(queue, params.policy)
    return policy, RouteParams(queue, policy.name, params.arm, params.episode)


@bp.post("/callback/confirm")
def callback_confirm() -> Response:
    policy, params = current_policy()
    digit = request.form.get("Digits", "").strip()[:1]
    number = callback_number(request.args.get("number"))
    if digit == OTHER_NUMBER_KEY or number is None:
        return twiml_response(ask_for_entry(policy, params, tries=0))
    if digit != CONFIRM_KEY:
        response = VoiceResponse()
        response.say(policy.prompts.callback_kept_waiting, voice=policy.voice.voice,
                     language=policy.voice.language)
        return twiml_response(response)
    return twiml_response(commit_and_leave(policy, params, number))


@bp.post("/callback/entry")
def callback_entry() -> Response:
    policy, params = current_policy()
    tries = int(request.args.get("tries", "1") or 1)
    region = services().config.callbacks.default_region
    number = callback_number(request.form.get("Digits", "").strip(), region)
    if number is None:  # re-asked, never stored
        response = ask_for_entry(policy, params, tries=tries)
        prompts = policy.prompts
        retry = VoiceResponse()
        retry.say(prompts.callback_number_invalid, voice=policy.voice.voice,
                  language=policy.voice.language)
        for verb in response.verbs:
            retry.append(verb)
        return twiml_response(retry)
    return twiml_response(ask_to_confirm(policy, params, number, ending_only=False))


def commit_and_leave(policy: HoldPolicy, params: RouteParams, number: str) -> VoiceResponse:
    """Store the request (its original place in line), then confirm and <Leave/>.

    A promise is a promise: if the database cannot take the request within the budget, the
    caller hears so honestly and keeps their place in line; nothing is confirmed unstored.
    """
    svc = services()
    form = WaitForm.parse(request.form)
    now = svc.clock.now()
    unavailable = render_segment(safety.callback_unavailable(policy), choice_url="",
                                 audio_url=audio_url)
    poll = svc.store.snapshot(form.call_id, now, g.deadline)
    if poll is None:
        return unavailable
    form = form.with_logged_place(poll.call, now)
    situation = situation_from_poll(form, poll, svc.config.estimate, now, params.episode)
    callback_key = getattr(policy, "callback_key", "2")
    decision = policy.on_key(situation, callback_key)
    if decision.choice is not Choice.CALLBACK:
        raise LookupError(f"policy {policy.name} does not offer callbacks")
    try:
        svc.store.store_now(c.RequestCallback(
            call_id=poll.call.call_id, now=now, queue=poll.call.queue, number=number,
            digit=callback_key, promised_wait_s=decision.promised_wait_s,
            queue_time_s=form.queue_time_s, episode=params.episode), g.deadline)
    except DatabaseUnavailable:
        return unavailable
    return render_segment(decision.segment, choice_url="", audio_url=audio_url)
