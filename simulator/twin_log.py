"""A live call log as the twin reads it: records with `talk_s` joined from the events that end
a talk (COMPLETE, and a kept callback's CALLBACK_ENDED).

Shared by `holdwell fit` (DATABASE_URL) and the console's Twin page: both read the records
and the COMPLETE events from the database (the app's job) and hand them here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hold_policies.call_outcome import CALLBACK_ENDED

TALK_ENDS = ("COMPLETE", CALLBACK_ENDED)
"""The events a talk time ends at: an answered call's COMPLETE, a kept callback's end."""


def talk_from_events(events: pd.DataFrame, records: pd.DataFrame) -> pd.Series:
    """Agent seconds per call from its answer to the end of its talk: an answered call's from
    entered_at + wait_s to its COMPLETE event, a kept callback's from entered_at +
    callback_wait_s (the customer picking up) to its CALLBACK_ENDED."""
    answered = records.set_index("call_id")
    callback = (answered["outcome"].astype(str) == "callback_connected").to_numpy()
    wanted = pd.MultiIndex.from_arrays(
        [answered.index, np.where(callback, CALLBACK_ENDED, "COMPLETE")])
    done = events[events["event"].isin(TALK_ENDS)].groupby(
        [events["call_id"], events["event"].astype(str)])["time"].first()
    ends = pd.Series(pd.to_datetime(done.reindex(wanted).to_numpy(), utc=True),
                     index=answered.index)
    called_back = (answered["callback_wait_s"].to_numpy(float)
                   if "callback_wait_s" in answered else np.full(len(answered), np.nan))
    answer_s = np.where(callback, called_back, answered["wait_s"].to_numpy(float))
    start = pd.to_datetime(answered["entered_at"], utc=True) + pd.to_timedelta(answer_s,
                                                                               unit="s")
    talk = (ends - start).dt.total_seconds()
    return talk[talk >= 0]


def with_talk(records: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The records with a `talk_s` column (NaN where no event ends the call's talk)."""
    talk = talk_from_events(events, records)
    return records.assign(talk_s=records["call_id"].map(talk))
