"""The line outside opening hours: say when it opens, and offer a callback for that opening.

A caller who rings while their queue is closed is never enqueued: /voice/incoming answers
with a plain call document (Say, Gather, Hangup). They hear when the line opens again in the
queue's voice; where the queue offers callbacks, their caller ID is one we can call, and the
opening's cap is not reached, one key books a callback for that opening (the caller ID read
back is the confirmation, as in the wait's callback flow). The booking is stored before it is
confirmed; if it cannot be, the caller hears so. The call is logged as CLOSED (outcome
`closed`), never as an abandon.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage import commands as c
from app.storage.closed_writes import booked_for
from app.storage.deadline import DatabaseUnavailable, Unsettled
from app.storage.one_per_person import outstanding_for
from app.twiml import one_key, say, say_and_hang_up, twiml_response
from app.voice.blueprint import bp
from app.voice.callers import number_to_call, spoken_digits
from app.voice.context import this_route
from app.voice.forms import CallForm, KeyForm, RouteParams
from app.voice.safety import falls_back_to, fixed_text
from app.voice.situations import closes_in_s
from app.voice.urls import voice_url
from hold_policies.base import Voice
from hold_policies.closed_line import ClosedLine, closed_message
from hold_policies.prompts import filled

log = logging.getLogger("holdwell.voice")
OFFER_TIMEOUT_S = 6
TOLD_OPENING_FRESH = timedelta(minutes=10)
"""How long after an opening a key pressed at the offer made before it still books for it
(the message, the offer and the key's timeout take well under a minute)."""


def closed_line_now(queue: str) -> tuple[ClosedLine, datetime] | None:
    """The queue's closed line and the time, when the queue is closed now (config in memory
    and the app clock only, so a fallback may ask too)."""
    svc = services()
    line = svc.queue_config(queue).closed_line()
    now = svc.clock.now()
    if line is None or line.is_open(now):
        return None
    return line, now


QUEUE_FULL_CLOSING_S = 15 * 60
"""A full queue whose line closes within this is not told to "call again a little later",
when the line would be shut: it hears when the line opens again instead."""


def queue_full_words(queue: str, voice: Voice) -> str:
    """What a caller Twilio found the queue full for hears (config in memory and the app
    clock only, as the queue-result's safe answer says it too): call again a little later,
    or, when the line closes before that (QUEUE_FULL_CLOSING_S), when it opens again; once
    it has closed, the closed line's own message."""
    svc = services()
    settings, now = svc.known_queue(queue), svc.clock.now()
    line = settings.closed_line() if settings is not None else None
    left = closes_in_s(settings, now)
    if line is None or left is None or left > QUEUE_FULL_CLOSING_S:
        return fixed_text(voice, "queue_full")
    if left == 0:  # closed already (an Enqueue run as the line closed): not "we close soon"
        return closed_message(line, now)[0]
    opening = line.hours.next_opening(now + timedelta(seconds=left + 1))
    if opening is None:  # shut for the hours' whole horizon: no opening to name
        return fixed_text(voice, "queue_full")
    return filled(fixed_text(voice, "queue_full_closing"), opens=line.opens_words(opening, now))


def answer_if_closed(params: RouteParams, form: CallForm) -> VoiceResponse | None:
    """/voice/incoming outside hours: log the call as closed and say when the line opens
    (with a callback offer where one can be made); None while the line is open. A caller
    whose callback stands hears the opening once, in what stands (`already_booked`), after
    the closed greeting without it (`never_opens`): "We open again today at 10 AM. You
    already have a call back booked ... We open today at 10 AM, ..." had said it twice."""
    found = closed_line_now(params.queue or "")
    if found is None:
        return None
    line, now = found
    svc = services()
    message, opening = closed_message(line, now)
    number = number_to_call(form.from_number, svc.config)
    offer, already = (_offer(line, params, opening, number)
                      if opening is not None and number is not None else (False, None))
    svc.store.write(c.Closed(call_id=form.call_id, now=now, queue=params.queue or "",
                             policy=params.policy or "", arm=params.arm,
                             from_number=form.from_number,
                             opens_at=opening.isoformat() if opening else None,
                             offered_callback=offer), g.deadline)
    voice = svc.policy(params.queue, params.policy).voice
    response = VoiceResponse()
    if already is not None and "{opens}" in line.words.already_booked:
        message = line.words.never_opens  # the opening is said once, with what stands
    say(response, voice, message)
    if already is not None:  # one per person: theirs stands, so no second offer
        say(response, voice, filled(line.words.already_booked,
                                    opens=line.opens_words(opening, now)))
    elif offer:
        offer_to_book(response, voice, line, params, opening, number)
    say_and_hang_up(response, voice, line.words.goodbye)
    return response


def offer_to_book(response: VoiceResponse, voice: Voice, line: ClosedLine,
                  params: RouteParams, opening: datetime, number: str, **extra: str) -> None:
    """The one-key offer of a callback for `opening`, posted to /voice/closed/book (`extra`
    rides in its URL)."""
    gather = one_key(response, timeout=OFFER_TIMEOUT_S, action=voice_url(
        "closed/book", params, opens=opening.isoformat(), **extra))
    say(gather, voice, filled(line.words.callback_offer, number=spoken_digits(number[-4:]),
                              callback_key=line.callback_key))


def wrong_key(voice: Voice, line: ClosedLine, params: RouteParams, opening: datetime,
              number: str, offered_again: bool) -> VoiceResponse:
    """A key that is not the offer's: said so, and the offer once more; after the second
    try (or with no key at it) the caller hears that nothing was booked, never a bare
    "thank you", which had sounded like a confirmation."""
    response = VoiceResponse()
    say(response, voice, line.words.wrong_key)
    if not offered_again:
        offer_to_book(response, voice, line, params, opening, number, again="1")
    return say_and_hang_up(response, voice, line.words.nothing_booked)


def _offer(line: ClosedLine, params: RouteParams, opening: datetime,
           number: str) -> tuple[bool, str | None]:
    """Whether to offer a callback for `opening`, and the call whose callback to `number`
    already stands (then it is not offered again). The offer needs room at the opening; if the
    log cannot tell in time, it is made only when no cap needs checking (booking it says what
    is true either way: booked, or theirs stands)."""
    if not line.may_offer(0):
        return False, None
    queue, capped = params.queue or "", line.callbacks_per_opening is not None
    try:
        booked, already = services().store.read(lambda conn: (
            booked_for(conn, queue, opening) if capped else 0,
            outstanding_for(conn, queue, number)), g.deadline)
    except DatabaseUnavailable as error:
        log.warning("closed line: could not read callbacks booked: %s", error)
        return not capped, None
    return already is None and line.may_offer(booked), already


def told_opening(line: ClosedLine, told: str | None, now: datetime) -> datetime | None:
    """The opening a booking is for: the one the caller was offered (the offer's action URL
    carries it), while it is still the line's next opening or opened at most
    `TOLD_OPENING_FRESH` ago. A key pressed just after 08:00 was stored as due at the press
    (08:00:02), in a bucket of its own, so the opening took more than its cap."""
    upcoming = line.hours.next_opening(now)
    try:
        at = datetime.fromisoformat(told) if told else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        return upcoming
    at = at.astimezone(UTC)
    if at > now:
        return at if at == upcoming else upcoming  # the hours changed since: the real one
    opened_then = line.hours.is_open(at) and not line.hours.is_open(at - timedelta(seconds=1))
    return at if opened_then and now - at <= TOLD_OPENING_FRESH else upcoming


def closed_fallback(params: RouteParams) -> VoiceResponse | None:
    """/voice/incoming's safe answer outside hours: when the line opens, no offer, goodbye."""
    found = closed_line_now(params.queue or "")
    if found is None:
        return None
    line, now = found
    voice = services().policy(params.queue, params.policy).voice
    response = VoiceResponse()
    say(response, voice, closed_message(line, now)[0])
    say_and_hang_up(response, voice, line.words.goodbye)
    return response


def not_booked() -> VoiceResponse:
    """The booking could not be stored: the caller hears so (nothing is confirmed unstored)."""
    route = this_route()
    line = services().queue_config(route.queue).closed_line()
    return say_and_hang_up(VoiceResponse(), route.policy.voice,
                           line.words.not_booked if line
                           else fixed_text(route.policy.voice, "goodbye"))


@bp.post("/closed/book")
@falls_back_to(not_booked)
def closed_book() -> Response:
    """The key after the closed-line offer: book a callback for the next opening, if room."""
    key = KeyForm.parse(request.form)
    svc = services()
    route = this_route()
    line = svc.queue_config(route.queue).closed_line()
    number = number_to_call(key.from_number, svc.config)
    now = svc.clock.now()
    opening = told_opening(line, request.args.get("opens"), now) if line is not None else None
    response = VoiceResponse()
    voice = route.policy.voice
    if (line is None or opening is None or number is None or not key.digit
            or not line.may_offer(0)):
        say_and_hang_up(response, voice, line.words.goodbye if line
                        else fixed_text(voice, "goodbye"))
        return twiml_response(response)
    if key.digit != line.callback_key:
        return twiml_response(wrong_key(voice, line, route.params, opening, number,
                                        offered_again=request.args.get("again") == "1"))
    try:
        booked = svc.store.store_now(c.BookCallback(
            call_id=key.wait.call_id, now=now, queue=route.queue, number=number,
            digit=key.digit, due_at=opening.isoformat(), cap=line.callbacks_per_opening),
            g.deadline)
    except Unsettled:  # perhaps stored, perhaps not: words true either way
        said = filled(line.words.not_confirmed, opens=line.opens_words(opening, now))
        return twiml_response(say_and_hang_up(response, voice, said))
    except DatabaseUnavailable:
        return twiml_response(not_booked())
    words = line.opens_words(opening, now)
    said = line.words.booked if booked else line.words.full
    say_and_hang_up(response, voice, filled(said, opens=words))
    return twiml_response(response)
