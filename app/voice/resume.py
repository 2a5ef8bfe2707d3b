"""Back in your place after a dropped line: the live side of hold_policies.resume.

A caller who rings back within the queue's `resume.within_s` of a hang-up that looks like a
dropped line joins `NAME-rejoin`, a Twilio queue of their own, with URLs naming the call they
continue (`resumes=`, `episode=`): every fact of the new leg lands on the first call, whose
wait still counts from the first entry. An agent takes that queue first whenever its head
entered before the queue's own head (Twilio offers an agent only a queue's head), so they are
ahead of callers who arrived after their first entry, and behind those who were there before;
callers of the queue itself are told positions that count them (app.storage.prepared). If the
database cannot say within the budget, the caller simply joins the queue as a new call.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from flask import g
from sqlalchemy import Connection
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import commands as c
from app.storage import resume_writes
from app.storage.deadline import DatabaseUnavailable
from app.storage.resume_writes import Dropped, rejoin_queue
from app.twiml import say
from app.voice import reason
from app.voice.callers import names_one_line
from app.voice.forms import CallForm, RouteParams, WaitForm
from app.voice.urls import enqueue, voice_url
from hold_policies.resume import may_resume

log = logging.getLogger("holdwell.voice")
IDLE_WAIT_S = 10
"""How long an idle agent's <Dial><Queue> waits on one queue where callers may rejoin: an
agent waiting on the queue itself never sees a caller who goes into the rejoin queue (nor
one waiting on the rejoin queue a new arrival), and would take a later arrival first; asking
again this often bounds that (measured in the README), at one agent request per idle 10 s."""


def rejoin(params: RouteParams, caller: CallForm) -> VoiceResponse | None:
    """For /voice/incoming: the TwiML that puts a dropped caller back in their place, or None."""
    svc = services()
    rule = svc.queue_config(params.queue).resume.rule()
    if not rule.enabled or not names_one_line(caller.from_number):
        return None  # a withheld number is shared by strangers: nobody's place to take
    now = svc.clock.now()
    since = now - timedelta(seconds=rule.within_s)

    def earlier_or_dropped(conn: Connection) -> tuple[Dropped | None, bool]:
        retried = resume_writes.resumed_by(conn, caller.call_id)  # Twilio retried the webhook
        if retried is not None:
            return retried, True
        return resume_writes.last_dropped(conn, params.queue, caller.from_number, since), False

    try:
        dropped, retried = svc.store.read(earlier_or_dropped, g.deadline)
    except DatabaseUnavailable as error:
        log.warning("cannot tell whether %s rang back after a drop: %s", caller.call_id, error)
        return None
    if dropped is None:
        return None
    if not retried and not may_resume(rule, hung_up_at=dropped.hung_up_at,
                                      last_checkin_at=dropped.last_checkin_at, now=now):
        return None
    # The call's own arm and policy, not the new leg's draw: one call, one arm (intention to
    # treat), and the caller goes on hearing what they heard.
    heard = (dropped.policy or params.policy, dropped.arm if dropped.policy else params.arm)
    if not retried:  # a retry's Resume is stored: the same answer again, nothing more
        svc.store.write(c.Resume(call_id=dropped.call_id, now=now, queue=params.queue,
                                 policy=heard[0] or "", arm=heard[1], leg=caller.call_id,
                                 episode=dropped.episode), g.deadline)
    back = replace(params, policy=heard[0], arm=heard[1], episode=dropped.episode,
                   resumes=dropped.call_id)
    response = VoiceResponse()
    policy = svc.policy(params.queue, back.policy, back.arm)
    say(response, policy.voice, policy.prompts.resumed)
    return enqueue(response, back)


def counts_rejoined(queue: str) -> bool:
    """Whether a place said in `queue` must count rejoined callers ahead (the queue keeps
    dropped callers' places); without the rule there are none to look for."""
    return services().queue_config(queue).resume.rule().enabled


def in_place(form: WaitForm, queue: str) -> WaitForm:
    """A rejoined caller's place: Twilio's position in the rejoin queue (served in the order
    it was joined) plus the callers of the queue itself who entered before their first entry
    (all taken first: an agent takes the rejoin queue only when its head is older than the
    queue's own). Every poll then adds the callbacks and rejoined callers that entered
    before them (situations.situation_from_poll), so those rejoined callers are taken off
    here; at least 1, which overstates the place of a caller who rang back before an older
    one (the safe side). Unknown without the database: as is."""
    svc = services()
    try:
        main, rejoined = svc.store.read(lambda conn: resume_writes.waiting_ahead(
            conn, queue, form.call_id, svc.clock.now()), g.deadline)
    except DatabaseUnavailable:
        return form
    return replace(form, position=max(1, form.position + main - rejoined),
                   queue_size=form.queue_size + main)


def agent_wait_s(queue: str, wait_s: int) -> int:
    """An idle agent's wait on `queue`: IDLE_WAIT_S where the resume rule is on (also in a
    fallback answer: the config is in memory, an unknown queue keeps `wait_s`)."""
    found = services().known_queue(queue)
    return min(wait_s, IDLE_WAIT_S) if found is not None and found.resume.rule().enabled \
        else wait_s


def first_in_line(params: RouteParams) -> bool:
    """For /voice/agent: whether the longest-waiting caller is a rejoined one."""
    svc = services()
    if not svc.queue_config(params.queue).resume.rule().enabled:
        return False
    return svc.store.read(lambda conn: resume_writes.resumed_first(
        conn, params.queue, svc.clock.now()), g.deadline)


def take_rejoined(params: RouteParams, dial_timeout_s: int,
                  briefing: str | None = None) -> VoiceResponse:
    """The agent takes the rejoin queue (told the caller's words first, if they gave any)."""
    response = VoiceResponse()
    reason.say_briefing(response, params.queue or "", briefing)
    dial = response.dial(timeout=min(dial_timeout_s, IDLE_WAIT_S),
                         action=voice_url("agent", params), method="POST")
    dial.queue(rejoin_queue(params.queue or ""),
               url=voice_url("connect", params, rejoined="1"), method="POST")
    return response
