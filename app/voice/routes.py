"""Voice webhooks. Each view reads the form, asks the policy, logs, and renders.

Database work is bounded by the request's deadline (`g.deadline`, set with the signature
check): a write that misses it is journaled and applied later, a read that misses it leaves
the policy to run without history. A caller never waits on the database past the budget.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import cast

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import callback_rest
from app.storage import commands as c
from app.storage.call_log import Poll
from app.storage.callback_queue import ClaimTry
from app.storage.deadline import DatabaseUnavailable, Unsettled
from app.storage.stranded import stranded_queue
from app.twiml import (
    cached_twiml,
    render_segment,
    render_steps,
    say,
    spoken_text,
    twiml_response,
)
from app.voice import (
    callback_calls,
    callback_flow,
    closed,
    language_menu,
    overflow,
    reason,
    resume,
    returning,
    safety,
)
from app.voice.blueprint import bp
from app.voice.context import Route, this_route
from app.voice.forms import (
    AgentForm,
    CallForm,
    ConnectForm,
    KeyForm,
    QueueResultForm,
    RouteParams,
    SpeechForm,
    StatusForm,
    WaitForm,
    number,
    party,
    retry_token,
)
from app.voice.safety import choice_not_taken, falls_back_to, hold_in_line, not_taken
from app.voice.situations import situation_from_form, situation_from_poll
from app.voice.urls import (
    audio_url,
    enqueue,
    offered_window_s,
    owe_reason,
    owes_welcome,
    voice_url,
    window_arg,
)
from hold_policies.base import Choice, callback_confirmation
from hold_policies.connecting import connecting_words, waited
from hold_policies.factory import assign
from hold_policies.situation import Situation
from hold_policies.steps import SAFE_HOLD_SEGMENT, Segment, SegmentKind
from hold_policies.welcome import (
    WELCOME_WITHIN_S,
    first_document,
    is_first_document,
    welcomed,
)

log = logging.getLogger("holdwell.voice")
AGENT_WAIT_S = 30
AGENT_RETRY_S = 5


def key_retry_token(key: KeyForm) -> str:
    """Twilio's retry token keys a press only when the request carries no QueueTime (a Gather
    action): the header is not signed, so with a signed QueueTime to key on, a replay of one
    captured request with a fresh token each time had logged a press each time (API audit
    35, D4)."""
    return "" if key.wait.queue_time_given else retry_token()


def enqueue_anyway() -> VoiceResponse:
    """The caller still joins the line, under the queue's own policy, and is welcomed there
    as any new call (outside opening hours they hear when it opens instead)."""
    params = this_route().params
    return closed.closed_fallback(params) or enqueue(VoiceResponse(), params, welcome=True)


@bp.post("/incoming")
@falls_back_to(enqueue_anyway)
def incoming() -> Response:
    form = CallForm.parse(request.form)
    svc = services()
    queue = this_route().queue
    if (menu := language_menu.menu_if_owed(queue, form)) is not None:
        return twiml_response(menu)  # first the language: the call begins in the queue chosen
    assignment = assign(svc.queue_config(queue), form.call_id)
    params = RouteParams(queue, assignment.policy, assignment.arm)
    if closed.closed_line_now(queue) is not None:  # outside opening hours: never enqueued,
        # but a dropped line's wait is one the line promised to finish ("we will still
        # answer everyone who is already waiting"): within `resume.within_s` they rejoin
        if (back := resume.rejoin(params, form)) is not None:
            return twiml_response(back)
        if (shut := closed.answer_if_closed(params, form)) is not None:
            return twiml_response(shut)
    if (booked := returning.booked_callback(queue, form)
            or returning.booked_in_removed_queue(form)
            or language_menu.booked_in_the_menus_queues(queue, form)) is not None:
        returning.note_rang_back(params, assignment.policy, form, booked, "asked")  # logged
        return twiml_response(returning.ask_keep_or_wait(params, booked))  # never both
    if (back := resume.rejoin(params, form)) is not None:
        return twiml_response(back)  # a dropped line: back in their place, as the same call
    svc.store.write(c.BeginCall(call_id=form.call_id, now=svc.clock.now(), queue=queue,
                                policy=assignment.policy, arm=assignment.arm,
                                from_number=form.from_number), g.deadline)
    # In line at once, so an agent waiting on the queue takes them at once; the welcome is
    # the first wait document's opening (hold_policies.welcome), unheard by a caller taken.
    return twiml_response(cached_twiml(svc.twiml_cache, ("incoming", params),
                                       lambda: enqueue(VoiceResponse(), params, welcome=True)))


def welcomed_or_held() -> VoiceResponse:
    """The wait's safe answer: a pause, opened by the welcome (the config in memory) when
    this is a new call's first document, so a fault there does not cost the caller it."""
    if not owes_welcome() or not is_first_document(
            number(request.form, "QueueTime", WELCOME_WITHIN_S) or 0.0):
        return hold_in_line()
    welcome = this_route().policy.welcome()
    return render_segment(welcomed(welcome, SAFE_HOLD_SEGMENT), choice_url="",
                          audio_url=audio_url)


