"""Placing callbacks from the agent's call, so the customer never picks up only to wait again.

The agent's /voice/agent request claims the oldest callback when it entered the line before
the head of the Twilio queue; the agent hears who it is and how long they have waited, then
`<Dial><Number>` rings the customer with the support number as caller ID. The Number's url
runs when the customer answers (the connect moment, or voicemail); the Dial's action reports
busy / no-answer / failed, which schedules a retry or, after the last attempt, a failure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime

from flask import Response, abort, g, request
from sqlalchemy import Connection
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.datastructures import MultiDict

from app.failure_text_sender import send_owed
from app.services import services
from app.storage import callback_queue
from app.storage import commands as c
from app.storage.callback_queue import Callback
from app.storage.deadline import DatabaseUnavailable
from app.storage.stranded import stranded_callback_queues
from app.twilio_rest import after_answer
from app.twiml import say, say_and_hang_up, twiml_response
from app.voice import overflow, reason
from app.voice.blueprint import bp
from app.voice.context import this_route
from app.voice.forms import UNANSWERED_DIALS, AgentForm, CallbackLegForm, RouteParams
from app.voice.safety import falls_back_to, fixed_text
from app.voice.urls import voice_url
from hold_policies.base import HoldPolicy
from hold_policies.languages import language_of
from hold_policies.prompts import filled

log = logging.getLogger("holdwell.callbacks")


def claim_for_agent(queue: str, agent_call_id: str, finished: str = "", *,
                    tried: callback_queue.ClaimTry | None = None,
                    unsure: callback_queue.ClaimTry | None = None) -> Callback | None:
    """The oldest due callback for this agent (raises DatabaseUnavailable past the budget,
    Unsettled when its claim was cut off at its COMMIT and could not be read back: `tried`
    then names it); none while the queue is closed (callbacks are never dialled outside
    opening hours), nor in a customer-first queue, where the callback worker rings the
    customer first; never again the claim `finished`, whose Dial this agent just ended.
    `unsure`: the claim in doubt when this agent was last asked, given back if it landed
    (review 35, R2: a host with a journal backlog gives no claim back by its age alone)."""
    svc = services()
    now = svc.clock.now()
    if not svc.config.is_open(queue, now) or queue in svc.config.customer_first_queues():
        return None
    settled = svc.store.journal is None or not svc.store.journal.has_backlog()
    tried = tried if tried is not None else callback_queue.ClaimTry()

    def claim(conn: Connection) -> Callback | None:
        if unsure is not None and (held := callback_queue.claimed_in(conn, unsure)):
            tried.call_id, tried.token = unsure.call_id, unsure.token
            return held
        found = callback_queue.claim_next(conn, queue, agent_call_id, now, again=settled,
                                          finished=finished, tried=tried)
        for stranded in () if found is not None else stranded_callback_queues(
                conn, svc.config.queues):  # promised in a queue removed since: no one else
            found = callback_queue.claim_next(conn, stranded, agent_call_id, now,
                                              only_if_older_than_queue=False, again=settled,
                                              finished=finished, tried=tried)
            if found is not None:
                break
        return found

    return svc.store.read_back_if_cut(claim, lambda conn: callback_queue.claimed_in(conn, tried),
                                      g.deadline, needed=lambda: tried.call_id is not None)


CLAIM_IN_DOUBT = re.compile(r"(CA[0-9a-f]{32})\.([0-9a-f]{32})")
"""How an agent's claim in doubt rides in the URL they are asked again at: call.token."""


def in_doubt(tried: callback_queue.ClaimTry) -> str:
    return f"{tried.call_id}.{tried.token}"


def claim_in_doubt(args: MultiDict, name: str) -> callback_queue.ClaimTry | None:
    """The claim `in_doubt` wrote into query parameter `name`; a 400 if it is not one."""
    given = args.get(name)
    if given is None:
        return None
    if (shape := CLAIM_IN_DOUBT.fullmatch(given)) is None:
        abort(400, description=f"query parameter {name} is not a claim in doubt: {given[:80]!r}")
    return callback_queue.ClaimTry(token=shape[2], call_id=shape[1])


