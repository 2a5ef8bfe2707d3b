"""Arrival rates per half-hour, per weekday and over all days, with Poisson standard errors.

A half-hour counts as observed from the log's first call to its last, calls or not (a
closed Sunday is a Sunday with no calls, not a missing one; a log exported at noon covers
half of its last day). With c calls in a slot over d days the
rate is c / (d * 30) calls/min and its standard error sqrt(c) / (d * 30) (Poisson counts;
Brown et al. 2005 find arrivals close to an inhomogeneous Poisson process).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.fit_results import SLOT_MIN, SLOTS, WEEKDAYS, SlotRates


def observed_slots(entered: pd.Series) -> pd.DatetimeIndex:
    """Start of every half-hour from the first call's to the last's (UTC), calls or not: a
    log that starts or ends mid-day only counts the half-hours it covers."""
    utc = entered.dt.tz_convert("UTC")
    return pd.date_range(utc.min().floor(f"{SLOT_MIN}min"), utc.max().floor(f"{SLOT_MIN}min"),
                         freq=f"{SLOT_MIN}min")


def slot_of(entered: pd.Series) -> np.ndarray:
    """Half-hour of the day (0..47) of each time."""
    utc = entered.dt.tz_convert("UTC")
    return ((utc.dt.hour * 60 + utc.dt.minute) // SLOT_MIN).to_numpy()


def slot_rates(entered: pd.Series, exposure: np.ndarray) -> SlotRates:
    """Rates of the calls entering at `entered`; `exposure[s]` = days half-hour s was seen."""
    counts = np.bincount(slot_of(entered), minlength=SLOTS).astype(float)
    scale = np.maximum(exposure, 1) * SLOT_MIN
    return SlotRates(tuple((counts / scale).tolist()), tuple((np.sqrt(counts) / scale).tolist()),
                     int(exposure.max(initial=0)))


def fit_arrivals(entered: pd.Series) -> tuple[SlotRates, dict[str, SlotRates]]:
    """Rates over all days, and per weekday (only weekdays the log spans)."""
    slots = observed_slots(entered)
    slot_index = ((slots.hour * 60 + slots.minute) // SLOT_MIN).to_numpy()
    overall = slot_rates(entered, np.bincount(slot_index, minlength=SLOTS))
    weekday = entered.dt.tz_convert("UTC").dt.weekday.to_numpy()
    by_day = {}
    for number, name in enumerate(WEEKDAYS):
        mine = slots.weekday == number
        if mine.any():
            by_day[name] = slot_rates(entered[weekday == number],
                                      np.bincount(slot_index[mine], minlength=SLOTS))
    return overall, by_day