@bp.post("/wait")
@falls_back_to(welcomed_or_held)
def wait() -> Response:
    form = WaitForm.parse(request.form)
    svc = services()
    route = this_route()
    params, policy, queue = route.params, route.policy, route.queue
    now = svc.clock.now()
    if not form.complete:  # never from Twilio's waitUrl: what is missing is read in the log
        form = with_logged_place(form, queue, now)
    if params.resumes:  # rang back after a drop: their place counts from their first entry
        form = resume.in_place(form, queue)
    welcome_owed = owes_welcome()  # a new call's waitUrl: its first document welcomes
    caller_id = party(request.form, "From")  # whether a message can call them back

    def heard(situation: Situation, polls: int | None) -> tuple[Segment, Segment]:
        """(the document, the policy's own segment in it): the two differ only in a new
        call's first document, which the welcome opens (by QueueTime, and by the log's
        count of polls where it answers: once, never again)."""
        if welcome_owed and is_first_document(form.queue_time_s, polls):
            return first_document(policy, situation)
        segment = policy.next_segment(situation)
        return segment, segment

    def announcement(segment: Segment, said_instead: bool = False) -> c.Announce | None:
        if not segment.is_announcement:
            return None
        return c.Announce(
            call_id=form.call_id, now=now, queue=queue, policy=policy.name, arm=params.arm,
            queue_time_s=form.queue_time_s, episode=params.episode,
            position=segment.announced_position, kind=segment.kind.value,
            announced_wait_s=segment.announced_wait_s, keys=tuple(segment.offered_keys),
            text=spoken_text(segment), said_instead=said_instead)

    def decide(poll: Poll) -> tuple[Segment, c.Announce | None]:
        if poll.call.callback_requested:  # stored though never confirmed (its COMMIT was
            # in doubt, and they pressed nothing more): told now, and out of the line
            return callback_confirmation(policy.voice, policy.prompts.callback_already_booked), None
        if poll.call.wait_is_over:  # this poll crossed the caller's hang-up (or answer): a
            # check-in logged now would be one nobody heard, after the wait's end
            return SAFE_HOLD_SEGMENT, None
        segment, own = heard(situation_from_poll(
            form, poll, svc.config, now, params.episode, caller_id,
            settings=svc.known_queue(poll.call.queue)), poll.call.polls)
        return segment, announcement(own)

    polled = svc.store.poll(c.NotePoll(
        call_id=form.call_id, now=now, queue=queue, policy=policy.name, arm=params.arm,
        queue_time_s=form.queue_time_s, position=form.position if form.position_given else None,
        episode=params.episode, rejoins=resume.counts_rejoined(queue),
        put_back=params.put_back and not params.resumes), g.deadline, decide)
    # (a rejoined leg keeps its place from the first entry, put back after an error or not:
    # its Twilio position is in the rejoin queue, and resume.in_place counts from there)
    if polled is not None:
        segment = polled[1]
    else:  # no history: the policy promises nothing, and what was said is journaled
        segment, own = heard(situation_from_form(form, queue, svc.config, now, caller_id,
                                                 settings=svc.known_queue(queue)), None)
        if (said := announcement(own, said_instead=True)) is not None:
            svc.store.write(said, g.deadline)
    if segment.kind is SegmentKind.OVERFLOW_OFFER:  # instead of a drop: logged once
        overflow.note_offer(form.call_id, form.queue_time_s, route)
    choice_url = voice_url("choice", params, **window_arg(segment.offered_window_s))
    return twiml_response(cached_twiml(
        svc.twiml_cache, ("segment", segment, choice_url),
        lambda: render_segment(segment, choice_url=choice_url, audio_url=audio_url)))


def with_logged_place(form: WaitForm, queue: str, now: datetime) -> WaitForm:
    """A poll lacking QueueTime or QueuePosition, completed from the call log where it
    knows (a time in line counted from the logged entry, so polls still order and check-ins
    come due); an unknown place is never logged or said as "next in line"."""
    logged = services().store.snapshot(form.call_id, now, g.deadline,
                                       rejoins=resume.counts_rejoined(queue))
    return form.with_logged_place(logged.call, now) if logged is not None else form


