"""A caller who rings back while their callback is pending: keep the callback, or wait instead.

Never both (FreePBX callers were dialled twice): /voice/incoming recognises the number and
asks; keeping it (1, or no key) ends this call before it is queued; waiting (2) cancels the
callback first, then queues this call. Another key is said to do nothing and the question
asked once more; a second one keeps the callback, as no key does. If the database cannot
say, the caller is queued as anyone else would be. A cancellation whose outcome nobody can
read back (its COMMIT cut off) is told as such: call again, and you are asked again if the
callback still stands.
"""

from __future__ import annotations

import logging
from enum import Enum

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import commands as c
from app.storage.callback_admin import CANCELLED
from app.storage.deadline import DatabaseUnavailable, Unsettled
from app.storage.one_per_person import outstanding_for
from app.storage.prepared import OUTSTANDING
from app.storage.returning_writes import CONNECTED, STANDS, callback_status
from app.twiml import one_key, say, say_and_hang_up, twiml_response
from app.voice.blueprint import bp
from app.voice.callers import number_to_call
from app.voice.context import this_route
from app.voice.forms import CallForm, RouteParams, digits, sid
from app.voice.safety import falls_back_to
from app.voice.urls import enqueue, voice_url
from hold_policies.closed_line import closed_words_in
from hold_policies.config import MAX_QUEUE_NAME_CHARS
from hold_policies.languages import language_of

log = logging.getLogger("holdwell.callbacks")
KEEP_KEY, WAIT_KEY = "1", "2"


def booked_callback(queue: str, caller: CallForm) -> str | None:
    """The call whose callback to this caller's number is pending in `queue`, if any."""
    svc = services()
    number = number_to_call(caller.from_number, svc.config)
    if number is None:
        return None
    try:
        return svc.store.read(lambda conn: outstanding_for(conn, queue, number,
                                                           other_than=caller.call_id),
                              g.deadline)
    except DatabaseUnavailable as error:
        log.warning("could not look up callbacks for %s: %s", caller.call_id, error)
        return None


def booked_in_removed_queue(caller: CallForm) -> str | None:
    """For a call whose webhook still names a queue removed since (it joins the default
    queue): the callback pending to this caller in that queue, so they are asked, as anyone
    ringing again is, instead of joining the line while the callback stands (both)."""
    asked = RouteParams.from_request().queue
    if not asked or asked in services().config.queues or len(asked) > MAX_QUEUE_NAME_CHARS:
        return None  # (a worker started since may not know the queue: any name is looked up)
    return booked_callback(asked, caller)


def note_rang_back(params: RouteParams, policy: str, caller: CallForm, booked: str,
                   choice: str) -> None:
    """Log the new call (journaled if the database is slow) as asked about its pending
    callback, or as waiting instead of it."""
    svc = services()
    svc.store.write(c.RangBack(call_id=caller.call_id, now=svc.clock.now(), queue=params.queue,
                               policy=policy, arm=params.arm,
                               from_number=caller.from_number, booked=booked, choice=choice),
                    g.deadline)


def ask_keep_or_wait(params: RouteParams, booked: str, *, again: bool = False) -> VoiceResponse:
    """Keep the callback (1, or no key) or wait instead (2); `again`: after a key that does
    nothing here, said so first, and asked this last time (the next wrong key keeps it)."""
    policy = services().policy(params.queue, params.policy)
    response = VoiceResponse()
    if again:
        say(response, policy.voice, wrong_key_words(params.queue))
    extra = {"again": "1"} if again else {}
    gather = one_key(response, timeout=6, action_on_empty_result=True,
                     action=voice_url("callback/returning", params, booked=booked, **extra))
    say(gather, policy.voice, policy.prompts.returning_caller)
    return response


def wrong_key_words(queue: str) -> str:
    """"That key does nothing here", and no more: a caller ringing back about their callback
    is in no line on this call (one booked at queue-full or while closed never had a place),
    yet had heard the check-in's "Sorry, that key does nothing here. You keep your place in
    line." The queue's closed-line words say it (its own, where its hours set them)."""
    config = services().queue_config(queue)
    line = config.closed_line()
    words = line.words if line is not None else closed_words_in(language_of(config.language))
    return words.wrong_key


