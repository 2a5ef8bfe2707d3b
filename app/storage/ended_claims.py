"""Claims whose outcome the database does not know: an agent's whose agent call ended with no
result, and any (an agent's or a REST call's) that outlived any ring. `holdwell callbacks`
checks each with Twilio before it goes back to the line (app.claim_checks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, RowMapping, or_, select

from app.storage.callback_queue import REST_CLAIMANT
from app.storage.db import as_utc
from app.storage.schema import callbacks


@dataclass(frozen=True)
class EndedClaim:
    """A claim to check: whose agent call (`agent_call_id`) rang which number, since when;
    a REST claim's `agent_call_id` is REST_CLAIMANT and `rest_call_sid` the call placed (if
    it was stored)."""

    call_id: str
    queue: str
    number: str
    agent_call_id: str
    token: str
    claimed_at: datetime
    agent_ended_at: datetime | None  # None: the claim timed out, its agent's end unheard
    rest_call_sid: str | None = None

    @property
    def by_rest(self) -> bool:
        return self.agent_call_id == REST_CLAIMANT

    @property
    def unsettled_since(self) -> datetime:
        """Since when nobody knows how it went."""
        return self.agent_ended_at or self.claimed_at


def ended_claims(engine: Engine, now: datetime, claim_timeout_s: float) -> list[EndedClaim]:
    """Agent claims whose agent call ended, and claims older than `claim_timeout_s`."""
    cutoff = now - timedelta(seconds=claim_timeout_s)
    with engine.connect() as conn:
        rows = conn.execute(select(callbacks).where(
            callbacks.c.status == "claimed", callbacks.c.claim_token.is_not(None),
            or_(callbacks.c.agent_ended_at.is_not(None), callbacks.c.claimed_at < cutoff),
        ).order_by(callbacks.c.claimed_at)).mappings().all()
    return [claim_of(row) for row in rows]


def ended_holds(engine: Engine, now: datetime, after_s: float) -> list[EndedClaim]:
    """Held customers whose leg completed over `after_s` ago with nobody hearing how."""
    since = now - timedelta(seconds=after_s)
    with engine.connect() as conn:
        rows = conn.execute(select(callbacks).where(
            callbacks.c.status == "on_line", callbacks.c.agent_ended_at < since,
        ).order_by(callbacks.c.agent_ended_at)).mappings().all()
    return [claim_of(row) for row in rows]


def claim_of(row: RowMapping) -> EndedClaim:
    return EndedClaim(call_id=row["call_id"], queue=row["queue"], number=row["number"],
                      agent_call_id=row["claimed_by"] or "", token=row["claim_token"] or "",
                      claimed_at=as_utc(row["claimed_at"]),
                      agent_ended_at=as_utc(row["agent_ended_at"]),
                      rest_call_sid=row["rest_call_sid"])
