"""Overflow instead of a drop, and messages from the queue (issue 16 items 4-5), live.

Past a queue's maximum wait the policy itself serves the offer (hold_policies.overflow); here
it is logged (OVERFLOW, once per time in line). The message key is stored before the caller
hears "stay on the line" and leaves with <Leave/>: the Enqueue action (QueueResult=leave) then
finds it and answers with <Record>, which only a plain call document may hold. At Twilio's
queue-full the caller was never queued: the action offers a callback on their caller ID or a
message, in a plain document too. The <Record> action stores the message as a callback task
with its recording; Twilio's transcription, when configured, follows on its own callback.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import commands as c
from app.storage.callback_queue import Callback
from app.storage.deadline import DatabaseUnavailable, Unsettled
from app.storage.voicemail_writes import chose_voicemail
from app.twiml import render_segment, say, say_and_hang_up, twiml_response
from app.voice import callback_flow
from app.voice.blueprint import bp
from app.voice.callers import number_to_call
from app.voice.context import Route, this_route
from app.voice.forms import (
    KeyForm,
    RecordingForm,
    RouteParams,
    TranscriptionForm,
    WaitForm,
    cut_at_word,
)
from app.voice.safety import falls_back_to, fixed_text, not_taken
from app.voice.situations import closes_in_s
from app.voice.urls import audio_url, voice_url
from hold_policies.base import HoldPolicy
from hold_policies.languages import language_of
from hold_policies.overflow import overflow_of
from hold_policies.overflow_rules import Overflow, messages_told, overflow_words_in
from hold_policies.prompts import TRANSCRIPT_MOST_CHARS, filled

log = logging.getLogger("holdwell.voice")
SILENCE_ENDS_MESSAGE_S = 5


TRANSCRIPT_TOLD_CHARS = TRANSCRIPT_MOST_CHARS


def tell_message(response: VoiceResponse, claim: Callback, policy: HoldPolicy) -> None:
    """Before the customer rings, the agent hears that they left a message, then the latest
    few, oldest first (read with the claim), no longer together than the brief the claim
    timeout is sized for (overflow_rules.messages_told): each transcript (its first
    TRANSCRIPT_TOLD_CHARS, cut at a word), or else the recording itself."""
    if not claim.messages:
        return
    rules = overflow_of(policy) or Overflow(  # the overflow since removed: its words' defaults
        words=overflow_words_in(language_of(policy.voice.language)))
    say(response, policy.voice, rules.words.agent_message)
    told = messages_told([m.seconds for m in claim.messages], rules.message_max_s,
                         rules.transcribe)
    words = rules.words
    for message in claim.messages[len(claim.messages) - told:]:  # told may be 0
        if message.transcript:
            text = cut_at_word(message.transcript, TRANSCRIPT_TOLD_CHARS)
            say(response, policy.voice, filled(words.agent_transcript, text=text))
        else:
            response.play(message.url)


def rules_of(route: Route) -> Overflow | None:
    return overflow_of(route.policy)


def note_offer(call_id: str, queue_time_s: float | None, route: Route,
               reason: str = "max_wait") -> None:
    """The overflow offer was served: logged once per time in line (journaled if need be);
    at queue-full there is no time in line (`queue_time_s` None)."""
    svc = services()
    params = route.params
    svc.store.write(c.Overflowed(
        call_id=call_id, now=svc.clock.now(), queue=route.queue, policy=route.policy.name,
        arm=params.arm, reason=reason, queue_time_s=queue_time_s,
        episode=params.episode), g.deadline)


def leave_for_message(route: Route, form: WaitForm, digit: str,
                      from_number: str | None) -> VoiceResponse:
    """Store the message key, then "stay on the line" and <Leave/>; if it cannot be stored
    in time the caller hears so and keeps their place (the action could not find it). A
    message is a callback: from a number we cannot call (withheld) none is taken."""
    svc = services()
    rules = rules_of(route)
    if rules is None:
        raise LookupError(f"queue {route.queue} takes no messages")
    policy = route.policy
    response = VoiceResponse()
    if number_to_call(from_number, svc.config) is None:
        say(response, policy.voice, rules.words.no_message_withheld)
        return response
    try:
        svc.store.store_now(c.ChooseVoicemail(
            call_id=form.call_id, now=svc.clock.now(), queue=route.queue, digit=digit,
            queue_time_s=form.queue_time_s, episode=route.params.episode), g.deadline)
    except DatabaseUnavailable as error:
        # Unsettled too: they stay in line, where no message is taken either way
        log.warning("no message for %s: %s", form.call_id, error)
        say(response, policy.voice, rules.words.no_message_now)
        return response
    say(response, policy.voice, rules.words.to_message)
    response.leave()
    return response


def wants_to_record(call_id: str) -> bool | None:
    """Whether a caller who left the line pressed the message key (None: the log cannot say
    within the budget)."""
    svc = services()
    try:
        return bool(svc.store.read(lambda conn: chose_voicemail(conn, call_id), g.deadline))
    except DatabaseUnavailable as error:
        log.warning("cannot tell whether %s left to record a message: %s", call_id, error)
        return None


def after_leaving(params: RouteParams, policy: HoldPolicy, rules: Overflow | None,
                  chose_message: bool | None, from_number: str | None) -> VoiceResponse | None:
    """The <Record> for a caller who left the line to leave a message; when nobody can say
    whether they did, the <Record> all the same, asked for "if you chose to" (the one told
    to stay on the line for it is never cut off in silence). None: no message to take (a
    message is a callback: from a number we cannot call, the key itself took none)."""
    if rules is None or not rules.voicemail_key or chose_message is False:
        return None
    if number_to_call(from_number, services().config) is None:
        return None
    return record_message(params, policy, rules, unsure=chose_message is None)


def record_message(params: RouteParams, policy: HoldPolicy, rules: Overflow,
                   response: VoiceResponse | None = None, *,
                   unsure: bool = False) -> VoiceResponse:
    """Ask for the message (`unsure`: if they chose to leave one), <Record> it (length limit,
    beep, # ends it; transcribed where configured); an empty recording falls through to "no
    message" and goodbye."""
    response = response or VoiceResponse()
    words = rules.words
    say(response, policy.voice, words.message_unsure if unsure else words.message_prompt)
    queue_only = replace(params.queue_only(), resumes=params.resumes)  # a rejoined leg's
    response.record(  # message is its call's
        action=voice_url("voicemail/recorded", queue_only), method="POST",
        max_length=rules.message_max_s, play_beep=True, finish_on_key="#",
        timeout=SILENCE_ENDS_MESSAGE_S, transcribe=True if rules.transcribe else None,
        transcribe_callback=(voice_url("voicemail/transcribed", queue_only)
                             if rules.transcribe else None))
    say_and_hang_up(response, policy.voice, words.no_message)
    return response


def full_offer(params: RouteParams, policy: HoldPolicy, *,
               log_answered: bool = True, again: bool = False) -> VoiceResponse | None:
    """After Twilio's queue-full: the callback/message offer (None: the queue has none, its
    line closes too soon to keep one, or the caller's number cannot be called back; only
    the message while the log does not answer). `again`: after a key that does nothing
    there, said so and offered this last time (its action knows it: `again=1`)."""
    rules = overflow_of(policy)
    if rules is None or not rules.when_full:
        return None
    svc = services()
    callable_id = number_to_call(request.form.get("From"), svc.config) is not None
    settings = svc.known_queue(params.queue or "")  # a queue removed since: its last hours
    offer = rules.full_offer(policy.voice,
                             closes_in_s(settings, svc.clock.now()),
                             caller_id_callable=callable_id, log_answered=log_answered)
    if offer is None:
        return None
    if again:  # said so, then the offer whole (as the read-back and the closed line ask again)
        offer = replace(offer, steps=(policy.voice.say(rules.words.wrong_key), *offer.steps))
    marks = {OFFERED: "".join(offer.offered_keys), **({"again": "1"} if again else {})}
    return render_segment(offer, choice_url=voice_url("overflow/choice", params, **marks),
                          audio_url=audio_url)


OFFERED = "keys"
"""The keys the queue-full offer made, on its action URL: a key it left out (the callback,
while the log did not answer) is a wrong key there, and the offer made again after one leaves
it out too (it had been rebuilt whole: a caller offered only the message heard the callback
offered, and refused at the press)."""


def offered_keys(rules: Overflow) -> tuple[str, ...]:
    """The keys this request's queue-full offer made (every one of the queue's, for an action
    URL made before they were named on it)."""
    named = request.args.get(OFFERED)
    return rules.keys if named is None else tuple(k for k in rules.keys if k in named)


def goodbye() -> VoiceResponse:
    """The safe answer outside the queue: say goodbye honestly, nothing promised."""
    route = this_route()
    rules = rules_of(route)
    return say_and_hang_up(VoiceResponse(), route.policy.voice,
                           rules.words.goodbye if rules
                           else fixed_text(route.policy.voice, "goodbye"))


@bp.post("/overflow/choice")
@falls_back_to(goodbye)
def overflow_choice() -> Response:
    """The key pressed at the queue-full offer: a callback on the caller ID, or a message. A
    key that is neither is said to do nothing and the offer is made once more, as at every
    other menu; no key, or a second wrong one, says goodbye."""
    key = KeyForm.parse(request.form)
    route = this_route()
    rules = rules_of(route)
    if rules is None or not key.digit:
        return twiml_response(goodbye())
    offered = offered_keys(rules)
    if key.digit not in offered:
        again = (None if request.args.get("again") == "1" else full_offer(
            route.params, route.policy, again=True,
            log_answered=rules.callback_key in offered))  # what it left out, it leaves out
        return twiml_response(again if again is not None else goodbye())
    number = number_to_call(key.from_number, services().config)
    if number is None:  # neither a callback nor a message (a callback) can reach them
        response = VoiceResponse()
        say(response, route.policy.voice, fixed_text(route.policy.voice, "cannot_call_back"))
        return twiml_response(_then_goodbye(response, route))
    if key.digit == rules.voicemail_key:
        return twiml_response(record_message(route.params, route.policy, rules))
    return twiml_response(read_back_from_full(route, rules, number))


def read_back_from_full(route: Route, rules: Overflow, number: str, *,
                        again: bool = False) -> VoiceResponse:
    """The number read back as in line (callback_flow), to be confirmed before anything is
    booked; no key (or a second wrong one) books nothing and says goodbye."""
    question = filled(rules.words.full_number_check,
                      number=callback_flow.said_back(number, ending_only=True))
    response = VoiceResponse()
    if again:  # after a wrong key: said so, then asked this last time
        say(response, route.policy.voice, rules.words.wrong_key)
    response = callback_flow.confirm_gather(route, number, question, response, again=again,
                                            answered_at="overflow/confirm",
                                            unanswered=rules.words.goodbye)
    response.hangup()
    return response


@bp.post("/overflow/confirm")
@falls_back_to(goodbye)
def overflow_confirm() -> Response:
    """The read-back's answer at queue-full: CONFIRM_KEY books the callback; another key
    asks once more (a caller who pressed 2 for the callback may press it again)."""
    key = KeyForm.parse(request.form)
    route = this_route()
    rules = rules_of(route)
    number = number_to_call(request.args.get("number"), services().config)
    if rules is None or rules.callback_key is None or number is None or not key.digit:
        return twiml_response(goodbye())
    if key.digit != callback_flow.CONFIRM_KEY:
        return twiml_response(goodbye() if request.args.get("again") == "1"
                              else read_back_from_full(route, rules, number, again=True))
    return twiml_response(book_from_full(route, key.wait.call_id, number, rules.callback_key))


def book_from_full(route: Route, call_id: str, number: str, digit: str) -> VoiceResponse:
    """A callback to `number` for a caller the full queue turned away (`digit`: the key
    that asked for it): stored before it is confirmed (or read back, if its COMMIT was cut
    off), and never denied unless surely not stored."""
    svc = services()
    policy = route.policy
    response = VoiceResponse()
    try:
        booked = svc.store.store_now(c.RequestCallback(
            call_id=call_id, now=svc.clock.now(), queue=route.queue, number=number,
            digit=digit, promised_wait_s=None, queue_time_s=0.0,
            episode=route.params.episode, line_full=True), g.deadline)
    except DatabaseUnavailable as error:
        log.warning("no callback from the full queue for %s: %s", call_id, error)
        say(response, policy.voice,
            fixed_text(policy.voice, "cannot_confirm"  # true whether or not it is stored
                       if isinstance(error, Unsettled) else "cannot_book"))
        return _then_goodbye(response, route)
    if booked.too_late is not None:  # a request replayed after the call: nobody to tell
        return response
    rules = rules_of(route)
    confirm = rules.words.full_confirm if rules else filled(
        policy.prompts.callback_confirm_no_estimate)
    say_and_hang_up(response, policy.voice, policy.prompts.callback_already_booked
                    if booked.already_booked else confirm)
    return response


def _then_goodbye(response: VoiceResponse, route: Route) -> VoiceResponse:
    for verb in goodbye().verbs:
        response.append(verb)
    return response


def thanks() -> VoiceResponse:
    """The <Record> action's answer: the message is taken, goodbye."""
    route = this_route()
    rules = rules_of(route)
    return say_and_hang_up(VoiceResponse(), route.policy.voice,
                           rules.words.message_thanks if rules
                           else fixed_text(route.policy.voice, "goodbye"))


def message_lost() -> VoiceResponse:
    """The safe answer of the <Record> action: nothing is confirmed that may not be kept."""
    route = this_route()
    return say_and_hang_up(VoiceResponse(), route.policy.voice,
                           fixed_text(route.policy.voice, "message_lost"))


@bp.post("/voicemail/recorded")
@falls_back_to(message_lost)
def voicemail_recorded() -> Response:
    """The message is recorded: a callback task with its recording (journaled if need be,
    so the message is durable before the caller is thanked)."""
    form = RecordingForm.parse(request.form)
    svc = services()
    route = this_route()
    number = number_to_call(form.from_number, svc.config)
    svc.store.write(c.LeaveVoicemail(
        call_id=route.params.call_of(form.call_id), now=svc.clock.now(), queue=route.queue,
        number=number,
        recording_url=form.url, recording_sid=form.recording_sid,
        duration_s=form.duration_s), g.deadline)
    return twiml_response(thanks())


@bp.post("/voicemail/transcribed")
@falls_back_to(not_taken)
def voicemail_transcribed() -> Response:
    """Twilio's transcript of a message, kept for the agent (nobody hears this answer)."""
    form = TranscriptionForm.parse(request.form)
    svc = services()
    svc.store.write(c.VoicemailTranscribed(
        call_id=this_route().params.call_of(form.call_id), now=svc.clock.now(),
        recording_sid=form.recording_sid,
        text=form.text, status=form.status), g.deadline)
    return Response(status=204)
