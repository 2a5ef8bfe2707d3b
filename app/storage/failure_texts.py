"""A failed callback's text to the customer: owed with the failure, then claimed once.

Whoever fails a callback (a voice route, a journal replayed later, the REST placer) marks
its text owed in the same write (callback_writes.unanswered). The text is then claimed by
one conditional UPDATE, so the route that failed it and `holdwell callbacks` never both send
it: at most once, since a text cannot be taken back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update

from app.storage.prepared import param
from app.storage.schema import callbacks

OWED, SENT, NOT_SENT = "owed", "sent", "not sent"
TEXT_WITHIN_S = 3600.0
"""A failure older than this when first looked at (a worker away for hours) is not texted:
"we tried to call you" an afternoon later reads as a new promise, not as news."""

_THIS = callbacks.c.call_id == param("callback", callbacks.c.call_id)
_OWED = callbacks.c.failure_text == OWED
_TOO_OLD = update(callbacks).where(
    _THIS, _OWED, callbacks.c.resolved_at < param("since", callbacks.c.resolved_at),
).values(failure_text=NOT_SENT)
_NOT_WANTED = update(callbacks).where(_THIS, _OWED).values(failure_text=NOT_SENT)
_NO_NUMBER = update(callbacks).where(_THIS, _OWED, callbacks.c.number == "").values(
    failure_text=NOT_SENT)
"""A number redacted (app.storage.privacy): there is nobody left to text."""
_TAKE = update(callbacks).where(_THIS, _OWED).values(failure_text=SENT)
_NUMBER = select(callbacks.c.number).where(_THIS)


def owed(engine: Engine, call_id: str | None = None) -> list[tuple[str, str]]:
    """The callbacks (or just `call_id`) whose failure text is owed, oldest failure first,
    each with its queue (whose language the text is in)."""
    query = select(callbacks.c.call_id, callbacks.c.queue).where(_OWED)
    if call_id is not None:
        query = query.where(callbacks.c.call_id == call_id)
    with engine.connect() as conn:
        return [(row.call_id, row.queue)
                for row in conn.execute(query.order_by(callbacks.c.resolved_at))]


def claim(engine: Engine, call_id: str, now: datetime, *, wanted: bool) -> str | None:
    """Take the owed text of `call_id`: the number to text, or None if it is not owed (any
    more: someone else took it), not `wanted` (texts are off), too old or its number
    redacted (all then marked not sent). Writes first, reads after: two claimers never
    both read it owed and send."""
    key = {"callback": call_id}
    with engine.begin() as conn:
        if not wanted:
            conn.execute(_NOT_WANTED, key)
            return None
        conn.execute(_TOO_OLD, {**key, "since": now - timedelta(seconds=TEXT_WITHIN_S)})
        conn.execute(_NO_NUMBER, key)
        if conn.execute(_TAKE, key).rowcount != 1:
            return None
        return conn.execute(_NUMBER, key).scalar()


def not_sent(engine: Engine, call_id: str) -> None:
    """The text was claimed but could not be sent (kept visible; never tried twice)."""
    with engine.begin() as conn:
        conn.execute(update(callbacks).where(_THIS).values(failure_text=NOT_SENT),
                     {"callback": call_id})
