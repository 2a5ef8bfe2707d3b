"""Waiting callers in the order Twilio keeps its queue: by the start of their current time
in line.

A caller put back in line after a Twilio `error` is at the back of Twilio's queue, though
their record keeps their first entry (their wait runs from it): `in_line_since` holds the
later start (migration 0017), NULL for a caller still in their first time in line. Agents'
choices (a callback before the head? whose words does the next agent hear?) weigh the head
Twilio will actually give. Two short index reads: callers in their first time in line by
`entered_at` (ix_calls_waiting), callers back in line by `in_line_since`
(ix_calls_back_in_line, which holds only them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, func, select, union_all

from app.storage.schema import calls

LINE_SINCE = "line_since"
"""The column of `in_line_order`'s rows holding when that time in line began."""
LINE_SINCE_OF_CALL = func.coalesce(calls.c.in_line_since, calls.c.entered_at)
"""A `calls` row's start of its current time in line (NULL before it entered); the same as
app.storage.rows.CallRow.line_since."""


def in_line_order(where: Sequence[ColumnElement[bool]], limit: int) -> Select:
    """The first `limit` waiting callers matching `where` (which must hold `outcome IS NULL`,
    as both indexes do) in Twilio's order: (call_id, entered_at, first_announced_wait_s,
    line_since), ties by call id."""
    columns = (calls.c.call_id, calls.c.entered_at, calls.c.first_announced_wait_s)
    first = select(*columns, calls.c.entered_at.label(LINE_SINCE)).where(
        *where, calls.c.in_line_since.is_(None)).order_by(calls.c.entered_at).limit(limit)
    again = select(*columns, calls.c.in_line_since.label(LINE_SINCE)).where(
        *where, calls.c.in_line_since.is_not(None)).order_by(calls.c.in_line_since).limit(limit)
    both = union_all(first.subquery().select(), again.subquery().select()).subquery()
    return select(both).order_by(both.c[LINE_SINCE], both.c.call_id).limit(limit)
