"""The audit log: who changed what, and when. Every console or API change writes one row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from app.storage.console_schema import audit_log
from app.storage.db import as_utc

RECENT_LIMIT = 200


@dataclass(frozen=True)
class AuditEntry:
    time: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


def record(conn: Connection, *, actor: str, action: str, target: str = "",
           detail: Mapping[str, Any] | None = None, now: datetime) -> None:
    """Write one entry inside the caller's transaction, so a change and its audit agree."""
    conn.execute(insert(audit_log).values(
        time=now, actor=actor, action=action, target=target,
        detail=json.dumps(dict(detail or {}), sort_keys=True, default=str)))


def recent(engine: Engine, limit: int = RECENT_LIMIT) -> list[AuditEntry]:
    """The newest entries first (bounded: the page and the API show the latest changes)."""
    query = select(audit_log).order_by(audit_log.c.time.desc(), audit_log.c.id.desc())
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit)).mappings().all()
    return [AuditEntry(as_utc(row["time"]), row["actor"], row["action"], row["target"],
                       json.loads(row["detail"])) for row in rows]
