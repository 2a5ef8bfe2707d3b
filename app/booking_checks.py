"""Before a new callback comes due, ask Twilio whether its caller left the call they booked on.

A booked callback is held back LEAVING_S (app.storage.callback_requests) while its caller
hears the confirmation, and comes due at once when their leaving or hang-up is heard. The
case this closes: the caller was answered on their own queue call while the confirmation
played (an agent took them from the line), and the answer reached only a host cut off from
the database, which journaled it. Nothing stored said they were being helped, so once the
hold ended another host's agent dialled the phone they were talking on (busy: an attempt
spent) or, once they had hung up, rang a customer who had just been helped.

With REST credentials, `holdwell callbacks` reads the booking call (Twilio's Call resource;
for a caller who rang back after a dropped line, the leg they booked on) of each untried
callback whose caller was never heard leaving the queue, once its hold is about to end
(`look_ahead_s`: 20 s, or the worker's round and 5 s, so a round reads it before an agent
may claim it), and keeps what it found (`callbacks.booking_check`):

- still on the line once their confirmation is over (its longest wording in the queue, at
  2.5 words a second, and CONFIRMED_MARGIN_S; at least PAST_CONFIRMATION_S after booking):
  `on_line`, held until the next round has read it again (RECHECK_S at least), for as long
  as they stay on; earlier: `asked`, held as long;
- ended after being seen `on_line`, or more than LEAVING_S after booking: `stayed` (an answer
  is what keeps a caller on past their <Leave/>), held until CHECK_LIMIT_S after its end for
  the journaled answer, which cancels the callback when it is replayed; then rung, so a
  promise is never lost for want of a journal;
- ended in time: `left`, due as it was (at once if an `asked` read had held it), never read
  again.

The check keeps the hold it set (`booking_held_until`) and only ever ends its own: a hold
set since (a caller ringing back, asked about their callback) is never cut short. Their
`leave` or `hangup` queue result after the booking (heard, or replayed from a journal; one of
an earlier leg, before the booking, says nothing of it) says they left the queue unanswered:
it ends the check's hold (callback_requests.left_the_queue). A booking made at a full queue
(the overflow's offer) is never read: its caller was in no queue. Operators see the hold, and
why, in the callbacks list (`held_until`, `held_because`), and the audit log says it once for
each thing found (`callback.hold`). Twilio unreachable or refusing: the round reads no more,
and callbacks come due as without credentials (said once, then every ten minutes: not each
round, app.seldom_warnings); a call Twilio does not know is `left`; any
other failure on one booking is logged and the round goes on. The check only ever holds a
callback back. Left open: an answered conversation that ended before any read saw it (under
about 25 s after booking) still looks like a caller who left in time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, case, or_, select, update
from twilio.base.exceptions import TwilioRestException

from app.claim_checks import CHECK_LIMIT_S, NOT_FOUND, RINGING, TWILIO_TROUBLE
from app.number_mask import without_numbers
from app.seldom_warnings import kind_of
from app.storage import audit
from app.storage.callback_requests import CHECK_HOLDS, LEAVING_S, check_hold_ended
from app.storage.db import as_utc
from app.storage.deadline import is_outage
from app.storage.resume_writes import leg_key
from app.storage.schema import call_events, callbacks
from hold_policies.config import HoldwellConfig
from hold_policies.durations import WORDS_PER_SECOND, say_duration_s
from hold_policies.factory import build_policy
from hold_policies.records import Event

log = logging.getLogger("holdwell.callbacks")

CHECK_AHEAD_S = 20.0
"""How long before an untried callback's hold ends its booking call is read at least (more
than the worker's default round, 15 s, so a round reads it before an agent may claim it)."""
PAST_CONFIRMATION_S = 25.0
"""The least time after booking by which a caller still on the line is past their
confirmation (the default English one takes about 12.5 s to say)."""
CONFIRMED_MARGIN_S = 10.0
"""After the confirmation's words: the <Leave/>, the goodbye, Twilio's requests."""
PLACEHOLDER_WORDS = 15
"""Words a confirmation's {wait} and {number} may add when said (a number digit by digit)."""
RECHECK_S = 30.0
"""How much longer a callback is held while its caller is still on the booking call (or
until the worker's next round has read it again, if that is later)."""
LATE_CHECK_S = 60.0
"""How long after its hold ended a callback still unread is read (a round that came late);
older ones are left alone."""
ON_THE_LINE = RINGING | {"in-progress"}
CONFIRMATIONS = ("callback_confirm", "callback_confirm_no_estimate", "callback_confirm_keyed",
                 "callback_confirm_keyed_no_estimate", "callback_already_booked")