@bp.post("/choice")
@falls_back_to(choice_not_taken)
def choice() -> Response:
    if SpeechForm.present(request.form):  # the first check-in's question, answered in words
        return reason.heard()
    key = KeyForm.parse(request.form)
    if not key.digit:
        return twiml_response(VoiceResponse())  # no key: the wait document carries on
    svc = services()
    route = this_route()
    params, policy = route.params, route.policy
    now = svc.clock.now()
    form = key.wait
    poll = svc.store.snapshot(form.call_id, now, g.deadline,  # None: decide without history
                              rejoins=resume.counts_rejoined(route.queue),
                              place_as_of_last_poll=not form.position_given)
    if poll is not None:
        form = form.with_logged_place(poll.call, now)
    situation = (situation_from_poll(form, poll, svc.config, now, params.episode,
                                     key.from_number, settings=svc.known_queue(poll.call.queue))
                 if poll else situation_from_form(form, route.queue, svc.config, now,
                                                  key.from_number,
                                                  settings=svc.known_queue(route.queue)))
    situation = replace(situation, offered_window_s=offered_window_s())  # what they heard
    decision = policy.on_key(situation, key.digit)
    svc.store.write(c.KeyPress(call_id=form.call_id, now=now, queue=route.queue,
                               policy=policy.name, arm=params.arm,
                               queue_time_s=form.queue_time_s, episode=params.episode,
                               digit=key.digit, choice=decision.choice.value,
                               retry_token=key_retry_token(key)), g.deadline)
    if decision.choice is Choice.CALLBACK:
        if poll is None:  # nothing can be promised without the call log
            return twiml_response(render_segment(safety.callback_unavailable(policy),
                                                 choice_url="", audio_url=audio_url))
        if getattr(policy, "key_cut_the_question", lambda _: False)(situation):
            owe_reason()  # still asked, after "No problem", if no callback is booked
        return twiml_response(callback_flow.ask_for_number(route, key.from_number))
    if decision.choice is Choice.VOICEMAIL:  # stored, then out of the line to record
        return twiml_response(overflow.leave_for_message(route, form, key.digit,
                                                          key.from_number))
    if decision.segment.kind is SegmentKind.OVERFLOW_OFFER:  # a key where the offer ends
        overflow.note_offer(form.call_id, form.queue_time_s, route)  # the wait: logged once
    return twiml_response(render_segment(decision.segment, choice_url=voice_url(
        "choice", params, **window_arg(decision.segment.offered_window_s)),  # its own offer's
                                         audio_url=audio_url))


def answer_from_the_result() -> VoiceResponse:
    """What the result itself implies (never a hang-up on a caller still in a call; at
    queue-full the overflow offer, built from the config in memory, where there is one)."""
    result = request.form.get("QueueResult", "").strip()
    route = this_route()
    if result == "queue-full" and (offer := overflow.full_offer(route.params, route.policy)):
        return offer
    if result == "leave" and (record := overflow.after_leaving(
            route.params, route.policy, overflow.rules_of(route), None,
            request.form.get("From"))):
        return record
    return after_queue(result, route)


@bp.post("/queue-result")
@falls_back_to(answer_from_the_result)
def queue_result() -> Response:
    """A hang-up is a hang-up even with a garbled QueueTime: the fact is stored (or
    journaled) without it, then the malformed request still gets its 400."""
    form = QueueResultForm.parse(request.form)
    svc = services()
    params = this_route().params
    written = svc.store.write(c.QueueResult(
        call_id=form.call_id, now=svc.clock.now(), queue=params.queue,
        policy=params.policy or "", arm=params.arm, result=form.result,
        queue_time_s=form.queue_time_s, episode=params.episode), g.deadline)
    if form.garbled is not None:
        raise form.garbled
    route = this_route()
    if form.result == "queue-full" and (offer := overflow.full_offer(
            params, route.policy, log_answered=written.stored)):  # journaled: no callback
        overflow.note_offer(form.call_id, None, route, "queue_full")
        return twiml_response(offer)  # a callback or a message instead of a drop
    rules = overflow.rules_of(route)
    if form.result == "leave" and rules is not None and rules.voicemail_key and (
            record := overflow.after_leaving(params, route.policy, rules,
                                             overflow.wants_to_record(form.call_id),
                                             request.form.get("From"))):
        return twiml_response(record)
    return twiml_response(after_queue(form.result, route))


