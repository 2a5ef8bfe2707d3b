"""Backtest: fit the twin on the first days of a log, predict the held-out days, compare.

Per hour of the day, over the held-out days pooled: abandonment (abandoned / (entered -
callback takers)), unserved rate (the report's, per hour: UNSERVED_PER_SLOT) and ASA (mean wait
of answered calls, seconds), by the hour a call entered. The prediction simulates each
held-out day (its weekday's fitted arrivals when the training days hold that weekday at
least `MIN_WEEKDAYS` times, else all days') under the policy the day actually ran,
`replications` times; the 95% prediction interval (mean ± t sd sqrt(1 + 1/R) over
replications) is where the real figure should fall if the twin is right. The twin is the one
`holdwell fit` writes from the training days: callers' callback take-up fitted to their
measured acceptance (`fit_take_up`) unless `take_up` is False; it had kept the behaviour
model's assumption, so a callback line was backtested with a twin `fit` never writes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.fit_results import WEEKDAYS
from simulator.line_clock import on_line_clock
from simulator.replicate import mean_and_half_width, replicate
from simulator.run import policy_named
from simulator.scenario import ScenarioError
from simulator.slot_counts import (
    COUNTS,
    UNSERVED_PER_SLOT,
    first_days_counts,
    slot_counts,
    slot_rates,
)
from simulator.table import OUTCOME_CODES, CallTable
from simulator.twin import Twin, fit_twin, twin_scenario

HOURS, HOUR_S = 24, 3600.0
MIN_WEEKDAYS = 4  # fewer of a weekday in training: its profile is too noisy, use all days
METRICS = {"abandonment": "abandoned / (entered - callback takers), calls entering that hour",
           "unserved": f"{UNSERVED_PER_SLOT}, calls entering that hour",
           "asa_s": "mean wait of answered calls entering that hour, seconds"}
RATES = frozenset({"abandonment", "unserved"})
"""The metrics that are shares of calls: their intervals stop at 100%."""


def table_counts(table: CallTable, summary: dict) -> dict[str, np.ndarray]:
    """The measure each simulated replication returns: the first day's calls, by hour."""
    return first_days_counts(table, HOUR_S)


def log_counts(records: pd.DataFrame) -> dict[str, np.ndarray]:
    """Hourly counts of a real (or simulated) log."""
    entered = pd.to_datetime(records["entered_at"], utc=True)
    seconds = (entered - entered.dt.normalize()).dt.total_seconds().to_numpy()
    outcome = records["outcome"].astype(str).map(OUTCOME_CODES).fillna(-1).to_numpy()
    return slot_counts(seconds, outcome, records["callback_requested"].to_numpy(bool),
                       records["wait_s"].to_numpy(float),
                       records["callback_wait_s"].to_numpy(float), slot_s=HOUR_S)


def prediction_interval(values: np.ndarray, ceiling: float = math.inf
                        ) -> tuple[float, float]:
    """95% interval for one more draw: mean ± t sd sqrt(1 + 1/R), cut to [0, `ceiling`]
    (rates and waits are never negative, a rate never past 100%; the report says so).
    Percentiles of a few replications are too narrow (the range of 10 covers a new draw
    9 times in 11)."""
    if values.size < 2:
        return (np.nan, np.nan)
    mean, half = mean_and_half_width(values)
    half *= math.sqrt(values.size + 1)  # half-width of the mean x sqrt(R + 1): a new draw
    return max(mean - half, 0.0), min(mean + half, ceiling)


@dataclass(frozen=True)
class Backtest:
    twin: Twin
    train_days: tuple[str, str]
    test_days: tuple[str, ...]
    hourly: pd.DataFrame  # hour, metric, actual, predicted, low, high, entered
    replications: int


def _day_profile(twin: Twin, weekday: str) -> str:
    rates_ = twin.by_weekday.get(weekday)
    return weekday if rates_ is not None and rates_.days >= MIN_WEEKDAYS else "all"


def backtest(records: pd.DataFrame, *, test_days: int = 7, replications: int = 20,
             seed: int = 0, workers: int | None = None,
             progress: Callable[[int], None] | None = None, timezone: str = "UTC",
             take_up: bool = True,
             take_up_progress: Callable[[int, float, float], None] | None = None) -> Backtest:
    """Fit on all but the last `test_days` dates, predict those dates hour by hour (dates
    and hours on the line's clock, `timezone`); `take_up`: fit callers' callback take-up to
    the training days' acceptance, as `holdwell fit` does (`take_up_progress` hears each
    of its simulations)."""
    local = on_line_clock(records, timezone)
    dates = local["entered_at"].dt.normalize()
    unique = sorted(dates.unique())
    if len(unique) < test_days + 2:  # days with calls: a day without any is neither held
        spanned = (unique[-1] - unique[0]).days + 1 if unique else 0  # out nor trained on
        raise ScenarioError(f"backtest: the log has calls on {len(unique)} day(s) (it spans "
                            f"{spanned}); it needs calls on at least {test_days + 2} to hold "
                            f"out {test_days}")
    held = set(unique[-test_days:])
    train = records[~dates.isin(held).to_numpy()]
    test = local[dates.isin(held).to_numpy()]
    twin = fit_twin(train, seed=seed, timezone=timezone)
    if take_up:
        from dataclasses import replace

        from simulator.fit_take_up import fit_take_up

        twin = replace(twin, take_up=fit_take_up(twin, train, seed=seed,
                                                 progress=take_up_progress))
    simulated = {key: np.zeros((replications, HOURS)) for key in COUNTS}
    for index, day in enumerate(sorted(held)):
        mine = test[(dates[dates.isin(held)] == day).to_numpy()]
        policy = mine["policy"].astype(str).mode().iat[0] if len(mine) else twin.base_policy
        weekday = WEEKDAYS[pd.Timestamp(day).weekday()]
        scenario = twin_scenario(twin, day=_day_profile(twin, weekday))
        runs = replicate(scenario, [policy_named(policy)], replications, seed * 1000 + index,
                         measure=table_counts, workers=workers, progress=progress)
        for r, counts in enumerate(runs[policy]):
            for key in COUNTS:
                simulated[key][r] += counts[key]
    actual = slot_rates(log_counts(test))
    predicted = slot_rates(simulated)  # arrays (replications, HOURS)
    rows = []
    entered_actual = log_counts(test)["entered"]
    for metric in METRICS:
        values = predicted[metric]
        for hour in range(HOURS):
            column = values[:, hour][np.isfinite(values[:, hour])]
            if entered_actual[hour] == 0 and column.size == 0:
                continue
            low, high = prediction_interval(column, 1.0 if metric in RATES else math.inf)
            rows.append({"hour": hour, "metric": metric, "actual": actual[metric][hour],
                         "predicted": float(column.mean()) if column.size else np.nan,
                         "low": float(low), "high": float(high),
                         "entered": int(entered_actual[hour])})
    train_dates = sorted(set(unique) - held)
    return Backtest(twin, (str(train_dates[0].date()), str(train_dates[-1].date())),
                    tuple(str(d.date()) for d in sorted(held)), pd.DataFrame(rows), replications)