"""The prompts that may confirm a booking made in line (one made at a full queue, the
overflow's words.full_confirm, is confirmed out of any queue: `line_full`, never read)."""
Stopping = Callable[[], bool]
PastConfirmation = Callable[[str], float]

UNTRIED = select(callbacks.c.call_id, callbacks.c.queue, callbacks.c.requested_at,
                 callbacks.c.next_attempt_at, callbacks.c.booking_check).where(
    callbacks.c.status == "pending", callbacks.c.attempts == 0, callbacks.c.due_at.is_(None),
    callbacks.c.next_attempt_at.is_not(None),
    or_(callbacks.c.booking_check.is_(None), callbacks.c.booking_check.in_(("asked", "on_line"))))
"""Untried callbacks not yet known to have left (or stayed past) their booking call."""


@dataclass(frozen=True)
class Booking:
    """An untried callback whose caller was never heard leaving the queue."""

    call_id: str
    queue: str
    requested_at: datetime
    hold_ends: datetime
    found: str | None  # what an earlier read found (booking_check)
    leg: str = ""  # the call to read: the booking call, or the leg it was booked on


@dataclass(frozen=True)
class BookingReport:
    still_on: list[str]  # held: their caller is still on the booking call
    stayed_on: list[str]  # held for the journal: the call outlasted its confirmation


def past_confirmation_for(config: HoldwellConfig) -> PastConfirmation:
    """Seconds after booking by which a caller of each queue has heard their confirmation
    and left: its longest wording in any policy the queue's callers may hear, said at
    2.5 words a second, with CONFIRMED_MARGIN_S (never less than PAST_CONFIRMATION_S)."""
    def past(queue: str) -> float:
        settings = config.queues.get(queue)
        if settings is None:
            return PAST_CONFIRMATION_S
        worded = [build_policy(settings, name).prompts for name in settings.heard_names()]
        longest = max(say_duration_s(getattr(prompts, prompt))
                      for prompts in worded for prompt in CONFIRMATIONS)
        return max(PAST_CONFIRMATION_S, longest + PLACEHOLDER_WORDS / WORDS_PER_SECOND
                   + CONFIRMED_MARGIN_S)
    return past


def unheard_leaving(engine: Engine, now: datetime, look_ahead_s: float) -> list[Booking]:
    """Untried callbacks whose hold ends within `look_ahead_s` (or ended within
    LATE_CHECK_S), never cut short by their caller's leaving (`caller_gone` makes it due
    earlier than LEAVING_S after the request), nor read as ended."""
    with engine.connect() as conn:
        rows = conn.execute(UNTRIED.where(
            callbacks.c.next_attempt_at <= now + timedelta(seconds=look_ahead_s),
            callbacks.c.next_attempt_at >= now - timedelta(seconds=LATE_CHECK_S),
        ).order_by(callbacks.c.next_attempt_at)).all()
        found = [Booking(row.call_id, row.queue, as_utc(row.requested_at),
                         as_utc(row.next_attempt_at), row.booking_check) for row in rows]
        return [replace(booking, leg=booked_on(conn, booking)) for booking in found
                if booking.hold_ends >= booking.requested_at + timedelta(seconds=LEAVING_S)
                and not booked_at_a_full_queue(conn, booking.call_id)]


def booked_at_a_full_queue(conn: Connection, call_id: str) -> bool:
    """Booked at Twilio's queue-full (the overflow's offer, its request's fact says so): the
    caller was never in a queue where an agent could answer them."""
    data = conn.execute(select(call_events.c.data).where(
        call_events.c.call_id == call_id,
        call_events.c.event == Event.CALLBACK_REQUESTED.value)).scalar()
    return bool(json.loads(data or "{}").get("line_full"))


def booked_on(conn: Connection, booking: Booking) -> str:
    """The call the caller booked on: a caller who rang back after a dropped line keeps the
    first call's place and id, on the leg they rang back on (its RESUMED fact's key)."""
    key = conn.execute(select(call_events.c.dedupe_key).where(
        call_events.c.call_id == booking.call_id,
        call_events.c.event == Event.RESUMED.value,
        call_events.c.time <= booking.requested_at,
    ).order_by(call_events.c.time.desc(), call_events.c.id.desc()).limit(1)).scalar()
    prefix = leg_key("")
    return key[len(prefix):] if key and key.startswith(prefix) else booking.call_id


