"""The moments `--arrivals-from` replays: a records file's entry times, or a plain list of
arrival times (one `entered_at` column) from another system, which had been refused for
want of every record column (analyst audit 36, D12)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from analytics.records import RecordsError, load_records
from analytics.tables import read_table
from analytics.validation import time_column
from cli.one_policy import one_set_of_callers
from simulator.scenario import ScenarioError

TIMES = "entered_at"


def replayed_moments(path: str, policy: str | None) -> list[datetime]:
    """The entry times to replay, in file order; `policy` picks a records file's calls of one
    policy (a list of times has none to pick). ScenarioError says what is wrong."""
    try:
        records = load_records([path])
    except RecordsError as error:
        times = _times_alone(path, error)
    else:
        times = one_set_of_callers(records, path, policy, "--arrivals-from",
                                   "--arrivals-policy")[TIMES]
        policy = None
    if policy is not None:
        raise ScenarioError(f"--arrivals-policy {policy}: {path} is a list of arrival times, "
                            "with no policies to pick from; leave --arrivals-policy out")
    return [stamp.to_pydatetime(warn=False)  # nanoseconds: below any wait that counts
            for stamp in times]


def _times_alone(path: str, refused: RecordsError) -> pd.Series:
    """The `entered_at` column of a file that is no records file, or the records file's
    refusal (with what a list of times needs) when it has none."""
    table = read_table(path, text_columns=(TIMES,))
    if TIMES not in table.columns:
        raise ScenarioError(f"{refused} (or give a list of arrival times: a CSV or Parquet "
                            f"file with an {TIMES} column of ISO-8601 times)") from None
    problems: list[str] = []
    times = time_column(table[TIMES], TIMES, problems)
    if problems or times.empty:
        raise ScenarioError(f"{path}: {'; '.join(problems) or 'no arrival times in it'}")
    return times