def brief(response: VoiceResponse, callback: Callback, policy: HoldPolicy,
          answered_at: datetime | None = None) -> None:
    """What the agent hears of a callback before talking to its customer, in either dialling:
    the wait since first calling, since answering (customer-first), their words, a message."""
    now = services().clock.now()
    language = language_of(policy.voice.language)
    if callback.booked_while_closed:  # they never waited: "waiting 601 minutes since first
        say(response, policy.voice, fixed_text(policy.voice, "booked_while_closed"))  # calling"
    else:  # had been true of the night's closed hours and misleading
        say(response, policy.voice, filled(policy.prompts.agent_callback_context,
            minutes=language.waited_words((now - callback.entered_at).total_seconds())))
    if answered_at is not None:
        say(response, policy.voice, filled(policy.prompts.agent_callback_held,
            minutes=language.waited_words((now - answered_at).total_seconds())))
    if (told := reason.for_callback(callback.queue, policy, callback.call_id)) is not None:
        say(response, policy.voice, told)  # what the customer told us while waiting
    overflow.tell_message(response, callback, policy)  # a message they left: heard first


def dial_customer(claim: Callback, params: RouteParams, line_number: str | None) -> VoiceResponse:
    """The agent hears the context, then the customer's phone rings from the support number."""
    svc = services()
    settings = svc.config.callbacks
    response = VoiceResponse()
    brief(response, claim, svc.policy(params.queue, None))
    caller_id = svc.config.line.support_number or line_number
    fence = {"call": claim.call_id, "claim": claim.claim or ""}
    dial = response.dial(caller_id=caller_id, timeout=settings.ring_timeout_s, method="POST",
                         action=voice_url("callback/dial-result", params, **fence))
    dial.number(claim.number, url=voice_url("callback/answer", params, **fence),
                method="POST",
                machine_detection="Enable" if settings.answering_machine_detection else None)
    return response


def take_called_back(params: RouteParams) -> VoiceResponse:
    """A customer called back through the REST API waits in the priority queue: take them,
    after hearing about them (`brief_held`)."""
    response = VoiceResponse()
    brief_held(response, params)
    return dial_the_held(response, params, action=voice_url("agent", params))


def dial_the_held(response: VoiceResponse, params: RouteParams,
                  **dial: object) -> VoiceResponse:
    """The agent's <Dial> (with `dial`'s attributes) on the queue's priority queue, where the
    customers who answered a customer-first callback hold."""
    from app.storage.callback_rest import priority_queue

    response.dial(method="POST", **dial).queue(
        priority_queue(params.queue or ""), url=voice_url("callback/rest-connect", params),
        method="POST")
    return response


HELD_GLANCE_S = 5
"""How long an agent waits on its queue's priority queue before the queue itself, when it is
not known that a customer holds there (without the call log, in a customer-first queue; or
only the claim check says one may: callback_rest.CHECKED). A held customer is taken at once;
nobody held costs this."""


def glance(params: RouteParams) -> VoiceResponse:
    """The priority queue for HELD_GLANCE_S, then (the action says `held=looked`) the rest."""
    return dial_the_held(VoiceResponse(), params, timeout=HELD_GLANCE_S,
                         action=voice_url("agent", params, held="looked"))


def glance_at_held(params: RouteParams, args: Mapping[str, str]) -> VoiceResponse | None:
    """For /voice/agent when the call log cannot say whether a customer who answered a
    customer-first callback is holding: look in the priority queue first, briefly, then (the
    Dial's action says `held=looked`) the queue itself. None: not such a queue, or looked."""
    config = services().known_queue(params.queue or "")
    if config is None or config.callback.dialling != "customer_first" or \
            args.get("held") == "looked":
        return None
    return glance(params)


def brief_held(response: VoiceResponse, params: RouteParams) -> None:
    """Customer-first: the agent hears, before their <Dial><Queue>, about the held customer it
    will take (the Queue url is played to the customer, never to the agent), and AGENT_BRIEFED
    records who was told about whom. The brief never costs the bridge: past the database
    budget, or on any fault, it is skipped and the Dial goes ahead (the agent route's own
    fallback would dial the main queue and leave the customer holding)."""
    from app.storage import callback_rest

    svc = services()
    agent_call_id = AgentForm.parse(request.form).agent_call_id
    now = svc.clock.now()
    try:
        held = svc.store.read(lambda conn: callback_rest.held_for_agent(
            conn, params.queue, agent_call_id, now), g.deadline)
        if held is None:
            return
        svc.store.write(c.Briefed(call_id=held.callback.call_id, now=now, queue=params.queue,
                                  agent_call_id=agent_call_id), g.deadline)
        told = VoiceResponse()
        brief(told, held.callback, svc.policy(params.queue, None), held.answered_at)
    except DatabaseUnavailable as error:
        log.warning("agent %s takes a held customer unbriefed: %s", agent_call_id, error)
        return
    except Exception:  # noqa: BLE001 - the brief is optional, the bridge is the promise
        log.exception("agent %s takes a held customer unbriefed", agent_call_id)
        return
    for verb in told.verbs:
        response.append(verb)


