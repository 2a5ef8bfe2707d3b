"""A live call log as the twin reads it: records with `talk_s` joined from the events that end
a talk (COMPLETE, and a kept callback's CALLBACK_ENDED).

Shared by `holdwell fit` (DATABASE_URL), the console's Twin page and `export --db`: each
reads a record with its call's last talk-ending events beside it (END_COLUMNS; the
database read is the app's job) and hands it here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hold_policies.call_outcome import CALLBACK_ENDED

END_COLUMNS = {"COMPLETE": "completed_at", CALLBACK_ENDED: "callback_ended_at"}
"""The events a talk time ends at (an answered call's COMPLETE, a kept callback's end) and
a record's columns holding each call's last of each (a callback's ends are one per claim),
as a reader joins them to it (app.storage.read.with_twin_columns)."""


MAX_ANSWER_S = 1e9
"""Longer than any wait (about 32 years) and inside what a timedelta holds (292 years): a
wait past it is no answer time, so its talk is unknown (NaN)."""


def talk_end_events(records: pd.DataFrame) -> np.ndarray:
    """Which event ends each call's talk: a kept callback's CALLBACK_ENDED, else COMPLETE."""
    callback = (records["outcome"].astype(str) == "callback_connected").to_numpy()
    return np.where(callback, CALLBACK_ENDED, "COMPLETE")


def talk_seconds(records: pd.DataFrame, ended_at: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Agent seconds from each call's answer to `ended_at` (its talk's end, the event `ends`
    names, `talk_end_events`; missing: NaN): an answered call's answer is entered_at +
    wait_s, a kept callback's the customer picking up, entered_at + callback_wait_s. An end
    before the answer gives NaN, never negative."""
    callback = ends == CALLBACK_ENDED
    called_back = (records["callback_wait_s"].to_numpy(float)
                   if "callback_wait_s" in records else np.full(len(records), np.nan))
    answer_s = np.where(callback, called_back, records["wait_s"].to_numpy(float))
    answer_s = np.where(np.abs(answer_s) <= MAX_ANSWER_S, answer_s, np.nan)  # a corrupt or
    # imported wait (1e308 s) had overflowed the timedelta, and the twin answered 500
    start = pd.to_datetime(records["entered_at"], utc=True) + pd.to_timedelta(answer_s,
                                                                               unit="s")
    talk = (pd.Series(pd.to_datetime(ended_at, utc=True), index=records.index)
            - start).dt.total_seconds().to_numpy()
    return np.where(talk >= 0, talk, np.nan)


def with_talk_from_ends(records: pd.DataFrame) -> pd.DataFrame:
    """Records with END_COLUMNS given a `talk_s` column instead (a batch of an export, which
    an analyst can then fit the twin from)."""
    ends = talk_end_events(records)
    ended_at = np.where(ends == CALLBACK_ENDED,
                        pd.to_datetime(records[END_COLUMNS[CALLBACK_ENDED]], utc=True),
                        pd.to_datetime(records[END_COLUMNS["COMPLETE"]], utc=True))
    return records.drop(columns=list(END_COLUMNS.values())).assign(
        talk_s=talk_seconds(records, ended_at, ends))