def goodbye(words: str) -> VoiceResponse:
    return say_and_hang_up(VoiceResponse(), this_route().policy.voice, words)


def kept() -> VoiceResponse:
    """The callback stays as it was: true whether or not anything below worked."""
    return goodbye(this_route().policy.prompts.callback_kept)


@bp.post("/callback/returning")
@falls_back_to(kept)
def callback_returning() -> Response:
    caller = CallForm.parse(request.form)
    booked = sid(request.args, "booked", sent_as="query parameter")
    key = digits(request.form)
    svc = services()
    route = this_route()
    params, policy = route.params, route.policy
    now = svc.clock.now()
    if key not in ("", KEEP_KEY, WAIT_KEY) and request.args.get("again") != "1":
        # a key that does nothing here is no decision: said so, and asked once more
        return twiml_response(ask_keep_or_wait(params, booked, again=True))
    traded = traded_for_waiting(booked, caller.call_id) if key == WAIT_KEY else \
        _unless_gone(booked)
    if traded in (Trade.CANCELLED, Trade.GONE):
        note_rang_back(params, policy.name, caller, booked, "wait")
        response = VoiceResponse()
        say(response, policy.voice, policy.prompts.callback_traded_for_waiting
            if traded is Trade.CANCELLED else policy.prompts.callback_no_longer_booked)
        return twiml_response(enqueue(response, params))
    if traded is Trade.UNKNOWN:  # kept or cancelled, nobody can say: no CALLBACK_KEPT either
        return twiml_response(goodbye(policy.prompts.callback_change_unknown))
    svc.store.write(c.KeptCallback(call_id=caller.call_id, now=now, queue=route.queue,
                                   policy=policy.name, arm=params.arm, booked=booked),
                    g.deadline)
    if traded is Trade.ON_ITS_WAY:  # asked to wait, but an agent is dialling them already
        return twiml_response(goodbye(policy.prompts.callback_on_its_way))
    if traded is Trade.UNCHANGED:  # asked to wait, and the database could not take it
        return twiml_response(goodbye(policy.prompts.callback_unchanged))
    return twiml_response(kept())


class Trade(Enum):
    """What became of a returning caller's "wait instead"."""

    CANCELLED = "cancelled"  # the callback is cancelled: they wait on the line
    ON_ITS_WAY = "on_its_way"  # it stands: an agent is dialling it
    UNCHANGED = "unchanged"  # it stands: the database did not take the cancellation
    UNKNOWN = "unknown"  # the cancellation's COMMIT was cut off and nobody could read it back
    GONE = "gone"  # it ended meanwhile (its last attempt rang this call, busy): nothing stands


def _unless_gone(booked: str) -> Trade | None:
    """Keeping it (1, no key): GONE if the callback failed or was cancelled while they were
    asked (they are told it is no longer booked and wait on the line, never that it
    stands); ON_ITS_WAY if it connected meanwhile (kept: never both); None (kept) if it is
    still to come, or if the database cannot say in time."""
    svc = services()
    try:
        status = svc.store.read(lambda conn: callback_status(conn, booked), g.deadline)
    except DatabaseUnavailable as error:
        log.warning("could not read back the callback of %s: %s", booked, error)
        return None
    if status is None or status in OUTSTANDING:
        return None
    return Trade.ON_ITS_WAY if status == CONNECTED else Trade.GONE


def traded_for_waiting(booked: str, call_id: str) -> Trade:
    """Cancel the pending callback so this call can wait instead (store_now reads back a
    cancellation cut off at its COMMIT, so each answer is what the database holds)."""
    svc = services()
    try:
        cancelled = svc.store.store_now(c.CancelForWaiting(
            call_id=booked, now=svc.clock.now(), by_call=call_id), g.deadline)
    except Unsettled as error:
        log.warning("cannot tell whether %s's callback is cancelled: %s", call_id, error)
        return Trade.UNKNOWN
    except DatabaseUnavailable:
        return Trade.UNCHANGED
    return {CANCELLED: Trade.CANCELLED, STANDS: Trade.ON_ITS_WAY}.get(cancelled, Trade.GONE)
