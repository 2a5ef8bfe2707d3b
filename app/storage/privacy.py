"""Callers' personal data out of the call log, the statistics kept.

A retention policy (`--before`) or one person's erasure request (`--number`: a phone number,
or a SIP or Twilio Client caller's From, matched exactly as kept) removes what identifies a
caller: their number (`calls.from_number`, `callbacks.number`), their words
(REASON transcripts, voicemail transcriptions) and the links to their recordings, in the
rows and in the events' data (hold_policies.personal_data: the one list of what is personal
there, which every export leaves out too). Outcomes, waits, positions and times stay, so
every report, estimate and A/B comparison reads the same before and after.

The one place events are edited after they are written: the law's right to erasure outranks
"events are only appended", and only personal fields go; no event is added or removed.
A call still in line, or a callback still promised (or its failure text still owed), is
never touched: its number is how the promise is kept. Recordings themselves live on Twilio;
their SIDs are kept (no voice, no number in them) so they can be deleted there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, func, or_, select, update

from app.storage import audit
from app.storage.callback_queue import OUTSTANDING
from app.storage.db import begin_write
from app.storage.failure_texts import OWED, TEXT_WITHIN_S
from app.storage.locks import hold_calls_free
from app.storage.schema import call_events, callback_messages, callbacks, calls
from hold_policies.personal_data import emptied_text

BATCH = 500
SQLITE_BATCH = 100
"""SQLite's page is smaller: it holds the whole file's write lock while it works, and every
webhook write waits for it within its half-second budget (500 calls of 40 events each had
held it for 0.24-0.31 s)."""


@dataclass(frozen=True)
class Redaction:
    """What was (or, for a dry run, would be) redacted; counts of rows."""

    calls: int
    events: int
    callbacks: int
    messages: int
    kept_open: int  # calls matched but still in line, promised a callback, or being written
    recordings: tuple[str, ...]  # SIDs of recordings to delete on Twilio
    numbers: int = 0  # calls whose caller's number (calls.from_number) was kept until now

    def said(self) -> str:
        kept = (f"; {self.kept_open:,} still in line, promised a callback, owed a failed "
                "callback's text (for up to an hour) or being written at that moment were "
                "left as they are (a later run takes them once settled)"
                if self.kept_open else "")
        return (f"{self.calls:,} ended calls chosen: {self.numbers:,} of them held the "
                f"caller's number, {self.events:,} of their events, "
                f"{self.callbacks:,} callbacks and {self.messages:,} recorded messages held a "
                f"number, words or a recording's address{kept}")


def _chosen(before: datetime | None, number: str | None):  # noqa: ANN202 - a condition
    """Calls arrived before `before`, or whose caller or callback number is `number`."""
    wanted = []
    if before is not None:
        wanted.append(calls.c.arrived_at < before)
    if number is not None:
        wanted.append(calls.c.from_number == number)
        wanted.append(calls.c.call_id.in_(select(callbacks.c.call_id).where(
            callbacks.c.number == number)))
    return or_(*wanted)


def _pages(engine: Engine, before: datetime | None, number: str | None) -> Iterator[list[str]]:
    """The chosen calls' ids, a page at a time in id order (a first retention run may choose
    every call of years; none is held longer than its page)."""
    after, size = "", SQLITE_BATCH if engine.dialect.name == "sqlite" else BATCH
    while True:
        with engine.connect() as conn:
            page = list(conn.execute(select(calls.c.call_id).where(
                _chosen(before, number), calls.c.call_id > after).order_by(calls.c.call_id)
                .limit(size)).scalars())
        if not page:
            return
        yield page
        after = page[-1]


def other_case(engine: Engine, caller: str, most: int = 5) -> list[str]:
    """Callers kept with the letters of `caller` in another case (a hint when it matched
    none; never matched by `redact`, which compares exactly)."""
    with engine.connect() as conn:
        return list(conn.execute(select(calls.c.from_number).distinct().where(
            func.lower(calls.c.from_number) == caller.lower(), calls.c.from_number != caller)
            .order_by(calls.c.from_number).limit(most)).scalars())


def count_chosen(engine: Engine, before: datetime | None, number: str | None) -> int:
    """How many calls a run would look at (for its progress)."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(calls).where(
            _chosen(before, number))).scalar_one()