@dataclass(frozen=True)
class Finding:
    """What a read found (`booking_check`), and until when the callback is held (None: as
    it is; a time already past: due now)."""

    found: str
    until: datetime | None = None


def finding(booking: Booking, status: str, ended_at: datetime | None, now: datetime,
            past_confirmation_s: float, look_ahead_s: float) -> Finding:
    """See the module's docstring."""
    if status in ON_THE_LINE:
        until = now + timedelta(seconds=max(RECHECK_S, look_ahead_s))  # past the next read
        if now >= booking.requested_at + timedelta(seconds=past_confirmation_s):
            return Finding("on_line", until)
        return Finding("asked", until)
    ended = ended_at or now
    if booking.found == "on_line" or ended > booking.requested_at + timedelta(seconds=LEAVING_S):
        return Finding("stayed", ended + timedelta(seconds=CHECK_LIMIT_S))
    return Finding("left", now if booking.found == "asked" else None)


def keep(engine: Engine, booking: Booking, found: Finding, now: datetime) -> bool:
    """Store what was read, and its hold, if the callback is still untried and nothing has
    said meanwhile that its caller left (a `leave` heard while Twilio was read). A hold is
    only ever lengthened, and the check's own is kept (`booking_held_until`), so ending it (an
    `asked` caller who left in time) never cuts short one set since (a caller ringing back,
    being asked about their callback). Audited when what it found changes, so an operator
    sees why it waits without an entry every round. False if nothing changed."""
    hold = callbacks.c.next_attempt_at
    values: dict[str, object] = {"booking_check": found.found}
    if found.found == "left":
        if found.until is not None:
            values["next_attempt_at"] = check_hold_ended(found.until)
    elif found.until is not None:
        values["next_attempt_at"] = case((hold < found.until, found.until), else_=hold)
        values["booking_held_until"] = case((hold < found.until, found.until), else_=hold)
    with engine.begin() as conn:
        changed = conn.execute(update(callbacks).where(
            callbacks.c.call_id == booking.call_id, callbacks.c.status == "pending",
            callbacks.c.attempts == 0,
            or_(callbacks.c.booking_check.is_(None),
                callbacks.c.booking_check.in_(("asked", "on_line"))),
        ).values(**values)).rowcount
        if changed and found.found in CHECK_HOLDS and found.found != booking.found and \
                found.until and found.until > now:
            audit.record(conn, actor="system", action="callback.hold", target=booking.call_id,
                         detail={"reason": CHECK_HOLDS[found.found], "until": found.until},
                         now=now)
    return bool(changed)


def check_bookings(engine: Engine, client: object, now: datetime,
                   past_confirmation: PastConfirmation = lambda _queue: PAST_CONFIRMATION_S,
                   look_ahead_s: float = CHECK_AHEAD_S,
                   stopping: Stopping = lambda: False) -> BookingReport:
    """Read the booking call of each callback `unheard_leaving` finds, keep what it says,
    and hold those whose caller is still on it or stayed on past the confirmation."""
    report = BookingReport([], [])
    scope = f"reading booking calls for {engine.url.render_as_string(hide_password=True)}"
    for booking in unheard_leaving(engine, now, look_ahead_s):
        if stopping():
            break
        try:
            call = client.calls(booking.leg).fetch()
        except Exception as error:  # noqa: BLE001 - Twilio unreachable: as without credentials
            if isinstance(error, TwilioRestException) and error.status == NOT_FOUND:
                keep(engine, booking, Finding("left"), now)  # not a Twilio call: as it is
                continue
            TWILIO_TROUBLE.warning(log, scope, kind_of(error), now,
                                   "callback %s: Twilio cannot say whether its caller left "
                                   "(%s); asking again next round", booking.call_id,
                                   without_numbers(error))
            break
        TWILIO_TROUBLE.clear(scope, log)
        try:
            found = finding(booking, str(getattr(call, "status", "") or ""),
                            getattr(call, "end_time", None), now,
                            past_confirmation(booking.queue), look_ahead_s)
            kept = keep(engine, booking, found, now)
        except Exception as error:
            if is_outage(error):
                raise  # the database's: the worker retries the round
            log.exception("callback %s: its booking call could not be checked", booking.call_id)
            continue  # this one: the round goes on with the rest
        if kept and found.found in ("on_line", "stayed") and found.until and found.until > now:
            (report.still_on if found.found == "on_line" else report.stayed_on).append(
                booking.call_id)
            log.info("callback %s held until %s: its caller is %s", booking.call_id,
                     found.until.isoformat(timespec="seconds"), CHECK_HOLDS[found.found])
    return report
