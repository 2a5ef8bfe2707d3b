"""Arranging a callback inside the wait: confirm the caller ID or key in another number.

Everything here runs in Twilio's wait context (only Say/Play/Pause/Gather/Redirect/Leave/
Hangup). A bad number is asked again and never stored; the request is committed before the
caller hears the confirmation and leaves the queue with <Leave/>. Pressing nothing keeps the
caller in line, in the same place.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import commands as c
from app.storage.deadline import DatabaseUnavailable, Unsettled
from app.twiml import one_key, render_segment, render_steps, say, twiml_response
from app.voice import resume, safety
from app.voice.blueprint import bp
from app.voice.callback_sms import confirm_by_sms
from app.voice.callers import number_to_call, spoken_digits, spoken_number
from app.voice.context import Route, this_route
from app.voice.forms import EntryForm, KeyForm
from app.voice.safety import choice_not_taken, falls_back_to
from app.voice.situations import situation_from_poll
from app.voice.urls import audio_url, kept_flow_args, offered_window_s, owes_reason, voice_url
from hold_policies.base import Choice, callback_confirmation
from hold_policies.overflow import callback_key_of
from hold_policies.prompts import filled

log = logging.getLogger("holdwell.voice")

MAX_ENTRY_TRIES = 3
CONFIRM_KEY, OTHER_NUMBER_KEY = "1", "2"


def ask_for_number(route: Route, caller_id: str | None) -> VoiceResponse:
    """Read back the caller ID to confirm it, or ask for a number when there is none to use."""
    number = number_to_call(caller_id, services().config)
    if number is None:
        return ask_for_entry(route, tries=0)
    return ask_to_confirm(route, number, ending_only=True)


def ask_to_confirm(route: Route, number: str, *, ending_only: bool,
                   again: bool = False) -> VoiceResponse:
    """The caller ID's last four digits ("the number ending in"), or a keyed number whole;
    `again`: after a key that does nothing there, said so first, and asked this last time."""
    prompts = route.policy.prompts
    question = prompts.callback_number_check if ending_only else prompts.callback_keyed_check
    response = VoiceResponse()
    if again:
        say(response, route.policy.voice, prompts.not_understood)
    return confirm_gather(route, number, filled(question, number=said_back(
        number, ending_only=ending_only)), response, again=again)


def said_back(number: str, *, ending_only: bool) -> str:
    """`number` as it is read back to be confirmed: the caller ID's last four digits, or a
    keyed number whole, in spoken groups."""
    return (spoken_digits(number[-4:]) if ending_only
            else spoken_number(number, services().config.callbacks))


def confirm_gather(route: Route, number: str, question: str,
                   response: VoiceResponse | None = None, *, again: bool = False,
                   answered_at: str = "callback/confirm",
                   unanswered: str | None = None) -> VoiceResponse:
    """`question` (after what `response` says already), answered by CONFIRM_KEY at
    `answered_at` to book a callback to `number`; no key keeps the caller's place (or says
    `unanswered` instead: outside the line there is none). `again` marks the question as
    asked a second time, after a wrong key: another wrong key is not asked about again."""
    voice = route.policy.voice
    response = response if response is not None else VoiceResponse()
    extra = {"again": "1", **kept_flow_args()} if again else kept_flow_args()
    gather = one_key(response, timeout=6,
                     action=voice_url(answered_at, route.params, number=number, **extra))
    say(gather, voice, question)
    if unanswered is not None:
        say(response, voice, unanswered)
        return response
    return kept_waiting(route, response)


def kept_waiting(route: Route, response: VoiceResponse | None = None) -> VoiceResponse:
    """"No problem. You keep your place in line.", then the reason question where the flow
    owes it (`owes_reason`): a key pressed in the first check-in had cut it, and a caller
    who took the callback key and then no callback was never asked it (caller audit)."""
    response = response if response is not None else VoiceResponse()
    say(response, route.policy.voice, route.policy.prompts.callback_kept_waiting)
    return with_owed_question(route, response)


def with_owed_question(route: Route, response: VoiceResponse) -> VoiceResponse:
    """`response`, and after it the reason question where this flow owes it."""
    ask = getattr(route.policy, "reason_question", None)
    if not owes_reason() or ask is None:
        return response
    return render_steps(response, (ask(),), choice_url=voice_url("choice", route.params),
                        audio_url=audio_url)


def ask_for_entry(route: Route, *, tries: int, invalid: bool = False) -> VoiceResponse:
    """Ask for a number to call back (after "not a number we can call" when `invalid`)."""
    prompts, voice = route.policy.prompts, route.policy.voice
    response = VoiceResponse()
    if invalid:
        say(response, voice, prompts.callback_number_invalid)
    if tries >= MAX_ENTRY_TRIES:  # after "not a number we can call", "No problem" rang false
        if not invalid:
            return kept_waiting(route, response)
        say(response, voice, prompts.callback_number_given_up)
        return with_owed_question(route, response)
    gather = response.gather(input="dtmf", finish_on_key="#", timeout=10, method="POST",
                             action=voice_url("callback/entry", route.params, tries=str(tries + 1),
                                              **kept_flow_args()))
    say(gather, voice, prompts.callback_number_entry)
    return kept_waiting(route, response)


@bp.post("/callback/confirm")
@falls_back_to(choice_not_taken)
def callback_confirm() -> Response:
    key = KeyForm.parse(request.form)
    route = this_route()
    number = number_to_call(request.args.get("number"), services().config)
    if key.digit == OTHER_NUMBER_KEY or number is None:
        return twiml_response(ask_for_entry(route, tries=0))
    if key.digit and key.digit != CONFIRM_KEY and request.args.get("again") != "1":
        # a key that does nothing here is no decision: said so, and asked once more
        own = number_to_call(key.from_number, services().config)
        return twiml_response(ask_to_confirm(route, number, ending_only=number == own,
                                             again=True))
    if key.digit != CONFIRM_KEY:  # no key, or a wrong key twice: they keep their place
        return twiml_response(kept_waiting(route))
    return twiml_response(commit_and_leave(route, key, number))


@bp.post("/callback/entry")
@falls_back_to(choice_not_taken)
def callback_entry() -> Response:
    entry = EntryForm.parse(request.form, request.args, MAX_ENTRY_TRIES)
    route = this_route()
    number = number_to_call(entry.keyed, services().config)
    if number is None:  # re-asked, never stored
        return twiml_response(ask_for_entry(route, tries=entry.tries, invalid=True))
    return twiml_response(ask_to_confirm(route, number, ending_only=False))


def commit_and_leave(route: Route, key: KeyForm, number: str) -> VoiceResponse:
    """Store the request (its original place in line), then confirm and <Leave/>.

    A promise is a promise: if the database cannot take the request within the budget, the
    caller hears so honestly and keeps their place in line; nothing is confirmed unstored.
    A request cut off at its COMMIT is read back (store_now); if even that cannot say, the
    caller stays in line and may press 1 again: applied again, it is stored once.
    """
    svc = services()
    policy, params = route.policy, route.params
    now = svc.clock.now()
    unavailable = render_segment(safety.callback_unavailable(policy), choice_url="",
                                 audio_url=audio_url)
    callback_key = callback_key_of(policy)
    if callback_key is None:  # not a URL we make: nothing to promise, they keep their place
        log.warning("a callback confirmation for policy %s, which offers none", policy.name)
        return unavailable
    poll = svc.store.snapshot(key.wait.call_id, now, g.deadline,
                              rejoins=resume.counts_rejoined(route.params.queue),
                              place_as_of_last_poll=not key.wait.position_given)
    if poll is None:
        return unavailable
    form = key.wait.with_logged_place(poll.call, now)
    situation = situation_from_poll(form, poll, svc.config, now, params.episode,
                                    settings=svc.known_queue(poll.call.queue))
    own = number_to_call(key.from_number, svc.config)
    if number != own:  # keyed in: the confirmation says it back
        situation = replace(situation, callback_number=spoken_number(number, svc.config.callbacks))
    # the window the offer said, carried in our signed URLs; none said: sized now, as before
    situation = replace(situation, offered_window_s=offered_window_s())
    decision = policy.on_key(situation, callback_key)
    if decision.choice is not Choice.CALLBACK:  # e.g. the line now closes too soon: no
        # promise; its words may end in the reason question still owed, answered at the
        # choice route (an empty action had posted the words back here, and lost them)
        return render_segment(decision.segment, choice_url=voice_url("choice", params),
                              audio_url=audio_url)
    command = c.RequestCallback(
        call_id=poll.call.call_id, now=now, queue=poll.call.queue, number=number,
        digit=callback_key, promised_wait_s=decision.promised_wait_s,
        queue_time_s=form.queue_time_s, episode=params.episode)
    try:
        booking = svc.store.store_now(command, g.deadline)
    except Unsettled as error:
        # stored or not, nobody can say: words true either way, and 1 applies it again
        log.warning("callback of %s in doubt: %s", command.call_id, error)
        return confirm_gather(route, number, policy.prompts.callback_unconfirmed)
    except DatabaseUnavailable:
        return unavailable
    if booking.too_late is not None:  # answered (or gone) meanwhile: no promise, no words
        log.info("no callback for %s: its wait is over (%s)", command.call_id, booking.too_late)
        return VoiceResponse()
    if booking.already_booked is not None:  # one per person: theirs keeps its place
        return render_segment(callback_confirmation(policy.voice,
                                                    policy.prompts.callback_already_booked),
                              choice_url="", audio_url=audio_url)
    if booking.new:  # a retried confirmation is said again, not texted again
        confirm_by_sms(number, decision.promised_wait_s, policy.voice.language)
    return render_segment(decision.segment, choice_url="", audio_url=audio_url)
