"""Failed sign-ins in the audit log, bounded: anyone on the internet can post the sign-in
form, and one row per failure let them grow the log without end (the throttle limits how fast
from one address, not how much in all, nor from many addresses).

A source (an address as the throttle counts it: IPv4, or an IPv6 /64) has its first
ITEMIZED_FROM_A_SOURCE failures of a window written one row each, as before. Its further
failures are counted into one summary row of its own (how many, first and last, which names,
how many locked a name), kept open while the source fails again within the window, but for
one day at most: a failure on a later date (on the line's clock, as the People page shows
it) than the summary's first opens a new summary, so a slow, steady run (a failure every 14
minutes) reads day by day, and each row's time (its last failure) is within a day of every
failure it counts, which the audit log's retention goes by. Once the
window holds ROWS_PER_WINDOW rows of failed sign-ins, a source without an open summary is
counted into the one summary of "other addresses". So a window gains at most ROWS_PER_WINDOW
+ 2 such rows (the last itemized failure may bring its lock row; then the other addresses'
summary), however many addresses, and a run that goes on adds to the rows it has (and a
row a day: the window a date begins in gains one more row for each summary going on).

Counts are exact: each failure is decided and counted under one lock (SQLite: the file's
write lock; PostgreSQL: an advisory lock), so two workers failing at once lose nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from app.storage import audit
from app.storage.console_schema import audit_log
from app.storage.db import as_utc, begin_write
from app.storage.locks import hold

ITEMIZED_FROM_A_SOURCE = 10
"""A source's failures in a window written one row each (two names' locks, and a typo more)."""
ROWS_PER_WINDOW = 50
"""Rows of failed sign-ins a window may gain before the other addresses share one."""
NAMES_KEPT = 5
ADDRESSES_KEPT = 5
FAILED, LOCKED, SUMMARY = "session.login_failed", "session.locked", "session.login_failures"
OTHER_SOURCES = "(other addresses)"
"""The target of the summary every source without a row of its own is counted into."""
_LOCK = "holdwell-failed-sign-ins"


@dataclass(frozen=True)
class FailedSignIn:
    """One wrong password, as the sign-in view saw it, for `record` to place."""
    name: str  # as the audit log shows it (readable, cut)
    address: str  # the request's
    source: str  # where the throttle counts it from (users.address_key)
    from_source: int  # the source's failures in the window, this one included
    lock: Mapping[str, Any] | None  # what the lock's row says, when this one locked the name
    time: datetime
    day_zone: tzinfo = UTC  # whose midnight a summary ends at (the line's clock)


@dataclass(frozen=True)
class Summary:
    """A summary row read back, for the page's sentence."""
    failures: int
    first: datetime
    last: datetime
    addresses: list[str]
    more_addresses: bool
    names: list[str]
    more_names: bool
    locked: int
    others: bool  # the other addresses' summary, not one source's


def record(engine: Engine, failure: FailedSignIn, *, window_s: float) -> None:
    """Audit one failed sign-in: a row of its own while its source and the window have
    room, else counted into a summary row."""
    since = failure.time - timedelta(seconds=window_s)
    with engine.connect() as conn, conn.begin():
        begin_write(conn, None)
        hold(conn, _LOCK)
        key = failure.source
        row = _open_summary(conn, key, since)
        if row is None:
            if _rows_since(conn, since) >= ROWS_PER_WINDOW:
                key = OTHER_SOURCES
                row = _open_summary(conn, key, since)
            elif failure.from_source <= ITEMIZED_FROM_A_SOURCE:
                _itemize(conn, failure)
                return
        if row is not None and _of_an_earlier_day(audit.entry_of(row), failure):
            row = None  # a summary counts one day at most: this failure opens the next
        if row is None:
            audit.record(conn, actor="", action=SUMMARY, target=key,
                         detail=_counted({}, failure), now=failure.time)
            return
        entry = audit.entry_of(row)
        conn.execute(update(audit_log).where(audit_log.c.id == row["id"]).values(
            time=max(entry.time, failure.time),
            detail=audit.detail_text(_counted(entry.detail, failure))))


def _open_summary(conn: Connection, key: str, since: datetime):  # noqa: ANN202 - a row
    """The summary of `key` that counted a failure since `since`, if any (the newest made:
    yesterday's may have counted one since too, and a worker's clock a little ahead may
    have given it the later time)."""
    return conn.execute(select(audit_log).where(
        audit_log.c.action == SUMMARY, audit_log.c.target == key,
        audit_log.c.time >= since).order_by(audit_log.c.id.desc()).limit(1)).mappings().first()


def _of_an_earlier_day(summary: audit.AuditEntry, failure: FailedSignIn) -> bool:
    """Whether the summary's first failure is on an earlier date than `failure`, on the
    clock of `failure.day_zone`."""
    first = as_utc(datetime.fromisoformat(summary.detail["first"]))
    zone = failure.day_zone
    return first.astimezone(zone).date() < failure.time.astimezone(zone).date()


def _rows_since(conn: Connection, since: datetime) -> int:
    """Rows of failed sign-ins written, or counted into, since `since`."""
    return conn.execute(select(func.count()).select_from(audit_log).where(
        audit_log.c.time >= since,
        audit_log.c.action.in_((FAILED, LOCKED, SUMMARY)))).scalar_one()


def _itemize(conn: Connection, failure: FailedSignIn) -> None:
    """The failure's own row, and the lock's if it locked the name."""
    where = {"address": failure.address}
    audit.record(conn, actor="", action=FAILED, target=failure.name, detail=where,
                 now=failure.time)
    if failure.lock is not None:
        audit.record(conn, actor="", action=LOCKED, target=failure.name,
                     detail={**where, **failure.lock}, now=failure.time)


def _counted(detail: Mapping[str, Any], failure: FailedSignIn) -> dict[str, Any]:
    """A summary's detail with `failure` counted in (an empty `detail`: a new summary)."""
    stamp = failure.time.isoformat()
    names, more_names = _kept(detail.get("names", []), detail.get("more_names", False),
                              failure.name, NAMES_KEPT)
    addresses, more_addresses = _kept(detail.get("addresses", []),
                                      detail.get("more_addresses", False), failure.source,
                                      ADDRESSES_KEPT)
    return {"failures": int(detail.get("failures", 0)) + 1,
            "first": min(detail.get("first", stamp), stamp, key=datetime.fromisoformat),
            "last": max(detail.get("last", stamp), stamp, key=datetime.fromisoformat),
            "names": names, "more_names": more_names,
            "addresses": addresses, "more_addresses": more_addresses,
            "locked": int(detail.get("locked", 0)) + (failure.lock is not None)}


def _kept(kept: list[str], more: bool, value: str, most: int) -> tuple[list[str], bool]:
    """The first `most` distinct values seen, and whether others were seen too."""
    if value in kept:
        return kept, more
    if len(kept) < most:
        return [*kept, value], more
    return kept, True


def summary_of(entry: audit.AuditEntry) -> Summary | None:
    """A summary entry's counts, or None for any other entry."""
    if entry.action != SUMMARY:
        return None
    detail = entry.detail
    return Summary(
        failures=int(detail["failures"]), first=as_utc(datetime.fromisoformat(detail["first"])),
        last=as_utc(datetime.fromisoformat(detail["last"])), addresses=list(detail["addresses"]),
        more_addresses=bool(detail["more_addresses"]), names=list(detail["names"]),
        more_names=bool(detail["more_names"]), locked=int(detail["locked"]),
        others=entry.target == OTHER_SOURCES)
