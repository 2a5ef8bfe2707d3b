"""Unserved callers and callback promises as the page and the API show them (one function
each), with numbers masked for roles that may not see them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Response

from app.api.models import (
    CallbackAttempt,
    CallbackCancel,
    CallbackItem,
    CallbackMessage,
    CallbacksResponse,
    UnservedCaller,
    UnservedResponse,
)
from app.console.csv_export import csv_download
from app.number_mask import mask_number
from app.services import Services
from app.storage import audit, callback_admin
from app.storage.unserved import unserved

CSV_COLUMNS = ("call_id", "queue", "outcome", "number", "entered_at", "wait_s", "announcements",
               "heard")


def unserved_response(svc: Services, start: datetime, end: datetime,
                      *, mask: bool) -> UnservedResponse:
    rows, truncated = unserved(svc.store.engine, start, end)
    callers = [UnservedCaller(
        call_id=row.call_id, queue=row.queue, outcome=row.outcome,
        number=mask_number(row.number) if mask else row.number, entered_at=row.entered_at,
        wait_s=row.wait_s, heard=row.heard, announcements=row.announcements) for row in rows]
    return UnservedResponse(start=start, end=end, callers=callers, truncated=truncated)


TRUNCATED_HEADER = "X-Holdwell-Truncated"
TRUNCATED_MEANS = ("`true` when the period held more unserved callers than the list's cap "
                   "and the newest were left out (the JSON's `truncated`), else `false`")


def unserved_csv(response: UnservedResponse) -> Response:
    """The unserved list as a download: the page's link and the API's /unserved.csv. A cut
    list says so in a header (a CSV has no room for it): 5,000 rows had read as the whole.
    Its file is named by its period (UTC), so two weeks' downloads do not overwrite each
    other as unserved.csv and unserved (1).csv."""
    download = csv_download(f"unserved_{_utc_stamp(response.start)}_"
                            f"{_utc_stamp(response.end)}.csv", CSV_COLUMNS,
                            (caller.model_dump(mode="json") for caller in response.callers))
    download.headers[TRUNCATED_HEADER] = "true" if response.truncated else "false"
    return download


def _utc_stamp(moment: datetime) -> str:
    """A file name's time: UTC to the minute, with no character a file system refuses."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H%MZ")


def callbacks_response(svc: Services, *, mask: bool) -> CallbacksResponse:
    """Every open promise first (oldest first), then the last day's settled ones, newest
    first and capped, saying how many were left out."""
    now = svc.clock.now()
    listed = callback_admin.listing(svc.store.engine, now)
    horizon = now + timedelta(seconds=svc.config.callbacks.at_risk_margin_s)
    cancels = audit.latest_of(svc.store.engine, "callback.cancel", [
        row.call_id for row in listed.rows if row.status == callback_admin.CANCELLED])
    items = [CallbackItem(
        call_id=row.call_id, queue=row.queue,
        number=mask_number(row.number) if mask else row.number, status=row.status,
        entered_at=None if row.never_queued else row.entered_at,
        requested_at=row.requested_at, promised_by=row.promised_by, due_at=row.due_at,
        line_full=row.line_full, held_until=row.held_until, held_because=row.held_because,
        at_risk=row.status in callback_admin.OUTSTANDING and row.promised_by is not None
        and row.promised_by <= horizon,
        attempts=[CallbackAttempt(time=a.time, result=a.result) for a in row.attempts],
        left_message=bool(row.messages),
        messages=[CallbackMessage(  # the caller's words: as private as their number
            left_at=m.left_at, seconds=m.seconds, url=None if mask else m.url,
            transcript=None if mask else m.transcript) for m in row.messages],
        message_url=None if mask or not row.messages else row.messages[0].url,  # v1 clients
        transcript=None if mask or not row.messages else row.messages[0].transcript,
        cancelled=_cancel_of(cancels.get(row.call_id), mask))
        for row in listed.rows]
    return CallbacksResponse(callbacks=items, open_count=listed.open_count,
                             settled_count=listed.settled_count,
                             settled_shown=len(items) - listed.open_count,
                             truncated=listed.truncated)


def _cancel_of(entry: audit.AuditEntry | None, mask: bool) -> CallbackCancel | None:
    """Who cancelled a callback, when and why: settled rows had said only "cancelled", and
    the audit log that said more is an admin's page (browser walk-through U3). The reason is
    an operator's words about a caller: shown as their number is (not to analysts)."""
    if entry is None:
        return None
    return CallbackCancel(by=entry.actor, at=entry.time,
                          reason=None if mask else str(entry.detail.get("reason", "")))
