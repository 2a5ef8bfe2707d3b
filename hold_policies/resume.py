"""Back in your place after a dropped line (FreeSWITCH's `abandoned-resume-allowed`).

A hang-up soon after a check-in is as likely a dropped line or a slip of the thumb as a
decision to give up; a caller who rings back within `within_s` of such a hang-up rejoins
ahead of everyone who arrived after their first entry, and the log keeps both legs as one
call. Pure: the app and the engines ask the same question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ResumeRule:
    """`within_s` 0: off. `after_checkin_s` 0: any hang-up in line counts as a dropped line;
    otherwise only one within that many seconds of the start of the last check-in."""

    within_s: int = 0
    after_checkin_s: int = 15

    @property
    def enabled(self) -> bool:
        return self.within_s > 0


def may_resume(rule: ResumeRule, *, hung_up_at: datetime, last_checkin_at: datetime | None,
               now: datetime) -> bool:
    """Whether a caller who hung up at `hung_up_at` and rings again `now` takes their place."""
    if not rule.enabled or not 0 <= (now - hung_up_at).total_seconds() <= rule.within_s:
        return False
    if rule.after_checkin_s == 0:
        return True
    if last_checkin_at is None:
        return False
    since_checkin = (hung_up_at - last_checkin_at).total_seconds()
    return 0 <= since_checkin <= rule.after_checkin_s
