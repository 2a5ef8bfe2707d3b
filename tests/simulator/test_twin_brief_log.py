"""A log whose calls all came within a few minutes has no half-hour the fit may count: the
twin had shown "170 calls … 0 calls a day on average" over an empty table, and the what-if
then failed with a 500 (browser walk-through U14, U15). The fit now says why it cannot."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.errors import UnfittableLog
from simulator.twin import fit_twin
from tests.console.twin_seed import known_log


def test_calls_within_three_minutes_are_refused_with_the_reason():
    log = known_log().head(170).copy()
    start = pd.Timestamp("2026-12-05 15:00", tz="UTC")
    squeezed = [start + pd.Timedelta(seconds=n % 180) for n in range(len(log))]
    for column in ("entered_at", "arrived_at"):
        if column in log:
            log[column] = squeezed
    with pytest.raises(UnfittableLog, match=r"arrival rates: the log.s 170 calls came within "
                                            r"3 min, and a half-hour counts only when"):
        fit_twin(log)
