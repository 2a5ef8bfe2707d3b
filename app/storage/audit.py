"""The audit log: who changed what, and when. Every console or API change writes one row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, or_, select, true

from app.storage.console_schema import audit_log
from app.storage.db import as_utc

PAGE_SIZE = 50
TARGET_LENGTH = audit_log.c.target.type.length
"""The most characters an entry's "on" holds (PostgreSQL refuses more)."""
SIGN_INS = ("session.",)
KINDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "all": ((), False),
    "changes": (SIGN_INS, True),  # everything but sign-ins: config, people, callbacks
    "config": (("config.",), False),
    "people": (("user.", "token."), False),
    "callbacks": (("callback.",), False),
    "privacy": (("privacy.", "audit."), False),  # redactions, and the log's own retention
    "sign-ins": (SIGN_INS, False),
}
"""A filter: (action prefixes, exclude them?); sign-ins are many, and would hide the rest."""


@dataclass(frozen=True)
class AuditEntry:
    time: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    id: int = 0  # the row's id: which entry this is, for a reader that pages (`before`)


def record(conn: Connection, *, actor: str, action: str, target: str = "",
           detail: Mapping[str, Any] | None = None, now: datetime) -> None:
    """Write one entry inside the caller's transaction, so a change and its audit agree."""
    conn.execute(insert(audit_log).values(time=now, actor=actor, action=action, target=target,
                                          detail=detail_text(detail)))


def detail_text(detail: Mapping[str, Any] | None) -> str:
    """An entry's detail as stored: one spelling of JSON for a new entry and an updated one."""
    return json.dumps(dict(detail or {}), sort_keys=True, default=str)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int  # entries matching the filter, on every page
    offset: int

    @property
    def pages(self) -> int:
        """Pages of PAGE_SIZE the filter's entries fill (one, empty, when there are none)."""
        return max(-(-self.total // PAGE_SIZE), 1)


def _kind_filter(kind: str):  # noqa: ANN202 - a SQL condition
    prefixes, exclude = KINDS[kind]
    if not prefixes:
        return true()
    matches = or_(*(audit_log.c.action.startswith(prefix) for prefix in prefixes))
    return ~matches if exclude else matches


class NoSuchEntry(LookupError):
    """A `before` naming an entry the log does not hold (pruned since, or never written)."""


def page(engine: Engine, *, kind: str = "all", offset: int = 0,
         limit: int = PAGE_SIZE, before: int | None = None) -> AuditPage:
    """One page of entries of a kind (KINDS), newest first, and how many there are in all.
    `before`: only the entries listed after entry `before` (older, or as old with a lower
    id), whatever was written or pruned since that entry was read: an offset moves with
    every sign-in written meanwhile, so a reader paging by it read entries twice."""
    where = _kind_filter(kind)
    query = select(audit_log).where(where).order_by(audit_log.c.time.desc(),
                                                    audit_log.c.id.desc())
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(audit_log).where(where)).scalar()
        if before is not None:
            at = conn.execute(select(audit_log.c.time).where(audit_log.c.id == before)
                              ).scalar()
            if at is None:
                raise NoSuchEntry(before)
            query = query.where(or_(audit_log.c.time < at,
                                    (audit_log.c.time == at) & (audit_log.c.id < before)))
        rows = conn.execute(query.offset(offset).limit(limit)).mappings().all()
    return AuditPage([entry_of(row) for row in rows], int(total or 0), offset)


def entry_of(row) -> AuditEntry:  # noqa: ANN001 - a row mapping
    return AuditEntry(as_utc(row["time"]), row["actor"], row["action"], row["target"],
                      json.loads(row["detail"]), row["id"])


def latest_of(engine: Engine, action: str, targets: list[str]) -> dict[str, AuditEntry]:
    """The newest `action` entry of each of `targets` (a page's rows: a few hundred at most,
    read by the (action, target, time) index)."""
    if not targets:
        return {}
    query = select(audit_log).where(audit_log.c.action == action,
                                    audit_log.c.target.in_(targets)).order_by(
        audit_log.c.time, audit_log.c.id)
    with engine.connect() as conn:
        return {row["target"]: entry_of(row) for row in conn.execute(query).mappings()}