def already_helped() -> VoiceResponse:
    """The callback's customer was answered on their own call meanwhile: nothing to bridge."""
    voice = this_route().policy.voice
    return say_and_hang_up(VoiceResponse(), voice, fixed_text(voice, "already_helped"))


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
    written = svc.store.write(c.CallbackConnected(call_id=leg.call_id, now=svc.clock.now(),
                                                  claim=leg.claim), g.deadline)
    if written.stored and written.value is False:  # answered on their own call meanwhile:
        return twiml_response(already_helped())  # never put through to a second agent
    return twiml_response(greeting())


def on_to_the_next_caller() -> VoiceResponse:
    """The agent's next loop, naming the claim whose Dial ended (`done`): a Dial's result may
    be journaled on a host cut off, and its customer must not be rung again at once."""
    done = {"done": claim} if (claim := request.args.get("claim")) else {}
    response = VoiceResponse()
    response.redirect(voice_url("agent", this_route().params.queue_only(), **done),
                      method="POST")
    return response


@bp.post("/callback/dial-result")
@falls_back_to(on_to_the_next_caller)
def callback_dial_result() -> Response:
    """The agent's Dial ended; if the customer never picked up, retry later or give up."""
    leg = CallbackLegForm.parse(request.form, request.args)
    response = VoiceResponse()
    if leg.dial_status == "completed":  # answered: when the agent's talk ended (if kept)
        talk_ended(leg)
    if leg.dial_status == "canceled":  # the agent hung up while it rang: back in its place
        svc = services()
        svc.store.write(c.CallbackCanceled(call_id=leg.call_id, now=svc.clock.now(),
                                           claim=leg.claim), g.deadline)
    if leg.dial_status in UNANSWERED_DIALS:
        became = unanswered(leg, leg.dial_status,
                            attempt_key=leg.dial_leg or leg.leg or leg.dial_status)
        policy = this_route().policy
        if became != "connected":  # else this claim's customer answered: nothing was missed
            say(response, policy.voice, policy.prompts.agent_callback_given_up
                if became == "failed" else policy.prompts.agent_callback_missed)
    for verb in on_to_the_next_caller().verbs:
        response.append(verb)
    return twiml_response(response)


def talk_ended(leg: CallbackLegForm) -> None:
    """A callback's conversation is over: logged (journaled if need be) for the claim named in
    the URL, a no-op unless that claim kept the promise."""
    svc = services()
    svc.store.write(c.CallbackEnded(call_id=leg.call_id, now=svc.clock.now(), claim=leg.claim),
                    g.deadline)


def unanswered(leg: CallbackLegForm, result: str, *, attempt_key: str,
               final: bool = False, end_unheard: bool = False,
               reached: bool = False) -> str | None:
    """One attempt nobody answered, for the claim named in the URL (journaled if need be);
    `final`: the customer had answered and hung up before an agent came — no more attempts;
    `reached`: they answered, and were told on the line why the call ends, so a last attempt
    owes no text saying we could not reach them. Returns what became of the callback
    ("pending": it will be tried again; "failed"), None when that is not known (journaled,
    or the attempt no longer applied)."""
    svc = services()
    settings = svc.config.callbacks
    command = c.CallbackUnanswered.under(
        settings, call_id=leg.call_id, now=svc.clock.now(), claim=leg.claim, result=result,
        attempt_key=attempt_key, final=final, end_unheard=end_unheard,
        text_if_failed=not reached)
    written = svc.store.write(command, g.deadline)
    log.info("callback %s attempt: %s -> %s", leg.call_id, result,
             written.value if written.stored else "journaled")
    if written.value == "failed":  # journaled: texted by `holdwell callbacks` once applied
        engine, client, now = svc.store.engine, svc.rest_client, svc.clock.now()
        from_, languages = svc.config.line.support_number, svc.queue_languages()
        after_answer(lambda: send_owed(engine, client, settings, from_, now, leg.call_id,
                                       languages))
    return written.value if written.stored and isinstance(written.value, str) else None
