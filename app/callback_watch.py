"""`holdwell callbacks`: watch every promise until it is kept or has visibly failed.

Each round releases claims whose agent call died, and flags callbacks at risk of missing
their promised window (a CALLBACK_AT_RISK event, once per callback, and a line here).
A database outage propagates as itself (the worker retries the round); any other failure
while handling one callback is raised as CallbackError, naming that callback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select

from app.booking_checks import (
    CHECK_AHEAD_S,
    PAST_CONFIRMATION_S,
    BookingReport,
    PastConfirmation,
    check_bookings,
    past_confirmation_for,
)
from app.claim_checks import CheckReport, check_ended_claims, end_unheard_holds
from app.storage import callback_queue, callback_rest
from app.storage.db import as_utc
from app.storage.deadline import is_outage
from app.storage.events import log_event
from app.storage.schema import callbacks
from hold_policies.config import CallbacksConfig, HoldwellConfig
from hold_policies.records import Event

if TYPE_CHECKING:
    from app.callback_placer import RestPlacer

Stopping = Callable[[], bool]
"""True once the worker has been asked to stop: no further callback is claimed or rung."""


class CallbackError(RuntimeError):
    """A round failed on one callback for a reason of its own (not an outage), so the
    worker's log can say which callback to look at."""

    def __init__(self, call_id: str, error: Exception) -> None:
        lines = str(error).strip().splitlines()
        super().__init__(f"callback {call_id}: {type(error).__name__}: "
                         f"{lines[0] if lines else ''}")
        self.call_id = call_id


@contextmanager
def about(call_id: str) -> Iterator[None]:
    """Name `call_id` in any failure of the work inside, except an outage (which is the
    database's, not this callback's, and is retried as such)."""
    try:
        yield
    except CallbackError:
        raise
    except Exception as error:
        if is_outage(error):
            raise
        raise CallbackError(call_id, error) from error


def never() -> bool:
    return False


@dataclass(frozen=True)
class WatchReport:
    released: int
    pending: int
    at_risk: list[str]
    overdue: list[str]
    placed: list[str] = field(default_factory=list)  # rung through the REST API this round
    checked: CheckReport | None = None  # claims ended or timed out, settled by Twilio's word
    bookings: BookingReport | None = None  # new callbacks held: their caller is still on


def at_risk(engine: Engine, now: datetime, margin_s: float) -> list[tuple[str, datetime]]:
    """Pending callbacks whose promise ends within `margin_s` (or already has)."""
    horizon = now + timedelta(seconds=margin_s)
    with engine.connect() as conn:
        rows = conn.execute(select(callbacks.c.call_id, callbacks.c.promised_by).where(
            callbacks.c.status.in_(("pending", "claimed")),
            callbacks.c.promised_by.is_not(None), callbacks.c.promised_by <= horizon,
        ).order_by(callbacks.c.promised_by)).all()
    return [(row.call_id, row.promised_by) for row in rows]