def _open(conn: Connection, batch: list[str], now: datetime) -> set[str]:
    """Those still in line (no outcome), with a callback still to keep, or with a failed
    callback's text still owed and still young enough to send (it needs the number; an
    older one is never sent, failure_texts.TEXT_WITHIN_S, and must not block an erasure)."""
    text_owed = (callbacks.c.failure_text == OWED) & (
        callbacks.c.resolved_at >= now - timedelta(seconds=TEXT_WITHIN_S))
    return set(conn.execute(select(calls.c.call_id).where(
        calls.c.call_id.in_(batch), calls.c.outcome.is_(None))).scalars()) | set(
        conn.execute(select(callbacks.c.call_id).where(
            callbacks.c.call_id.in_(batch),
            callbacks.c.status.in_(OUTSTANDING) | text_owed)).scalars())


def _settled_first(conn: Connection, page: list[str], dry_run: bool) -> set[str]:
    """Hold the page still until its transaction ends, so nothing written between the check
    for open calls and the redaction goes unseen (a callback booked on a call ended by the
    overflow or out of hours had been left promised to an empty number). SQLite: the file's
    write lock, taken at the start. PostgreSQL: each call's own lock, as every write of a
    call takes it; a call being written right now is left for the next run (returned)."""
    if dry_run:
        return set()
    begin_write(conn, None)
    return hold_calls_free(conn, page)


def _redact_batch(conn: Connection, batch: list[str], dry_run: bool) -> Redaction:
    """One page of ended calls, in the caller's transaction."""
    cleaned = [{"event_id": event_id, "cleaned": blanked}
               for event_id, event, data in conn.execute(select(
                   call_events.c.id, call_events.c.event, call_events.c.data).where(
                   call_events.c.call_id.in_(batch))).all()
               if (blanked := emptied_text(event, data)) is not None]
    if cleaned and not dry_run:  # one statement, many rows
        conn.execute(update(call_events).where(call_events.c.id == bindparam("event_id"))
                     .values(data=bindparam("cleaned")), cleaned)
    held = callbacks.c.call_id.in_(batch) & (callbacks.c.number != "")
    held_callbacks = len(conn.execute(select(callbacks.c.call_id).where(held)).all())
    messages = callback_messages.c.callback_id.in_(batch)  # not a message left on an ended
    # call for a callback still promised (a caller rang again): that callback plays it
    message = callback_messages.c
    found = conn.execute(select(message.recording_sid, message.recording_url,
                                message.transcript).where(messages)).all()
    numbered = calls.c.call_id.in_(batch) & calls.c.from_number.is_not(None)
    numbers = conn.execute(select(func.count()).select_from(calls).where(numbered)).scalar_one()
    if not dry_run:
        conn.execute(update(calls).where(numbered).values(from_number=None))
        conn.execute(update(callbacks).where(held).values(number=""))
        conn.execute(update(callback_messages).where(messages).values(
            recording_url="", transcript=None))
    return Redaction(calls=len(batch), events=len(cleaned), callbacks=held_callbacks,
                     messages=sum(bool(url or text) for _, url, text in found), kept_open=0,
                     recordings=tuple(sid for sid, _, _ in found), numbers=numbers)


def _sum(parts: list[Redaction]) -> Redaction:
    return Redaction(*(sum(getattr(p, name) for p in parts) for name in (
        "calls", "events", "callbacks", "messages", "kept_open")),
        recordings=tuple(sorted(sid for p in parts for sid in p.recordings)),
        numbers=sum(p.numbers for p in parts))


def redact(engine: Engine, *, before: datetime | None = None, number: str | None = None,
           now: datetime, actor: str, dry_run: bool = False,
           progress: Callable[[int], None] | None = None) -> Redaction:
    """Remove the personal data of the calls chosen, a page of calls a transaction (a
    first run over years of log must not hold the live app's writes up), audited at the
    end; a dry run counts only. `before` and `number` together take the calls either
    chooses. `progress` hears each page's count of calls looked at."""
    if before is None and number is None:
        raise ValueError("say which calls: a date before which, or a number, or both")
    parts = []
    for page in _pages(engine, before, number):
        with engine.connect() as conn, conn.begin():
            still = _open(conn, page, now)  # first without a lock: a call in line is never
            chosen = [c for c in page if c not in still]  # held, and is skipped anyway
            still |= _settled_first(conn, chosen, dry_run)
            still |= _open(conn, chosen, now)  # again under the lock: what changed since
            done = _redact_batch(conn, [c for c in page if c not in still], dry_run)
        parts.append(replace(done, kept_open=len(still)))
        if progress is not None:
            progress(len(page))
    total = _sum(parts)
    if not dry_run:
        with engine.begin() as conn:
            audit.record(conn, actor=actor, action="privacy.redact",
                         target="number" if number else "before",
                         detail={"before": before.isoformat() if before else None,
                                 "calls": total.calls, "numbers": total.numbers,
                                 "events": total.events,
                                 "kept_open": total.kept_open}, now=now)
    return total
