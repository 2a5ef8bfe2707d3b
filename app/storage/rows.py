"""What the log knows about one call while it waits: the row type every storage module reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.storage.db import as_utc
from hold_policies.records import Outcome


@dataclass(frozen=True)
class CallRow:
    """What the log knows about one call while it waits."""

    call_id: str
    queue: str
    policy: str
    arm: str
    from_number: str | None
    arrived_at: datetime
    entered_at: datetime | None
    polls: int
    announcements: int
    last_announced_at: datetime | None
    outcome: str | None
    callback_requested: bool
    last_position: int | None = None  # QueuePosition at the last counted poll
    told_position: int | None = None  # the lowest position a check-in has said
    in_line_since: datetime | None = None  # put back in line after a Twilio error: since when

    @property
    def line_since(self) -> datetime | None:
        """When this time in Twilio's queue began: callers and callbacks keeping their place
        count ahead of the caller from it (app.storage.line_head)."""
        return self.in_line_since or self.entered_at

    @property
    def wait_is_over(self) -> bool:
        """The log already holds how this wait ended (a hang-up, an answer, a callback): a
        poll that crossed it is heard by nobody. Not after a Twilio error, which the app
        answers by putting the caller back in line."""
        return self.outcome is not None and self.outcome != Outcome.ERROR


def call_row(row) -> CallRow:  # noqa: ANN001
    return CallRow(
        call_id=row["call_id"], queue=row["queue"], policy=row["policy"], arm=row["arm"],
        from_number=row["from_number"], arrived_at=as_utc(row["arrived_at"]),
        entered_at=as_utc(row["entered_at"]), polls=row["polls"],
        announcements=row["announcements"], last_announced_at=as_utc(row["last_announced_at"]),
        outcome=row["outcome"], callback_requested=bool(row["callback_requested"]),
        last_position=row.get("last_position"), told_position=row.get("told_position"),
        in_line_since=as_utc(row.get("in_line_since")),
    )
