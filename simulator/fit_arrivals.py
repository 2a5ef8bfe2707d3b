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
inhomogeneous Poisson process). Half-hours and weekdays are the line's clock's, d the real
time a half-hour was observed: a day the clocks change has a half-hour seen twice or not at
all (`observed_slots`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulator.fit_results import SLOT_MIN, SLOTS, WEEKDAYS, SlotRates
from simulator.line_clock import UTC_NAME, wall_time

PIECE_MIN = 15
"""Real time is measured in UTC quarter-hours: every zone's offset from UTC, and every
daylight-saving change, falls on a quarter-hour, so each quarter lies in one half-hour of the
line's clock."""


def observed_slots(entered: pd.Series, zone: str = UTC_NAME) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Start of every half-hour of the line's clock (`zone`; the wall time labelled UTC, as
    `line_clock.wall_time`) from the first call's to the last's, calls or not, and the real
    time each was observed, in half-hours: a log that starts or ends mid-day only counts the
    half-hours it covers, and of its first and last half-hour only the part between its first
    and last call (a log cut at 14:00:43 had counted its 5 calls of 14:00 as a whole
    half-hour's, and fitted that half-hour's rate a fifth low; `fit_arrivals` leaves out a
    half-hour it covers less than half of, MIN_COVERED). Real time, not the wall clock's:
    the half-hours the clocks skip in spring are not observed at all, and those they repeat
    in autumn are observed twice (2.0), so their calls are counted over the time they came
    in (read off the wall clock, a skipped half-hour had counted as seen with no calls, a
    repeated one held two half-hours' calls in one)."""
    utc = entered.dt.tz_convert(UTC_NAME)
    first, last, width = utc.min(), utc.max(), pd.Timedelta(minutes=SLOT_MIN)
    if first == last:  # one moment: no length to scale by
        return pd.DatetimeIndex([wall_time(pd.DatetimeIndex([first]), zone)[0].floor(width)]), \
            np.ones(1)
    piece = pd.Timedelta(minutes=PIECE_MIN)
    starts = pd.date_range(first.floor(piece), last.floor(piece), freq=piece)
    seen = (np.minimum(starts + piece, last) - np.maximum(starts, first)) / width
    slot = wall_time(starts, zone).floor(width)
    covered = pd.Series(np.clip(np.asarray(seen, dtype=float), 0.0, None)).groupby(
        slot, sort=True).sum()
    return pd.DatetimeIndex(covered.index), covered.to_numpy(float)


MIN_COVERED = 0.5
"""The least of a half-hour the log must cover for it to count: its first or last half-hour,
cut after a few seconds, would fit a rate from a handful of calls (5 calls in the 43 s of a
log's last half-hour: 7 a minute where the line took 1.6)."""


def slot_of(wall: pd.Series) -> np.ndarray:
    """Half-hour of the day (0..47) of each time (as labelled: a wall time, `wall_time`)."""
    utc = wall.dt.tz_convert(UTC_NAME)
    return ((utc.dt.hour * 60 + utc.dt.minute) // SLOT_MIN).to_numpy()


def slot_rates(wall: pd.Series, exposure: np.ndarray, days: np.ndarray) -> SlotRates:
    """Rates of the calls entering at `wall` (wall times); `exposure[s]` = real time
    half-hour s was seen, in half-hours (a part where the log covers part of it, two for a
    half-hour the clocks repeated); `days[s]` = the days it was seen on (each at most one)."""
    counts = np.bincount(slot_of(wall), minlength=SLOTS).astype(float)
    scale = np.where(exposure > 0, exposure, 1.0) * SLOT_MIN  # unseen: no calls, rate 0
    return SlotRates(tuple((counts / scale).tolist()), tuple((np.sqrt(counts) / scale).tolist()),
                     math.ceil(days.max(initial=0) - 1e-9))


def never_covered(entered: pd.Series, zone: str = UTC_NAME) -> tuple[bool, ...]:
    """The half-hours of the day (the line's clock) the log covered on no day, or too
    briefly to count (MIN_COVERED): a log shorter than a day leaves some, and `fit_arrivals`
    gives them a rate of 0 that no day measured (only a weekday's can borrow another's)."""
    slots, covered = observed_slots(entered, zone)
    index = ((slots.hour * 60 + slots.minute) // SLOT_MIN).to_numpy()
    seen = np.bincount(index[covered >= MIN_COVERED], minlength=SLOTS) > 0
    return tuple((~seen).tolist())


def fit_arrivals(entered: pd.Series, zone: str = UTC_NAME) -> tuple[SlotRates,
                                                                    dict[str, SlotRates]]:
    """Rates over the days of the week the line took calls on, and per weekday (only
    weekdays the log spans); `entered` are the calls' moments, half-hours and weekdays are
    those of the line's clock (`zone`), and each half-hour's rate is its calls over the real
    time it was observed (`observed_slots`)."""
    slots, covered = observed_slots(entered, zone)
    wall = wall_time(entered.dt.tz_convert(UTC_NAME), zone)
    if (glimpsed := covered < MIN_COVERED).any():  # the log's edge, seen for a moment
        wall = wall[~wall.dt.floor(f"{SLOT_MIN}min").isin(slots[glimpsed])]
        covered = np.where(glimpsed, 0.0, covered)
    on_day = np.minimum(covered, 1.0)  # a repeated half-hour is seen on one day
    slot_index = ((slots.hour * 60 + slots.minute) // SLOT_MIN).to_numpy()
    weekday = wall.dt.weekday.to_numpy()
    taking = np.isin(slots.weekday, np.unique(weekday))
    seen = np.bincount(slot_index[taking], covered[taking], minlength=SLOTS)
    overall = slot_rates(wall, seen, np.bincount(slot_index[taking], on_day[taking],
                                                 minlength=SLOTS))
    by_day = {}
    for number, name in enumerate(WEEKDAYS):
        mine = slots.weekday == number
        exposure = np.bincount(slot_index[mine], covered[mine], minlength=SLOTS)
        if exposure.sum() > 0:  # a weekday only glimpsed at the log's edge is not in it
            unseen = (exposure <= 0) & (seen > 0)  # all days never saw it either: 0 stays
            days = np.bincount(slot_index[mine], on_day[mine], minlength=SLOTS)
            by_day[name] = borrowing(slot_rates(wall[weekday == number], exposure, days),
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
