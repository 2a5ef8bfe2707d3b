"""Callers' personal data out of the call log, the statistics kept.

A retention policy (`--before`) or one person's erasure request (`--number`) removes what
identifies a caller: their number (`calls.from_number`, `callbacks.number`), their words
(REASON transcripts, voicemail transcriptions) and the links to their recordings, in the
rows and in the events' data. Outcomes, waits, positions and times stay, so every report,
estimate and A/B comparison reads the same before and after.

The one place events are edited after they are written: the law's right to erasure outranks
"events are only appended", and only personal fields go; no event is added or removed.
A call still in line, or a callback still promised, is never touched: its number is how the
promise is kept. Recordings themselves live on Twilio; their SIDs are kept (no voice, no
number in them) so they can be deleted there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, or_, select, update

from app.storage import audit
from app.storage.callback_queue import OUTSTANDING
from app.storage.schema import call_events, callback_messages, callbacks, calls

PERSONAL_EVENT_KEYS = ("number", "transcript", "text", "recording_url")
"""Keys of an event's data that hold a caller's number, words or recording's address."""
BATCH = 500


@dataclass(frozen=True)
class Redaction:
    """What was (or, for a dry run, would be) redacted; counts of rows."""

    calls: int
    events: int
    callbacks: int
    messages: int
    kept_open: int  # calls matched but still in line or with a callback still promised
    recordings: tuple[str, ...]  # SIDs of recordings to delete on Twilio

    def said(self) -> str:
        kept = (f"; {self.kept_open:,} still in line or promised a callback were left as "
                "they are" if self.kept_open else "")
        return (f"{self.calls:,} ended calls chosen: {self.events:,} of their events, "
                f"{self.callbacks:,} callbacks and {self.messages:,} recorded messages held a "
                f"number, words or a recording's address{kept}")


def _matching(conn: Connection, before: datetime | None, number: str | None) -> list[str]:
    """Calls arrived before `before`, or whose caller or callback number is `number`."""
    wanted = []
    if before is not None:
        wanted.append(calls.c.arrived_at < before)
    if number is not None:
        wanted.append(calls.c.from_number == number)
        wanted.append(calls.c.call_id.in_(select(callbacks.c.call_id).where(
            callbacks.c.number == number)))
    found = set(conn.execute(select(calls.c.call_id).where(or_(*wanted))).scalars())
    if number is not None:  # a callback whose call row is gone still holds the number
        found |= set(conn.execute(select(callbacks.c.call_id).where(
            callbacks.c.number == number)).scalars())
    return sorted(found)


def _open(conn: Connection, call_ids: list[str]) -> set[str]:
    """Those still in line (no outcome) or with a callback still to keep."""
    still = set()
    for batch in _batches(call_ids):
        still |= set(conn.execute(select(calls.c.call_id).where(
            calls.c.call_id.in_(batch), calls.c.outcome.is_(None))).scalars())
        still |= set(conn.execute(select(callbacks.c.call_id).where(
            callbacks.c.call_id.in_(batch), callbacks.c.status.in_(OUTSTANDING))).scalars())
    return still


def _batches(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start:start + BATCH]


def _without_personal(data: str) -> str | None:
    """The event's data with personal keys emptied; None when it held none."""
    fields = json.loads(data or "{}")
    if not any(fields.get(key) for key in PERSONAL_EVENT_KEYS):
        return None
    return json.dumps({key: (None if key in PERSONAL_EVENT_KEYS else value)
                       for key, value in fields.items()}, sort_keys=True)


def _redact_calls(conn: Connection, call_ids: Iterable[str], dry_run: bool) -> Redaction:
    counts = {"calls": 0, "events": 0, "callbacks": 0, "messages": 0}
    recordings: list[str] = []
    for batch in _batches(list(call_ids)):
        numbered = calls.c.call_id.in_(batch) & calls.c.from_number.is_not(None)
        counts["calls"] += len(batch)
        for event_id, data in conn.execute(select(call_events.c.id, call_events.c.data).where(
                call_events.c.call_id.in_(batch))).all():
            cleaned = _without_personal(data)
            if cleaned is not None:
                counts["events"] += 1
                if not dry_run:
                    conn.execute(update(call_events).where(call_events.c.id == event_id)
                                 .values(data=cleaned))
        held = callbacks.c.call_id.in_(batch) & (callbacks.c.number != "")
        counts["callbacks"] += len(conn.execute(select(callbacks.c.call_id).where(held)).all())
        messages = callback_messages.c.callback_id.in_(batch) | \
            callback_messages.c.call_id.in_(batch)
        for sid, url, text in conn.execute(select(
                callback_messages.c.recording_sid, callback_messages.c.recording_url,
                callback_messages.c.transcript).where(messages)).all():
            recordings.append(sid)
            counts["messages"] += bool(url or text)
        if not dry_run:
            conn.execute(update(calls).where(numbered).values(from_number=None))
            conn.execute(update(callbacks).where(held).values(number=""))
            conn.execute(update(callback_messages).where(messages).values(
                recording_url="", transcript=None))
    return Redaction(kept_open=0, recordings=tuple(sorted(recordings)), **counts)


def redact(engine: Engine, *, before: datetime | None = None, number: str | None = None,
           now: datetime, actor: str, dry_run: bool = False) -> Redaction:
    """Remove the personal data of the calls chosen (audited, in one transaction); a dry run
    counts only. `before` and `number` together take the calls either one chooses."""
    if before is None and number is None:
        raise ValueError("say which calls: a date before which, or a number, or both")
    with engine.begin() as conn:
        chosen = _matching(conn, before, number)
        still = _open(conn, chosen)
        done = _redact_calls(conn, [c for c in chosen if c not in still], dry_run)
        done = Redaction(**{**done.__dict__, "kept_open": len(still)})
        if not dry_run:
            audit.record(conn, actor=actor, action="privacy.redact",
                         target="number" if number else "before",
                         detail={"before": before.isoformat() if before else None,
                                 "calls": done.calls, "events": done.events,
                                 "kept_open": done.kept_open}, now=now)
    return done