STILL_IN_A_CALL = ("redirected", "redirected-from-bridged", "bridging-in-process")
"""QueueResults after which the caller is still connected elsewhere: never hang up on them."""


def after_queue(result: str, route: Route) -> VoiceResponse:
    """What the caller hears once out of the queue, in the queue's voice; a Twilio-side error
    puts them back once, as a second time in line whose wait still counts from their first
    entry, and a second one ends the call with words, never a bare hang-up."""
    params, voice = route.params, route.policy.voice
    response = VoiceResponse()
    if result in ("error", "system-error") and not params.put_back:
        say(response, voice, safety.fixed_text(voice, "back_in_line"))  # a rejoined leg too,
        return enqueue(response, params.back_in_line())  # in its place, as the same call
    if result in STILL_IN_A_CALL:
        return response  # an empty document: their call goes on where it was sent
    if result == "queue-full":
        say(response, voice, closed.queue_full_words(route.queue, voice))
    elif result in ("error", "system-error"):
        say(response, voice, safety.fixed_text(voice, "line_failed"))
    response.hangup()
    return response


@bp.post("/status")
@falls_back_to(not_taken)
def status() -> Response:
    """Journaled if the database is away, so the fact is durable before the 204."""
    form = StatusForm.parse(request.form)
    svc = services()
    svc.store.write(c.CallStatus(call_id=form.call_id, now=svc.clock.now(), status=form.status,
                                 check_claims=svc.rest_client is not None,
                                 ring_s=svc.config.callbacks.least_claim_s()), g.deadline)
    return Response(status=204)


def agent_keeps_looping() -> VoiceResponse:
    """A calm pause, then the agent waits on their own (configured) queue again; in a
    customer-first queue, after a glance at its held customers (nobody can tell whether one
    holds)."""
    params = this_route().params.queue_only()
    glance = callback_calls.glance_at_held(params, request.args)
    return glance if glance is not None else agent_dial(params, pause_s=AGENT_RETRY_S)


@bp.post("/agent")
@falls_back_to(agent_keeps_looping)
def agent() -> Response:
    form = AgentForm.parse(request.form)
    svc = services()
    params = this_route().params.queue_only()
    tried = ClaimTry()  # the claim this request makes, named if it ends in doubt
    try:
        on_line = svc.store.read(lambda conn: callback_rest.who_is_on_line(conn, params.queue),
                                 g.deadline)  # called back through REST, waiting for an agent
        if on_line == callback_rest.HEARD:
            return twiml_response(callback_calls.take_called_back(params))
        if on_line == callback_rest.CHECKED and request.args.get("held") != "looked":
            return twiml_response(callback_calls.glance(params))  # perhaps bridged already
        claim = callback_calls.claim_for_agent(
            params.queue, form.agent_call_id, request.args.get("done", ""), tried=tried,
            unsure=callback_calls.claim_in_doubt(request.args, ASKED_AGAIN))
    except Unsettled as error:  # a claim may hold a callback: asked again, it is given back
        if request.args.get(ASKED_AGAIN) is None:  # once: a database this slow for every
            log.warning("agent %s asks again: their claim is in doubt (%s)",  # request
                        form.agent_call_id, error)  # must not keep agents from the queue
            return twiml_response(ask_again(params, tried))
        claim = None
        log.warning("agent %s takes the queue: their claim is in doubt again (%s)",
                    form.agent_call_id, error)
    except DatabaseUnavailable as error:
        log.warning("agent %s takes the queue without callbacks: %s", form.agent_call_id, error)
        if (glance := callback_calls.glance_at_held(params, request.args)) is not None:
            return twiml_response(glance)  # a customer who answered may be holding
        claim = None
    if claim is not None:  # an older caller is waiting for a callback: they go first
        return twiml_response(callback_calls.dial_customer(claim, params, form.to))
    try:
        found_nobody = request.args.get(TRIED_STRANDED) and form.dial_status != "completed"
        stranded = None if found_nobody else svc.store.read(  # then its own queue, this time
            lambda conn: stranded_queue(conn, svc.config.queues, svc.clock.now()), g.deadline)
        if stranded is not None:  # waiting in a queue removed since: nobody else takes them
            return twiml_response(take_stranded(params, stranded))
        if resume.first_in_line(params):  # the longest-waiting caller rang back after a drop
            told = reason.briefing(params.queue, form.agent_call_id)  # their words too
            return twiml_response(resume.take_rejoined(params, AGENT_WAIT_S, told))
    except DatabaseUnavailable:
        pass  # the queue itself, as without the database
    if form.dial_status == "failed":
        # Twilio fails a <Dial><Queue> at once when the queue does not exist yet (a fresh
        # deploy): pause before asking again, instead of a tight webhook loop.
        return twiml_response(cached_twiml(svc.twiml_cache, ("agent-after-failure", params),
                                           agent_keeps_looping))
    if (told := reason.briefing(params.queue, form.agent_call_id)) is not None:
        return twiml_response(agent_dial(params, briefing=told))  # the next caller's words
    return twiml_response(cached_twiml(svc.twiml_cache, ("agent", params),
                                       lambda: agent_dial(params)))


