"""Arrival rates per half-hour, per weekday and over all days, with Poisson standard errors.

A half-hour counts as observed from the log's first call to its last, calls or not (a
closed Sunday is a Sunday with no calls, not a missing one; a log exported at noon covers
half of its last day). "All days" are the days of the week the line took calls on: a
weekday with no call in the whole log is one it is shut, and averaged in, a line shut at
weekends had an "all days" profile of a day that never happens, 5/7 of a weekday's calls,
which the default what-if and staffing planned for. A weekday's half-hour the log never
covered (a log ending on a Tuesday at 17:47 never saw Tuesday evening) takes the all-days
rate, marked `borrowed`: as a measured zero it had simulated a dead evening. With c calls
in a slot over d days the rate is c / (d * 30) calls/min and its standard error
sqrt(c) / (d * 30) (Poisson counts; Brown et al. 2005 find arrivals close to an
inhomogeneous Poisson process).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulator.fit_results import SLOT_MIN, SLOTS, WEEKDAYS, SlotRates


def observed_slots(entered: pd.Series) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Start of every half-hour from the first call's to the last's (UTC), calls or not,
    and the share of each the log covers: a log that starts or ends mid-day only counts
    the half-hours it covers, and of its first and last half-hour only the part between
    its first and last call (a log cut at 14:00:43 had counted its 5 calls of 14:00 as
    a whole half-hour's, and fitted that half-hour's rate a fifth low; `fit_arrivals`
    leaves out a half-hour it covers less than half of, MIN_COVERED)."""
    utc = entered.dt.tz_convert("UTC")
    first, last, width = utc.min(), utc.max(), pd.Timedelta(minutes=SLOT_MIN)
    starts = pd.date_range(first.floor(width), last.floor(width), freq=width)
    ends = starts + width
    covered = (np.minimum(ends, last) - np.maximum(starts, first)) / width
    if len(starts) == 1 and first == last:  # one moment: no length to scale by
        covered = np.ones(1)
    return starts, np.clip(np.asarray(covered, dtype=float), 0.0, 1.0)


MIN_COVERED = 0.5
"""The least of a half-hour the log must cover for it to count: its first or last half-hour,
cut after a few seconds, would fit a rate from a handful of calls (5 calls in the 43 s of a
log's last half-hour: 7 a minute where the line took 1.6)."""


def slot_of(entered: pd.Series) -> np.ndarray:
    """Half-hour of the day (0..47) of each time."""
    utc = entered.dt.tz_convert("UTC")
    return ((utc.dt.hour * 60 + utc.dt.minute) // SLOT_MIN).to_numpy()


def slot_rates(entered: pd.Series, exposure: np.ndarray) -> SlotRates:
    """Rates of the calls entering at `entered`; `exposure[s]` = days half-hour s was seen
    (a part of a day where the log covers part of it)."""
    counts = np.bincount(slot_of(entered), minlength=SLOTS).astype(float)
    scale = np.where(exposure > 0, exposure, 1.0) * SLOT_MIN  # unseen: no calls, rate 0
    return SlotRates(tuple((counts / scale).tolist()), tuple((np.sqrt(counts) / scale).tolist()),
                     math.ceil(exposure.max(initial=0) - 1e-9))


def fit_arrivals(entered: pd.Series) -> tuple[SlotRates, dict[str, SlotRates]]:
    """Rates over the days of the week the line took calls on, and per weekday (only
    weekdays the log spans)."""
    slots, covered = observed_slots(entered)
    if (glimpsed := covered < MIN_COVERED).any():  # the log's edge, seen for a moment
        entered = entered[~entered.dt.tz_convert("UTC").dt.floor(f"{SLOT_MIN}min").isin(
            slots[glimpsed])]
        covered = np.where(glimpsed, 0.0, covered)
    slot_index = ((slots.hour * 60 + slots.minute) // SLOT_MIN).to_numpy()
    weekday = entered.dt.tz_convert("UTC").dt.weekday.to_numpy()
    taking = np.isin(slots.weekday, np.unique(weekday))
    seen = np.bincount(slot_index[taking], covered[taking], minlength=SLOTS)
    overall = slot_rates(entered, seen)
    by_day = {}
    for number, name in enumerate(WEEKDAYS):
        mine = slots.weekday == number
        exposure = np.bincount(slot_index[mine], covered[mine], minlength=SLOTS)
        if exposure.sum() > 0:  # a weekday only glimpsed at the log's edge is not in it
            unseen = (exposure <= 0) & (seen > 0)  # all days never saw it either: 0 stays
            by_day[name] = borrowing(slot_rates(entered[weekday == number], exposure),
                                     unseen, overall)
    return overall, by_day


def borrowing(rates: SlotRates, unseen: np.ndarray, overall: SlotRates) -> SlotRates:
    """`rates` with the `unseen` half-hours' rates and errors taken from `overall`."""
    if not unseen.any():
        return rates

    def mixed(own: tuple[float, ...], every: tuple[float, ...]) -> tuple[float, ...]:
        return tuple(np.where(unseen, every, own).tolist())

    return SlotRates(mixed(rates.per_min, overall.per_min),
                     mixed(rates.se_per_min, overall.se_per_min), rates.days,
                     tuple(unseen.tolist()))
