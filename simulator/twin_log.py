"""A live call log as the twin reads it: records with `talk_s` joined from COMPLETE events.

Shared by `holdwell fit` (DATABASE_URL) and the console's Twin page: both read the records
and the COMPLETE events from the database (the app's job) and hand them here.
"""

from __future__ import annotations

import pandas as pd


def talk_from_events(events: pd.DataFrame, records: pd.DataFrame) -> pd.Series:
    """Agent seconds per call from the answer (entered_at + wait_s) to its COMPLETE event."""
    done = events[events["event"] == "COMPLETE"].groupby("call_id")["time"].first()
    answered = records.set_index("call_id")
    ends = pd.to_datetime(done.reindex(answered.index), utc=True)
    start = pd.to_datetime(answered["entered_at"], utc=True) + pd.to_timedelta(
        answered["wait_s"], unit="s")
    talk = (ends - start).dt.total_seconds()
    return talk[talk >= 0]


def with_talk(records: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The records with a `talk_s` column (NaN where no COMPLETE event closes the call)."""
    talk = talk_from_events(events, records)
    return records.assign(talk_s=records["call_id"].map(talk))