def ask_again(params: RouteParams, tried: ClaimTry) -> VoiceResponse:
    """The agent's request again after AGENT_RETRY_S, naming the claim in doubt: one whose
    COMMIT was cut off and could not be read back may have landed, and is then given back;
    taking the queue instead had left a landed claim's callback held by an agent who never
    dialled it (trust audit 35, D1). The request's own markers go along (a claim whose Dial
    just ended must not be given back: review 35, R1)."""
    response = VoiceResponse()
    response.pause(length=AGENT_RETRY_S)
    kept = {name: request.args[name] for name in ("done", "held", TRIED_STRANDED)
            if name in request.args}
    response.redirect(voice_url("agent", params, **kept,
                                **{ASKED_AGAIN: callback_calls.in_doubt(tried)}), method="POST")
    return response


ASKED_AGAIN = "unsure"
"""Names the claim in doubt on the agent's request asked again: in doubt a second time, the
agent takes the queue (a claim that landed meanwhile is freed by the agent's call's end or
claim_timeout_s, as before)."""


def agent_dial(params: RouteParams, pause_s: int = 0, briefing: str | None = None
               ) -> VoiceResponse:
    """Take the next caller. The action loops the agent: after each conversation, or after
    AGENT_WAIT_S with nobody in the queue, Twilio asks /voice/agent again, so due callbacks
    are never left behind. A `briefing` is said to the agent first."""
    response = VoiceResponse()
    if pause_s:
        response.pause(length=pause_s)
    reason.say_briefing(response, params.queue or "", briefing)
    dial = response.dial(timeout=resume.agent_wait_s(params.queue or "", AGENT_WAIT_S),
                         action=voice_url("agent", params), method="POST")
    dial.queue(params.queue, url=voice_url("connect", params), method="POST")
    return response


TRIED_STRANDED = "stranded"
"""The agent's next loop after a removed queue's Dial: one that found nobody there (a caller
whose end was never heard looks waiting for a while) goes to the agent's own queue next."""


def take_stranded(params: RouteParams, stranded: str) -> VoiceResponse:
    """The agent takes the head of a removed queue's line (app.storage.stranded), then loops
    back to their own queue as after any conversation."""
    response = VoiceResponse()
    dial = response.dial(timeout=AGENT_WAIT_S, method="POST",
                         action=voice_url("agent", params, **{TRIED_STRANDED: stranded}))
    dial.queue(stranded, url=voice_url("connect", RouteParams(stranded, None, "")),
               method="POST")
    return response


def connecting(route: Route | None = None, waited_s: float | None = None) -> VoiceResponse:
    """Said to the caller just before the bridge: thanks for waiting only to one who waited
    (`waited_s` None, as for a callback's customer and the safe answer: they did)."""
    policy = (route or this_route()).policy
    words = connecting_words(policy.prompts, policy.voice, waited_s)
    return render_steps(VoiceResponse(), (policy.voice.say(words),),
                        choice_url="", audio_url=audio_url)


@bp.post("/connect")
@falls_back_to(connecting)
def connect() -> Response:
    form = ConnectForm.parse(request.form, request.args)
    svc = services()
    route = this_route()
    written = svc.store.write(c.Connect(
        call_id=form.call_id, now=svc.clock.now(), queue=route.queue,
        queue_time_s=form.queue_time_s, agent_call_id=form.agent_call_id,
        rejoined=form.rejoined), g.deadline)  # a rejoined leg's call: found when applied
    # The wait is the log's, from the first entry: QueueTime restarts when a caller is put
    # back after a Twilio error (or rejoins after a drop), and no field of this request
    # (the agent's Queue url is shared) can say so. Journaled, or unknown: thanked.
    waited_s = cast("float | None", written.value) if written.stored else None
    return twiml_response(cached_twiml(svc.twiml_cache, ("connect", route.policy.name,
                                                         route.queue, waited(waited_s)),
                                       lambda: connecting(route, waited_s)))
