"""Call records and events as DataFrames for analytics, read in chunks to bound memory.

Rows stream from the server (server-side cursor on PostgreSQL) a chunk at a time; each chunk
is narrowed to compact dtypes (categories, float32-free but no Python objects) before the
next is read, so peak memory is about one chunk of raw rows plus the compact result.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, or_, select, text

from app.storage.db import as_utc, make_engine, timeout_to_what_is_left
from app.storage.schema import call_events, callbacks, calls
from hold_policies.call_outcome import FACT_ONLY
from hold_policies.records import NOT_QUEUED, RECORD_COLUMNS, Event, Outcome
from simulator.twin_log import END_COLUMNS, with_talk_from_ends

CATEGORY_COLUMNS = ("queue", "policy", "arm", "outcome")
RECORD_DTYPES = {"wait_s": "float64", "orig_position": "Int32", "first_announced_wait_s": "float64",
                 "first_announced_at_s": "float64", "callback_wait_s": "float64",
                 "callback_promised_wait_s": "float64"}
EVENT_DTYPES = {"position": "Int32", "wait_s": "float64"}


NOT_QUEUE_CALLS = tuple(outcome.value for outcome in NOT_QUEUED)
"""hold_policies.records.NOT_QUEUED as the stored outcome texts."""


def is_record() -> tuple:
    """The WHERE clauses of a call record: a known outcome, and the call entered a queue.

    Calls still waiting have no record yet. Calls that never joined a queue are no queue's
    calls (their events and `calls` rows show them; counting them would dilute every queue
    rate): NOT_QUEUE_CALLS, and calls no webhook ever placed in line (no entered_at: e.g. a
    hang-up during the greeting, known only from the status callback), which have no time in
    queue to report either. Nor has a call whose policy the log does not know yet (a webhook
    that came after its first request made the row; that request waits in a host's journal):
    it is no policy's call until the replay labels it, and an empty policy had failed every
    report on the database. The report, the wallboard and the Not served list all count
    these."""
    return (calls.c.outcome.is_not(None), calls.c.outcome.not_in(NOT_QUEUE_CALLS),
            calls.c.entered_at.is_not(None), calls.c.policy != "")


RING_TO_ENTRY_S = 3600.0
"""Longer than any caller takes from ringing to entering the queue (the welcome, a language
or reason asked): calls that entered since a moment rang at most this long before it, so
the (queue, arrived_at) index bounds the search for them."""


def entered_between(start: datetime, end: datetime | None = None) -> tuple:
    """WHERE clauses of calls that entered the queue in [start, end) (end: any), as the
    report's period reads them (`--to` is exclusive), searched through the (queue,
    arrived_at) index. A call that entered at `end` is the next period's: the list had held
    it where the report did not, and two periods end to end had both listed it."""
    clauses = [calls.c.arrived_at >= start - timedelta(seconds=RING_TO_ENTRY_S),
               calls.c.entered_at >= start]
    if end is not None:
        clauses += [calls.c.arrived_at <= end, calls.c.entered_at < end]
    return tuple(clauses)


def records_entry_span(url: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last entry of the log's call records (`is_record`), as a report reading
    them all would find them: for a --from/--to that keeps no call to say where the calls
    are, without reading them. None: the log holds no record."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            first, last = conn.execute(select(func.min(calls.c.entered_at),
                                              func.max(calls.c.entered_at))
                                       .where(*is_record())).one()
    finally:
        engine.dispose()
    if first is None:
        return None
    return pd.Timestamp(as_utc(first)), pd.Timestamp(as_utc(last))


def record_query(call_id_prefix: str = ""):  # noqa: ANN201 - a SQLAlchemy Select
    """Every call record (`is_record`) in the DESIGN.md columns, oldest first."""
    query = select(*_record_columns()).where(*is_record()).order_by(calls.c.arrived_at,
                                                                    calls.c.call_id)
    if call_id_prefix:
        query = query.where(calls.c.call_id.startswith(call_id_prefix, autoescape=True))
    return query


def _record_columns() -> list:
    """The `calls` columns a record is read from (`_compact_records` narrows them)."""
    return [
        calls.c.call_id, calls.c.queue, calls.c.policy, calls.c.arm,
        calls.c.entered_at.label("entered_at"), calls.c.arrived_at, calls.c.outcome,
        calls.c.wait_s, calls.c.orig_position, calls.c.announcements,
        calls.c.first_announced_wait_s, calls.c.first_announced_at_s, calls.c.callback_wait_s,
        calls.c.callback_requested, calls.c.callback_promised_wait_s,
        calls.c.callback_cancelled,
    ]


def _event_columns() -> list:
    """The `call_events` columns of the event format (analytics.events)."""
    return [call_events.c.time, call_events.c.call_id, call_events.c.queue,
            call_events.c.event, call_events.c.policy, call_events.c.arm,
            call_events.c.position, call_events.c.wait_s, call_events.c.data]


def calls_in_progress(url: str, start: pd.Timestamp | None = None,
                      end: pd.Timestamp | None = None, queues: Sequence[str] = ()) -> int:
    """Calls in a queue whose record is not complete yet: no outcome yet (still waiting, or
    their end not yet logged) or no policy yet (`is_record`): not in the records, which a
    report on a live log should say. Only those a report's period [start, end) and queues
    would cover (all when not given)."""
    unlabelled = and_(calls.c.policy == "", calls.c.outcome.not_in(NOT_QUEUE_CALLS))
    where = [or_(calls.c.outcome.is_(None), unlabelled), calls.c.entered_at.is_not(None)]
    if start is not None:
        where.append(calls.c.entered_at >= start.tz_convert("UTC").to_pydatetime())
    if end is not None:
        where.append(calls.c.entered_at < end.tz_convert("UTC").to_pydatetime())
    if queues:
        where.append(calls.c.queue.in_(list(queues)))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(calls).where(*where)
                                ).scalar_one()
    finally:
        engine.dispose()


def _chunks(
    engine: Engine, query, chunk_size: int, dtype: dict[str, str]  # noqa: ANN001
) -> Iterator[pd.DataFrame]:
    with engine.connect().execution_options(stream_results=True) as conn:
        for chunk in pd.read_sql(query, conn, chunksize=chunk_size, dtype=dtype):
            yield chunk
            timeout_to_what_is_left(conn)  # the next FETCH gets only what is left


def record_chunks(engine: Engine, query, chunk_size: int) -> Iterator[pd.DataFrame]:  # noqa: ANN001
    """`query`'s records (`record_query`, narrowed) a chunk at a time, in the record format
    (any columns the query adds after them): for work that must not hold a whole log (the
    console's per-arm counts, the report)."""
    for chunk in _chunks(engine, query, chunk_size, RECORD_DTYPES):
        chunk = _compact_records(chunk)
        for column in CATEGORY_COLUMNS:  # a few distinct names: compared as codes, not text
            chunk[column] = chunk[column].astype("category")
        yield chunk[[*RECORD_COLUMNS, *(c for c in chunk.columns if c not in RECORD_COLUMNS)]]


def record_batches(
    url: str, chunk_size: int = 20_000, *, for_twin: bool = False
) -> Iterator[pd.DataFrame]:
    """Every call record (`record_query`, oldest first) a chunk at a time: a report on a log of
    millions without holding it whole (`read_records_frame` reads the same rows whole). A
    chunk's raw rows cost about 1.7 kB each before they are narrowed, so chunks are small.
    `for_twin`: with what the twin reads from each call's events (`with_twin_columns`)."""
    query = with_twin_columns(record_query()) if for_twin else record_query()
    engine = make_engine(url)
    try:
        yield from record_chunks(engine, query, chunk_size)
    finally:
        engine.dispose()


def with_twin_columns(query):  # noqa: ANN001, ANN201 - a SQLAlchemy Select
    """`query` (a `record_query`) with what the twin reads from each call's events: its last
    talk-ending events (simulator.twin_log.END_COLUMNS, from which its talk time is read: a
    callback's ends are one per claim, and the last is that of the claim that kept it) and
    its callback attempts (CALLBACK_ATTEMPT events, each a trial of the customer answering)."""
    return query.add_columns(
        *(_of_call(event, last=True).label(column) for event, column in END_COLUMNS.items()),
        _of_call(Event.CALLBACK_ATTEMPT.value, counted=True).label(ATTEMPTS_COLUMN))


ATTEMPTS_COLUMN = "callback_attempts"
TWIN_COLUMNS = ("talk_s", ATTEMPTS_COLUMN)
"""A twin's record's columns beyond the DESIGN.md ones, once its talk ends are read as a
talk time (simulator.twin_log.with_talk_from_ends)."""


def _of_call(event: str, *, counted: bool = False,
             last: bool = False):  # noqa: ANN202 - a scalar subquery
    """The call's first (or `last`) `event`'s time (none: NULL), or its count of them, beside
    its record."""
    said = call_events.alias()
    aggregate = func.count() if counted else (func.max if last else func.min)(said.c.time)
    return select(aggregate).select_from(said).where(
        said.c.call_id == calls.c.call_id, said.c.event == event).scalar_subquery()


_SAID = "said_"  # the announcement's own columns in the join below (a record has the same names)


def told_batches(
    url: str, chunk_size: int = 20_000
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Every ANNOUNCE of a call record, a chunk of them at a time, with their calls' records:
    (records, announcements) whose every announcement's call is in the records, so scoring
    each chunk's told waits alone (analytics.told_waits) scores them all. In no order: a
    chunk's tellings are counted, not listed."""
    said = [column.label(_SAID + column.name) for column in _event_columns()]
    query = (select(*said, *_record_columns())
             .select_from(call_events.join(calls, calls.c.call_id == call_events.c.call_id))
             .where(call_events.c.event == Event.ANNOUNCE.value, *is_record()))
    dtype = {**RECORD_DTYPES, **{_SAID + name: kind for name, kind in EVENT_DTYPES.items()}}
    engine = make_engine(url)
    try:
        for chunk in _chunks(engine, query, chunk_size, dtype):
            names = [column.name for column in said]
            events = chunk[names].rename(columns=lambda name: name.removeprefix(_SAID))
            events["time"] = pd.to_datetime(events["time"], utc=True)
            records = chunk.drop(columns=names).drop_duplicates("call_id", ignore_index=True)
            yield _compact_records(records)[list(RECORD_COLUMNS)], events
    finally:
        engine.dispose()


def _compact_records(chunk: pd.DataFrame) -> pd.DataFrame:
    chunk["entered_at"] = pd.to_datetime(chunk["entered_at"], utc=True)
    chunk = chunk.drop(columns=["arrived_at"])
    chunk["callback_requested"] = chunk["callback_requested"].astype(bool)
    chunk["callback_cancelled"] = chunk["callback_cancelled"].astype(bool)
    chunk["announcements"] = chunk["announcements"].astype("int32")
    return chunk


def read_records_frame(
    url: str, chunk_size: int = 100_000, *, call_id_prefix: str = "", for_twin: bool = False
) -> pd.DataFrame:
    """One row per finished call, in the DESIGN.md record format; `for_twin`: with its
    TWIN_COLUMNS too (`with_twin_columns`, the talk ends read as a talk time)."""
    engine = make_engine(url)
    try:
        return records_frame(engine, record_query(call_id_prefix), chunk_size,
                             for_twin=for_twin)
    finally:
        engine.dispose()


def read_closed_frame(url: str, *, call_id_prefix: str = "") -> pd.DataFrame:
    """Calls that rang while their queue was closed, oldest first: when each rang
    (`arrived_at`) and the status of the callback it booked for the opening (None: none
    booked). The records leave them out (`is_record`); a simulation's summary counts them
    on their own, as the fast engine does."""
    query = (select(calls.c.call_id, calls.c.arrived_at,
                    callbacks.c.status.label("callback_status"))
             .select_from(calls.outerjoin(callbacks, callbacks.c.call_id == calls.c.call_id))
             .where(calls.c.outcome == Outcome.CLOSED.value)
             .order_by(calls.c.arrived_at, calls.c.call_id))
    if call_id_prefix:
        query = query.where(calls.c.call_id.startswith(call_id_prefix, autoescape=True))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            frame = pd.read_sql(query, conn)
    finally:
        engine.dispose()
    frame["arrived_at"] = pd.to_datetime(frame["arrived_at"], utc=True)
    return frame


def records_frame(engine: Engine, query, chunk_size: int = 100_000, *,  # noqa: ANN001
                  for_twin: bool = False) -> pd.DataFrame:
    """`query`'s records (a `record_query`, narrowed) whole, as `read_records_frame` reads
    them: for a reader that holds its own engine (the console's twin, its window's calls)."""
    if for_twin:
        parts = [with_talk_from_ends(chunk) for chunk
                 in record_chunks(engine, with_twin_columns(query), chunk_size)]
    else:
        parts = list(record_chunks(engine, query, chunk_size))
    columns = [*RECORD_COLUMNS, *(TWIN_COLUMNS if for_twin else ())]
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    for column in CATEGORY_COLUMNS:
        frame[column] = frame[column].astype("category")
    return frame[columns]


def read_events_frame(
    url: str, chunk_size: int = 200_000, *, only: Sequence[str] | None = None,
    numbers: bool = False,
) -> pd.DataFrame:
    """Logged events, oldest first (all but raw facts for queue_log export; `only` those
    named, e.g. ANNOUNCE).
    `numbers`: each with its call's caller number (`from_number`: the app keeps it on the
    call, not in every event; the export shows it as its --caller-ids option says), joined
    only then: the report's and the twin's reads need none, and paid the join every time."""
    columns, query = _events_query(only, numbers)
    engine = make_engine(url)
    try:
        parts = list(_chunks(engine, query.order_by(call_events.c.time, call_events.c.id),
                             chunk_size, EVENT_DTYPES))
    finally:
        engine.dispose()
    if not parts:
        return pd.DataFrame(columns=[column.name for column in columns])
    frame = pd.concat(parts, ignore_index=True)
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def _events_query(only: Sequence[str] | None, numbers: bool):  # noqa: ANN202 - (columns, Select)
    """The events `read_events_frame` reads, in no order yet."""
    columns = _event_columns()
    source = call_events
    if numbers:
        columns.append(calls.c.from_number)
        source = call_events.outerjoin(calls, calls.c.call_id == call_events.c.call_id)
    query = select(*columns).select_from(source).where(call_events.c.policy != "")  # as
    # is_record: a call's events are labelled with it
    if only:  # named: a raw fact too (the twin reads a kept callback's CALLBACK_ENDED)
        query = query.where(call_events.c.event.in_(list(only)))
    else:  # raw hang-up and leave facts reach analysts only through the decided record
        query = query.where(call_events.c.event.not_in(sorted(FACT_ONLY)))
    return columns, query


def call_event_batches(
    url: str, chunk_size: int = 50_000, *, numbers: bool = False
) -> Iterator[pd.DataFrame]:
    """The events `read_events_frame` reads, a batch of whole calls at a time (each call's
    events, oldest first, all in one batch), with each event's `seq`: its place in the log's
    order (the id that breaks ties of time). For work per call on a log too big to hold:
    the queue_log export's lines, sorted by time afterwards."""
    columns, query = _events_query(None, numbers)
    query = query.add_columns(call_events.c.id.label("seq")).order_by(
        call_events.c.call_id, call_events.c.time, call_events.c.id)
    engine = make_engine(url)
    try:
        held = None  # the last call of a chunk: its events may go on in the next
        for chunk in _chunks(engine, query, chunk_size, EVENT_DTYPES):
            if chunk.empty:  # pandas yields one empty chunk for a query with no rows
                continue
            chunk["time"] = pd.to_datetime(chunk["time"], utc=True)
            if held is not None:
                chunk = pd.concat([held, chunk], ignore_index=True)
            last = chunk["call_id"].iat[-1]
            whole = chunk["call_id"] != last
            held = chunk[~whole]
            if whole.any():
                yield chunk[whole].reset_index(drop=True)
        if held is not None:  # a call's events, never none
            yield held.reset_index(drop=True)
    finally:
        engine.dispose()


_QUEUES_IN_LOG = text(
    "WITH RECURSIVE named(queue) AS ("
    " SELECT MIN(queue) FROM calls"
    " UNION ALL"
    " SELECT (SELECT MIN(queue) FROM calls WHERE calls.queue > named.queue)"
    " FROM named WHERE named.queue IS NOT NULL)"
    " SELECT queue FROM named WHERE queue IS NOT NULL")


def queues_in_log(conn: Connection) -> list[str]:
    """Every queue the call log has calls of, in name order: one index seek per queue (a
    loose index scan of ix_calls_queue_arrived), however many calls each has. A queue
    renamed or removed from the config is still in the log, and its calls still count."""
    return list(conn.execute(_QUEUES_IN_LOG).scalars())
