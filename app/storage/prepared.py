"""The hot webhook statements, built once at import with bind parameters.

Building a statement costs SQLAlchemy more than running it on SQLite (construction, argument
coercion, cache-key generation); a module-level statement is built once and its cache key is
memoised, so each webhook only binds values. Importing this module touches no database.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Update,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql

from app.storage.direct import DirectStatement
from app.storage.line_head import LINE_SINCE_OF_CALL
from app.storage.schema import call_events, callbacks, calls
from hold_policies.records import Event, Outcome


def param(name: str, column: Column):  # noqa: ANN201 - a BindParameter
    """A bind parameter typed like `column`, so datetimes are stored in its format.

    Names differ from column names: SQLAlchemy reserves those for an UPDATE's SET clause.
    """
    return bindparam(name, type_=column.type)


ROW_COLUMNS = tuple(calls.c[name] for name in (
    "call_id", "queue", "policy", "arm", "from_number", "arrived_at", "entered_at", "polls",
    "announcements", "last_announced_at", "outcome", "callback_requested", "last_position",
    "told_position", "in_line_since"))
"""What a webhook needs of a call (a CallRow); the rest is for analytics, unread here."""

THIS_CALL = calls.c.call_id == param("call", calls.c.call_id)


def latest(column: Column, value):  # noqa: ANN001, ANN201 - SQL expressions in and out
    """The later of the column's time and `value`: a fact applied late (a journal replayed
    after another host wrote the call's next ones) never moves the row's clock back."""
    return case((or_(column.is_(None), value > column), value), else_=column)
CALL = select(*ROW_COLUMNS).where(THIS_CALL)

_LAST_QUEUE_TIME = calls.c.last_poll_queue_time_s
_NEW_POLL = or_(_LAST_QUEUE_TIME.is_(None),
                param("queue_time_s", _LAST_QUEUE_TIME) > _LAST_QUEUE_TIME)
COUNT_POLL = update(calls).where(THIS_CALL).values(
    # The first poll fixes when and where the caller entered; later ones only count, and a
    # retried poll (the same QueueTime) counts once: polls = segments the caller has heard.
    entered_at=func.coalesce(calls.c.entered_at, param("entered", calls.c.entered_at)),
    orig_position=func.coalesce(calls.c.orig_position, param("position", calls.c.orig_position)),
    polls=calls.c.polls + case((_NEW_POLL, 1), else_=0),
    last_poll_queue_time_s=case((_NEW_POLL, param("queue_time_s", _LAST_QUEUE_TIME)),
                                else_=_LAST_QUEUE_TIME),
    last_position=case((_NEW_POLL, func.coalesce(param("last_position", calls.c.last_position),
                                                 calls.c.last_position)),
                       else_=calls.c.last_position),  # a poll without a position keeps the last
    last_polled_at=latest(calls.c.last_polled_at, param("now", calls.c.last_polled_at)),
)
COUNT_POLL_RETURNING = COUNT_POLL.returning(*ROW_COLUMNS)

_QUEUE = param("queue", call_events.c.queue)
_FIRST_EVENT = select(func.min(call_events.c.time)).where(call_events.c.queue == _QUEUE)
_DEPARTURES = select(func.count()).select_from(calls).where(
    # Decided from all of a call's facts (app.storage.facts.project), so a call answered and
    # hung up in a race departs once (ix_calls_queue_departed).
    calls.c.queue == param("queue", calls.c.queue),
    calls.c.departed_at > param("since", calls.c.departed_at),
    calls.c.departed_at <= param("now", calls.c.departed_at),
)
_ABANDONS = _DEPARTURES.where(calls.c.outcome.in_(
    [literal(Outcome.ABANDONED.value), literal(Outcome.OVERFLOW.value)]))
"""Of those departures, callers who hung up in line (an overflow's, offered a callback they
did not take, too): they move on only the callers behind them (hold_policies.estimate)."""
_LAST_SERVED = select(func.max(calls.c.departed_at)).where(
    calls.c.queue == param("queue", calls.c.queue),
    calls.c.departed_at > param("since", calls.c.departed_at),
    calls.c.departed_at <= param("now", calls.c.departed_at),
    calls.c.outcome.not_in([literal(Outcome.ABANDONED.value), literal(Outcome.OVERFLOW.value)]))
"""When the latest departure in the window that was not a hang-up left: how long the line
has stood still (hold_policies.estimate.line_stalled)."""
OUTSTANDING = ("pending", "claimed", "on_line")
"""Statuses of a promise not yet kept or failed (on_line: called back by REST, in the
priority queue waiting for the next agent)."""
_KEEPING_PLACE = callbacks.c.status.in_([literal(status) for status in OUTSTANDING])


def rang_back(queue):  # noqa: ANN001, ANN201 - SQL expressions in and out
    """The RESUMED facts (call, time) of `queue` that may belong to a caller waiting now: a
    small indexed search (ix_call_events_queue_event_time) since the oldest waiting caller
    entered, for a waiting rejoined caller rang back after their own first entry
    (ix_calls_waiting finds that bound in one probe). A queue without the resume rule has
    no RESUMED facts: an empty index range."""
    oldest = calls.alias("oldest_waiting")
    since = select(func.min(oldest.c.entered_at)).where(
        oldest.c.queue == queue, oldest.c.outcome.is_(None)).correlate(calls).scalar_subquery()
    return select(call_events.c.call_id, call_events.c.time).where(
        call_events.c.queue == queue, call_events.c.event == literal(Event.RESUMED.value),
        call_events.c.time >= since).correlate(calls)


def rejoined_ahead(queue, entered):  # noqa: ANN001, ANN201 - SQL expressions in and out
    """Callers who rang back after a dropped line, waiting in the queue's rejoin queue, who
    first entered before `entered` (app.voice.resume): Twilio's position in the queue itself
    does not count them, yet they are ahead. No recency test (unlike the agents' choice,
    which must not wait for a ghost): a leg whose hang-up never reached us would count
    until its status callback does, an error on the safe side."""
    rejoined = calls.alias("rejoined")
    return select(func.count()).select_from(rejoined).where(
        rejoined.c.call_id.in_(rang_back(queue).with_only_columns(call_events.c.call_id)),
        rejoined.c.queue == queue, rejoined.c.outcome.is_(None),
        rejoined.c.entered_at < entered).correlate(calls)


_ENTERED = param("entered", callbacks.c.entered_at)
_CALLBACKS_KEEPING_PLACE = select(func.count()).select_from(callbacks).where(
    callbacks.c.queue == _QUEUE, _KEEPING_PLACE, callbacks.c.entered_at < _ENTERED,
).scalar_subquery()
CALLBACKS_AHEAD = {
    False: DirectStatement(select(_CALLBACKS_KEEPING_PLACE.label("ahead"))),
    True: DirectStatement(select((_CALLBACKS_KEEPING_PLACE + rejoined_ahead(
        _QUEUE, _ENTERED).scalar_subquery()).label("ahead"))),
}
"""Who is ahead of a caller outside Twilio's count of the queue itself: callbacks keeping
their place (pending, being rung, or answered and held) and, keyed True where the queue keeps
dropped callers' places, rejoined callers waiting in the rejoin queue, that entered before
them. A rejoined caller's own count adds their place among the rest
(app.voice.resume.in_place). A queue without the rule has no rejoined callers, so it does
not pay for looking (it cost PostgreSQL five times a steady poll's CPU under load)."""
BOOKED_SINCE_LAST_POLL = DirectStatement(select(func.count()).select_from(callbacks).where(
    callbacks.c.queue == _QUEUE, _KEEPING_PLACE, callbacks.c.entered_at < _ENTERED,
    callbacks.c.requested_at > select(calls.c.last_polled_at).where(
        calls.c.call_id == param("call", calls.c.call_id)).scalar_subquery(),
))
"""Callbacks keeping their place ahead of a caller that were booked after the caller's last
poll: Twilio's position at that poll still counted them in the queue itself (a key press,
which carries no position, must not add them twice). None before a first poll."""
QUEUE_VIEW = select(
    _FIRST_EVENT.scalar_subquery().label("first_event_at"),
    _DEPARTURES.scalar_subquery().label("departures"),
    _ABANDONS.scalar_subquery().label("abandons"),
    CALLBACKS_AHEAD[True].statement.scalar_subquery().label("callbacks_ahead"),
)
"""What a poll needs about its queue, in one round trip: log start, recent departures (and
the hang-ups among them), and pending callbacks that entered before the caller (they keep
their place ahead)."""

QUEUE_FLOW = select(
    _FIRST_EVENT.scalar_subquery().label("first_event_at"),
    _DEPARTURES.scalar_subquery().label("departures"),
    _ABANDONS.scalar_subquery().label("abandons"),
    _LAST_SERVED.scalar_subquery().label("last_served_at"),
)
"""The part of the view that is the same for every caller of a queue (app.storage.queue_flow
shares it among them for a second)."""

# When the row's time in line began as this poll leaves it (the UPDATE sets the entry on a
# first poll; a caller put back after a Twilio error counts from their return).
_ROW_ENTERED = func.coalesce(LINE_SINCE_OF_CALL, param("entered", calls.c.entered_at))
_CALLBACKS_OF_ROW = select(func.count()).select_from(callbacks).where(
    callbacks.c.queue == calls.c.queue, _KEEPING_PLACE,
    callbacks.c.entered_at < _ROW_ENTERED).correlate(calls).scalar_subquery()
_AHEAD_OF_ROW = {
    False: _CALLBACKS_OF_ROW.label("callbacks_ahead"),
    True: (_CALLBACKS_OF_ROW + rejoined_ahead(calls.c.queue, _ROW_ENTERED).scalar_subquery()
           ).label("callbacks_ahead"),
}
COUNT_POLL_VIEW = {rejoins: COUNT_POLL.returning(*ROW_COLUMNS, ahead)
                   for rejoins, ahead in _AHEAD_OF_ROW.items()}
"""A poll counted, its call read and who is ahead of it outside Twilio's count (keyed as
CALLBACKS_AHEAD) counted: one round trip (the count is exact per caller, so every host tells
a caller the same place in line)."""
_STEADY = (calls.c.polls >= 1, calls.c.policy != "")
COUNT_STEADY_POLL = DirectStatement(COUNT_POLL.where(*_STEADY).returning(*ROW_COLUMNS))
"""A steady poll's count on SQLite, which renders RETURNING's columns unqualified (a
correlated subquery there would compare `queue = queue`): who is ahead is read after."""
COUNT_STEADY_POLL_VIEW = {
    rejoins: DirectStatement(COUNT_POLL.where(*_STEADY).returning(*ROW_COLUMNS, ahead))
    for rejoins, ahead in _AHEAD_OF_ROW.items()}
"""COUNT_POLL_VIEW for a call already counted and labelled (a steady poll): a statement that
needs no other write with it, so it can be its own transaction (no row: take the full path)."""

_TOLD = calls.c.told_position
_SAID = param("told", _TOLD)
COUNT_ANNOUNCEMENT = update(calls).where(THIS_CALL).values(
    announcements=calls.c.announcements + 1,
    last_announced_at=latest(calls.c.last_announced_at, param("now", calls.c.last_announced_at)),
    # the lowest position said so far (a check-in that left it out changes nothing)
    told_position=case((_SAID.is_(None), _TOLD), (_TOLD.is_(None), _SAID), (_SAID < _TOLD, _SAID),
                       else_=_TOLD),
)
_QUEUE_TIME = param("queue_time_s", calls.c.first_announced_at_s)
_EARLIER_ESTIMATE = or_(calls.c.first_announced_wait_s.is_(None),
                        calls.c.first_announced_at_s > _QUEUE_TIME)
COUNT_FIRST_ESTIMATE = COUNT_ANNOUNCEMENT.values(
    # The first announced wait in line is kept, with the queue time it was told at: the
    # earliest, whichever check-in arrives first (a journal may replay an older one late).
    first_announced_wait_s=case(
        (_EARLIER_ESTIMATE, param("announced_wait_s", calls.c.first_announced_wait_s)),
        else_=calls.c.first_announced_wait_s),
    first_announced_at_s=case((_EARLIER_ESTIMATE, _QUEUE_TIME),
                              else_=calls.c.first_announced_at_s),
)
"""A check-in served in the caller's first time in line counts in place, as the projection
would count it, in whatever order check-ins arrive: the earliest estimate, the latest time."""


def _said_at_once(count: Update) -> Update:
    """A check-in logged and counted on its call's row in one statement (PostgreSQL: the
    INSERT a data-modifying CTE of the UPDATE, atomic without a transaction around them).
    It returns the row it counted on; none: the fact was there already (a retried poll) or
    there is no row yet to count it on."""
    said = postgresql.insert(call_events).values(
        dedupe_key=param("fact_key", call_events.c.dedupe_key),
        time=param("now", call_events.c.time), call_id=param("call", call_events.c.call_id),
        queue=param("fact_queue", call_events.c.queue),
        event=param("fact_event", call_events.c.event),
        policy=param("fact_policy", call_events.c.policy),
        arm=param("fact_arm", call_events.c.arm),
        position=param("told", call_events.c.position),
        wait_s=param("queue_time_s", call_events.c.wait_s),
        data=param("fact_data", call_events.c.data),
    ).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(
        call_events.c.call_id).cte("said")
    return count.add_cte(said).where(exists(select(said.c.call_id))).returning(
        calls.c.call_id)


ANNOUNCE_AT_ONCE = {count: DirectStatement(_said_at_once(count))
                    for count in (COUNT_ANNOUNCEMENT, COUNT_FIRST_ESTIMATE)}
"""Keyed by the statement that counts the check-in alone (call_writes chooses it)."""
