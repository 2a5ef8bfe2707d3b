"""Hand-built call records for analytics tests: every number in a test can be counted by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from analytics.records import records_frame
from hold_policies.records import CallRecord, Outcome

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def call(
    call_id: str,
    outcome: Outcome | str,
    wait_s: float,
    *,
    policy: str = "checkin",
    queue: str = "support",
    arm: str = "",
    at_s: float = 0.0,
    orig_position: int | None = 1,
    announcements: int = 0,
    told_s: float | None = None,
    callback_wait_s: float | None = None,
    callback_requested: bool = False,
    promised_s: float | None = None,
) -> CallRecord:
    """One call record; `told_s` is the first announced wait, `promised_s` the callback promise."""
    return CallRecord(
        call_id=call_id,
        queue=queue,
        policy=policy,
        arm=arm,
        entered_at=T0 + timedelta(seconds=at_s),
        outcome=Outcome(outcome),
        wait_s=wait_s,
        orig_position=orig_position,
        announcements=announcements,
        first_announced_wait_s=told_s,
        callback_wait_s=callback_wait_s,
        callback_requested=callback_requested,
        callback_promised_wait_s=promised_s,
    )


def frame(calls: list[CallRecord]) -> pd.DataFrame:
    """Validated records, as every analytics function receives them."""
    return records_frame(calls)


def fourteen_calls() -> list[CallRecord]:
    """One queue, one policy, fourteen calls; short abandon 5 s and service level 20 s in mind.

    answered 10, 15, 20, 45 s; abandoned 3 (short), 18, 40, 70 s; callbacks: pending (left) 25 s,
    connected at 200 s (promised 240), connected at 400 s (promised 300), failed;
    one caller left without a callback at 50 s; one error at 8 s.
    """
    a, ab, cb = Outcome.ANSWERED, Outcome.ABANDONED, Outcome.CALLBACK_CONNECTED
    return [
        call("c1", a, 10, told_s=30),
        call("c2", a, 15),
        call("c3", a, 20, told_s=15),
        call("c4", a, 45, told_s=60),
        call("c5", ab, 3),
        call("c6", ab, 18),
        call("c7", ab, 40, told_s=30),
        call("c8", ab, 70, told_s=120),
        call("c9", Outcome.LEFT, 25, callback_requested=True, promised_s=300),
        call("c10", cb, 20, callback_wait_s=200, promised_s=240, told_s=60),
        call("c11", cb, 30, callback_wait_s=400, promised_s=300),
        call("c12", Outcome.CALLBACK_FAILED, 35, promised_s=300),
        call("c13", Outcome.LEFT, 50),
        call("c14", Outcome.ERROR, 8),
    ]
