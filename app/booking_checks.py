"""Before a new callback comes due, ask Twilio whether its caller left the call they booked on.

A booked callback is held back LEAVING_S (app.storage.callback_requests) while its caller
hears the confirmation, and comes due at once when their leaving or hang-up is heard. The
case this closes: the caller was answered on their own queue call while the confirmation
played (an agent took them from the line), and the answer reached only a host cut off from
the database, which journaled it. Nothing stored said they were being helped, so after
LEAVING_S another host's agent dialled the phone they were talking on (busy: an attempt
spent) or, once they had hung up, rang a customer who had just been helped.

With REST credentials, `holdwell callbacks` reads the booking call (Twilio's Call resource)
for each untried callback whose caller was never heard leaving, once its hold is about to
end (CHECK_AHEAD_S, above the worker's default round of 15 s, so an agent finds it checked):

- still on the line then (25 s or more after booking, past any confirmation's words): held
  RECHECK_S more, and asked again, for as long as they stay on;
- the call ended more than LEAVING_S after booking (they stayed past the confirmation: only
  an answer keeps a caller on after their <Leave/>): held until CHECK_LIMIT_S after its end,
  for the journaled answer, which cancels the callback when it is replayed; then rung, so a
  promise is never lost for want of a journal;
- ended in time, or unknown to Twilio: nothing changes (their hold ends as it would have).

Twilio unreachable or refusing: the round asks no more, and callbacks come due as without
credentials (never lost; the check only ever holds a callback back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from twilio.base.exceptions import TwilioRestException

from app.claim_checks import CANNOT_ASK, CHECK_LIMIT_S, NOT_FOUND, RINGING
from app.number_mask import without_numbers
from app.storage import audit
from app.storage.callback_requests import LEAVING_S
from app.storage.db import as_utc
from app.storage.schema import callbacks

log = logging.getLogger("holdwell.callbacks")

CHECK_AHEAD_S = 20.0
"""How long before an untried callback's hold ends its booking call is read (more than the
worker's default round, 15 s, so at least one round reads it before an agent may claim it)."""
RECHECK_S = 30.0
"""How much longer a callback is held while its caller is still on the booking call."""
LATE_CHECK_S = 60.0
"""How long after its hold ended a callback still untried is read (a round that came late);
older ones are left alone, so a callback waiting for a free agent is not read every round."""
ON_THE_LINE = RINGING | {"in-progress"}
Stopping = Callable[[], bool]

UNTRIED = select(callbacks.c.call_id, callbacks.c.requested_at, callbacks.c.next_attempt_at).where(
    callbacks.c.status == "pending", callbacks.c.attempts == 0, callbacks.c.due_at.is_(None),
    callbacks.c.requested_at.is_not(None), callbacks.c.next_attempt_at.is_not(None))


@dataclass(frozen=True)
class Booking:
    """An untried callback whose caller was never heard leaving the booking call."""

    call_id: str
    requested_at: datetime
    hold_ends: datetime


@dataclass(frozen=True)
class BookingReport:
    still_on: list[str]  # held: their caller is still on the booking call
    stayed_on: list[str]  # held for the journal: the call outlasted its confirmation


def unheard_leaving(engine: Engine, now: datetime) -> list[Booking]:
    """Untried callbacks whose hold ends within CHECK_AHEAD_S (or ended within LATE_CHECK_S)
    and was never cut short by their caller's leaving (`caller_gone` makes it due earlier
    than LEAVING_S after the request)."""
    with engine.connect() as conn:
        rows = conn.execute(UNTRIED.where(
            callbacks.c.next_attempt_at <= now + timedelta(seconds=CHECK_AHEAD_S),
            callbacks.c.next_attempt_at >= now - timedelta(seconds=LATE_CHECK_S),
        ).order_by(callbacks.c.next_attempt_at)).all()
    found = (Booking(row.call_id, as_utc(row.requested_at), as_utc(row.next_attempt_at))
             for row in rows)
    return [booking for booking in found
            if booking.hold_ends >= booking.requested_at + timedelta(seconds=LEAVING_S)]


def held_until(booking: Booking, status: str, ended_at: datetime | None,
               now: datetime) -> datetime | None:
    """When the callback may come due, from its booking call's status and end (None: as it
    is; see the module's docstring)."""
    if status in ON_THE_LINE:
        return now + timedelta(seconds=RECHECK_S)
    if ended_at is not None and ended_at > booking.requested_at + timedelta(seconds=LEAVING_S):
        return ended_at + timedelta(seconds=CHECK_LIMIT_S)
    return None


def hold(engine: Engine, booking: Booking, until: datetime, reason: str,
         now: datetime) -> bool:
    """Hold the callback until `until` if it is still untried and not already held that long
    (audited, so an operator sees why it waits); False if nothing changed."""
    with engine.begin() as conn:
        held = conn.execute(update(callbacks).where(
            callbacks.c.call_id == booking.call_id, callbacks.c.status == "pending",
            callbacks.c.attempts == 0, callbacks.c.next_attempt_at < until,
        ).values(next_attempt_at=until)).rowcount
        if held:
            audit.record(conn, actor="system", action="callback.hold", target=booking.call_id,
                         detail={"reason": reason, "until": until.isoformat()}, now=now)
    return bool(held)


def check_bookings(engine: Engine, client: object, now: datetime,
                   stopping: Stopping = lambda: False) -> BookingReport:
    """Read the booking call of each callback `unheard_leaving` finds and hold those whose
    caller is still on it or stayed on past the confirmation."""
    report = BookingReport([], [])
    for booking in unheard_leaving(engine, now):
        if stopping():
            break
        try:
            call = client.calls(booking.call_id).fetch()
        except TwilioRestException as error:
            if error.status == NOT_FOUND:  # not a Twilio call (or deleted): as it is
                continue
            log.warning("callback %s: Twilio cannot say whether its caller left (%s)%s",
                        booking.call_id, without_numbers(error),
                        "" if error.status in CANNOT_ASK else "; asking again next round")
            break
        except Exception as error:  # noqa: BLE001 - Twilio unreachable: as without credentials
            log.warning("callback %s: Twilio cannot say whether its caller left (%s); asking "
                        "again next round", booking.call_id, without_numbers(error))
            break
        status = str(getattr(call, "status", "") or "")
        until = held_until(booking, status, getattr(call, "end_time", None), now)
        if until is None or until <= now:
            continue
        on_line = status in ON_THE_LINE
        reason = ("still on the call they booked it from" if on_line
                  else "stayed on the call past the confirmation: answered there?")
        if hold(engine, booking, until, reason, now):
            (report.still_on if on_line else report.stayed_on).append(booking.call_id)
            log.info("callback %s held until %s: its caller %s", booking.call_id,
                     until.isoformat(timespec="seconds"), reason)
    return report
