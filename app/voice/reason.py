"""The caller's reason: their words taken in the wait, and said to the agent before the bridge.

The first check-in may ask for a few words (a speech <Gather> in the wait document, whose
action is /voice/choice like the keys'); `heard` stores them (journaled if the database is
away) and thanks the caller, after which Twilio asks the waitUrl again and the wait goes on.

Before the bridge: a <Dial><Queue>'s url is played to the caller, not to the agent, and Twilio
alone picks the caller the agent gets (the head of its queue). So the agent is told, before
their <Dial>, the reason of the caller they will most likely take (`briefing`), and the log
records who was told what (AGENT_BRIEFED), so the CONNECT shows whether it was that caller.
"""

from __future__ import annotations

import logging

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import commands as c
from app.storage import reason_writes
from app.storage.deadline import DatabaseUnavailable
from app.storage.reason_writes import NextCaller
from app.twiml import render_segment, say, twiml_response
from app.voice.context import this_route
from app.voice.forms import SpeechForm
from app.voice.urls import audio_url
from hold_policies.base import HoldPolicy, spoken
from hold_policies.estimate import WaitBand
from hold_policies.languages import language_of
from hold_policies.prompts import filled as fill
from hold_policies.steps import SegmentKind

log = logging.getLogger("holdwell.voice")


def heard() -> Response:
    """A speech Gather's answer: store the words once, thank the caller, the wait goes on."""
    speech = SpeechForm.parse(request.form)
    if not speech.text:
        return twiml_response(VoiceResponse())  # nothing understood: the document carries on
    svc = services()
    route = this_route()
    svc.store.write(c.Reason(call_id=speech.wait.call_id, now=svc.clock.now(),
                             queue=route.queue, policy=route.policy.name, arm=route.params.arm,
                             text=speech.text, confidence=speech.confidence,
                             episode=route.params.episode), g.deadline)
    thanks = spoken(route.policy.voice, SegmentKind.ACKNOWLEDGE,
                    route.policy.prompts.reason_thanks)
    return twiml_response(render_segment(thanks, choice_url="", audio_url=audio_url))


def asks_reasons(queue: str) -> bool:
    """Whether any policy or variant this queue's callers hear asks for a reason."""
    return any(getattr(policy, "ask_reason", False)
               for (name, _), policy in services().policies.items() if name == queue)


def briefing(queue: str, agent_call_id: str) -> str | None:
    """What the agent is told before their Dial (None: nobody waiting gave a reason). Past
    the database budget the agent simply takes the next caller unbriefed."""
    if not asks_reasons(queue):
        return None
    svc = services()
    now = svc.clock.now()
    try:
        found = svc.store.read(
            lambda conn: reason_writes.next_in_line(conn, queue, agent_call_id, now), g.deadline)
    except DatabaseUnavailable as error:
        log.warning("agent %s is not briefed: %s", agent_call_id, error)
        return None
    if found is None:
        return None
    svc.store.write(c.Briefed(call_id=found.call_id, now=now, queue=queue,
                              agent_call_id=agent_call_id), g.deadline)
    return words(svc.policy(queue, None), found, (now - found.entered_at).total_seconds())


def say_briefing(response: VoiceResponse, queue: str, told: str | None) -> None:
    """The briefing said to the agent, in the queue's voice, before their Dial (if any)."""
    if told:
        say(response, services().policy(queue, None).voice, told)


def for_callback(queue: str, policy: HoldPolicy, call_id: str) -> str | None:
    """The customer's words, said to the agent before their phone rings (None: none given, or
    the database could not say in time; the callback goes ahead either way)."""
    if not asks_reasons(queue):
        return None
    try:
        text = services().store.read(lambda conn: reason_writes.reason_of(conn, call_id),
                                     g.deadline)
    except DatabaseUnavailable as error:
        log.warning("callback %s: its reason is not said: %s", call_id, error)
        return None
    return fill(policy.prompts.agent_callback_reason, reason=text.rstrip(".")) if text else None


def words(policy: HoldPolicy, caller: NextCaller, waited_s: float) -> str:
    """The reason with the wait so far, where they were in line and the wait they were told."""
    prompts = policy.prompts
    language = language_of(policy.voice.language)
    minutes = language.waited_words(waited_s)
    said = [fill(prompts.agent_caller_reason, minutes=minutes, reason=caller.text.rstrip("."))]
    if caller.position is not None:
        said.append(fill(prompts.agent_caller_position, position=str(caller.position)))
    if caller.promised_wait_s is not None:
        band = WaitBand(max(round(caller.promised_wait_s / 60), 1))
        said.append(fill(prompts.agent_caller_promised, wait=band.words(language)))
    return " ".join(s for s in said if s)