def watch_once(engine: Engine, settings: CallbacksConfig, now: datetime,
               placer: RestPlacer | None = None,
               is_open: Callable[[str, datetime], bool] | None = None,
               customer_first: Mapping[str, int] | None = None,
               ring_at_risk: bool = True, stopping: Stopping = never,
               client: object | None = None,
               past_confirmation: PastConfirmation = lambda _queue: PAST_CONFIRMATION_S,
               look_ahead_s: float = CHECK_AHEAD_S) -> WatchReport:
    """One round; with a `placer`, at-risk callbacks still pending are rung through REST (if
    `ring_at_risk`), and in `customer_first` queues (name -> how many rung at once) those
    whose turn it is, but never while their queue is closed (`is_open(queue, now)`), and
    none once `stopping()` (a deploy's SIGTERM must not wait for a whole round). With a REST
    `client`, claims with no result (an agent's whose call ended, any that timed out) are
    settled by what Twilio says of their customer's calls (app.claim_checks) instead of going
    back to the line unseen, and new callbacks whose caller was never heard leaving the
    booking call are held while Twilio says they are still on it (app.booking_checks); held
    customers whose end nobody heard are ended after END_UNHEARD_S either way."""
    end_unheard_holds(engine, settings, now)
    bookings = None if client is None else check_bookings(
        engine, client, now, past_confirmation, look_ahead_s, stopping)
    checked = None if client is None else check_ended_claims(engine, client, settings, now,
                                                             stopping)
    released = callback_queue.release_stale_claims(engine, now, settings.claim_timeout_s,
                                                   checked=client is not None)
    if checked is not None:
        released += len(checked.released)
    flagged, overdue = [], []
    risky = at_risk(engine, now, settings.at_risk_margin_s)
    by_id = {cb.call_id: cb for cb in callback_queue.pending(engine)}
    with engine.begin() as conn:
        for call_id, promised_by in risky:
            cb = by_id.get(call_id)
            if cb is None:
                continue
            promised_by = as_utc(promised_by)
            late = promised_by <= now
            (overdue if late else flagged).append(call_id)
            with about(call_id):
                log_event(conn, dedupe_key=f"{call_id}:CALLBACK_AT_RISK", time=now,
                          call_id=call_id, queue=cb.queue, event=Event.CALLBACK_AT_RISK,
                          policy=cb.policy, arm=cb.arm,
                          data={"promised_by": promised_by.isoformat(), "overdue": late})
    placed = []
    full: set[str] = set()  # queues with rest_at_once customers rung or held through REST
    earliest_first = [call_id for call_id, _ in risky if call_id in by_id]  # overdue first
    for call_id in earliest_first if placer is not None and ring_at_risk else []:
        if stopping():
            break
        queue = by_id[call_id].queue
        if queue in full:  # the rest wait for a free agent, or the next round: never a
            continue  # burst of customers holding in silence (counted with each claim)
        if is_open is None or is_open(queue, now):
            with about(call_id):
                if placer.place(engine, by_id[call_id], now):
                    placed.append(call_id)
                elif callback_rest.in_hand(engine, queue) >= settings.rest_at_once:
                    full.add(queue)
    if placer is not None:
        placed += ring_in_turn(engine, placer, now, customer_first or {}, is_open, stopping)
    return WatchReport(released=released, pending=len(by_id), at_risk=flagged, overdue=overdue,
                       placed=placed, checked=checked, bookings=bookings)


def watch_round(engine: Engine, config: HoldwellConfig, now: datetime,
                placer: RestPlacer | None, stopping: Stopping = never,
                client: object | None = None, interval_s: float = 0.0) -> WatchReport:
    """`holdwell callbacks`' round with the app's config: at-risk callbacks are rung through
    REST only with [callbacks] place_via_rest; customer-first queues always (the worker is
    the one who dials them). Booking calls are read `interval_s` (the time to the next
    round) and 5 s before their holds end, or CHECK_AHEAD_S if that is longer."""
    return watch_once(engine, config.callbacks, now, placer, config.is_open,
                      config.customer_first_at_once(), config.callbacks.place_via_rest,
                      stopping, client, past_confirmation_for(config),
                      max(CHECK_AHEAD_S, interval_s + 5.0))


def ring_in_turn(engine: Engine, placer: RestPlacer, now: datetime,
                 queues: Mapping[str, int],
                 is_open: Callable[[str, datetime], bool] | None,
                 stopping: Stopping = never) -> list[str]:
    """Customer-first dialling: in each such queue, ring the callbacks whose turn it is while
    fewer than the queue's `customer_first_at_once` are being rung or held for an agent, so
    a customer who answers is at the head of the line and waits only for the next free agent.
    Each is claimed atomically against that count (several watchers never ring more)."""
    rung = []
    for queue, at_once in queues.items():
        if is_open is not None and not is_open(queue, now):
            continue
        for _ in range(at_once):
            if stopping() or placer.rate_limit.holds(now):
                return rung
            callback = callback_rest.claim_in_turn(engine, queue, now, at_once)
            if callback is None:
                break
            with about(callback.call_id):
                if placer.ring(engine, callback, now):
                    rung.append(callback.call_id)
            # else: failed, spaced or still claimed (RestPlacer.not_placed): never next
            # round's head again at once, so one bad number cannot hold up those behind it
    return rung
