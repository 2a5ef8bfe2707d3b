"""The audit log's retention: entries older than a cut-off deleted, a batch a transaction.

The log holds personal data (the addresses sign-ins came from, the names tried at the
sign-in form) and had no end. `prune` deletes the entries from before a cut-off in batches
in the time index's order, each batch its own short transaction (SQLite holds the whole
file's write lock while it deletes, and every webhook write waits for it), so a first run
over years of log never holds the live app up for long.

The run is audited by one `audit.pruned` entry written before the first batch and brought
up to date in each batch's own transaction: the count it says is always the count deleted,
even when the run is stopped half way (`complete` says whether it finished). That entry is
from now, long after the cut-off, and is never among those the run deletes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from app.storage import audit
from app.storage.console_schema import audit_log, users
from app.storage.db import as_utc, begin_write

MIN_DAYS = 30
"""The least a run may keep: the log is how a change that broke the line last month, or a
guessing run found late, is traced back to who and where; a month is the shortest review
period an operator is expected to keep (a mistyped `--older-than 3` would have erased it)."""
MAX_DAYS = 36_500
ACTION = "audit.pruned"
BATCH = 1000
SQLITE_BATCH = 200
"""SQLite holds the whole file's write lock while it deletes: a smaller batch keeps each
hold well under a webhook's half-second budget."""


@dataclass(frozen=True)
class Pruned:
    """What a run deleted (or, for a dry run, would delete)."""

    before: datetime  # the cut-off, UTC: entries from before it
    rows: int
    oldest: datetime | None  # the oldest entry among them, UTC


LAST_SIGN_IN = "session.login"


def _old(before: datetime, kept: list[int]):  # noqa: ANN202 - a SQL condition
    """Entries from before the cut-off, but the retention runs' own (`ACTION`: the log's
    history of what was deleted, when and by whom, a row a run) and those `kept`."""
    old = (audit_log.c.time < before) & (audit_log.c.action != ACTION)
    return old & audit_log.c.id.not_in(kept) if kept else old


def _last_sign_ins(conn: Connection) -> list[int]:
    """The newest sign-in entry of each current user (the People page's "last signed in")."""
    return list(conn.execute(select(func.max(audit_log.c.id)).where(
        audit_log.c.action == LAST_SIGN_IN,
        audit_log.c.target.in_(select(users.c.name))).group_by(audit_log.c.target)).scalars())


def chosen(engine: Engine, before: datetime) -> Pruned:
    """How many entries are from before `before`, and the oldest's time (a dry run's
    answer, and a run's progress length)."""
    with engine.connect() as conn:
        rows, oldest = conn.execute(select(func.count(), func.min(audit_log.c.time)).where(
            _old(before, _last_sign_ins(conn)))).one()
    return Pruned(before, int(rows or 0), as_utc(oldest) if oldest is not None else None)


def _detail(before: datetime, days: int | None, rows: int, complete: bool) -> str:
    return audit.detail_text({"before": before.isoformat(), "days": days, "rows": rows,
                              "complete": complete})


def prune(engine: Engine, *, before: datetime, now: datetime, actor: str,
          days: int | None = None, dry_run: bool = False,
          progress: Callable[[int], None] | None = None) -> Pruned:
    """Delete the entries from before `before`, a batch a transaction, audited by one
    `audit.pruned` entry of this run's own (never deleted by it); a dry run counts only.
    `progress` hears each batch's count of entries deleted."""
    if before >= now:
        raise ValueError("the cut-off must be in the past: this run's own entry is from now")
    found = chosen(engine, before)
    if dry_run:
        return found
    with engine.begin() as conn:
        own = conn.execute(insert(audit_log).values(
            time=now, actor=actor, action=ACTION, target="before",
            detail=_detail(before, days, 0, False))).inserted_primary_key[0]
    with engine.connect() as conn:
        kept = _last_sign_ins(conn)  # one signing in meanwhile has a newer one: both stay
    size = SQLITE_BATCH if engine.dialect.name == "sqlite" else BATCH
    rows = 0
    while True:
        with engine.connect() as conn, conn.begin():
            begin_write(conn, None)
            done = _delete_batch(conn, before, [own, *kept], size)
            rows += done
            conn.execute(update(audit_log).where(audit_log.c.id == own).values(
                detail=_detail(before, days, rows, done < size)))
        if progress is not None and done:
            progress(done)
        if done < size:
            return Pruned(before, rows, found.oldest)


def _delete_batch(conn: Connection, before: datetime, kept: list[int], size: int) -> int:
    """Delete up to `size` of the oldest entries from before `before`, but not those `kept`;
    how many went."""
    ids = list(conn.execute(select(audit_log.c.id).where(
        _old(before, kept)).order_by(audit_log.c.time, audit_log.c.id)
        .limit(size)).scalars())
    if ids:
        conn.execute(delete(audit_log).where(audit_log.c.id.in_(ids)))
    return len(ids)
