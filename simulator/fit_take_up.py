"""Callers' callback take-up, fitted so a simulation of the twin reproduces the measured
acceptance.

The behaviour model has two take-up probabilities per announcement offer (`Reactions`):
`callback_p` when the told wait is one the caller would sit through, `callback_if_too_long_p`
when it is longer than their patience. A log measures one number, the acceptance (callers
under the callback policy who heard an announcement and chose a callback, over those who
heard one: `simulator.fit_callbacks.acceptance`). One number cannot identify two
probabilities, and the log does not say which callers were told a wait beyond their patience
(patience is censored). So the fit keeps the model's assumed *ratio* of the two (a callback
is four times as tempting when the wait is too long: the direction is the model's reason for
two numbers) and fits one multiplier m: callback_p = min(1, m x 0.2), callback_if_too_long_p
= min(1, m x 0.8). Fitting only one of them instead would let the other, assumed, one decide
most of the take-up on a busy line; the multiplier moves both the way the evidence says.

m is solved so the SIMULATED acceptance of the fitted twin (the callback policy as the
line's config sets it, `holdwell fit --config`, else holdwell's defaults; on the twin's
all-days profile for as many days as the log had, 1 to 7; a fixed seed so every candidate
meets the same callers) equals the measured one, computed from the simulated records by the
same `acceptance` function. The simulated acceptance rises with m
(more offers taken; common random numbers keep it near monotone, though not exactly: one
caller taking a callback changes the waits of those behind), so the solve is a bracketed
search: a closed-form first guess (requests / announcements heard: each offer a Bernoulli
trial with chance m x 0.2, the within-patience case), then steps along the line through the
origin while every try is on one side, false position (bisection as the safeguard) once the
root is bracketed; at most `MAX_RUNS` runs of the fast engine, stopping within the measured
acceptance's standard error (at least `TOLERANCE`): nearer would fit the log's noise.
Measured 0 gives m = 0 (nobody takes an offer). When
even m at its cap (every offer taken) simulates less than the measured acceptance, or nobody
in the simulation hears an announcement, the fit says so and keeps the nearest (or the
assumption). Why not the closed form alone: the acceptance counts callers, not offers, and
callers who hang up, are answered or are told a too-long wait shape it; only the simulation
counts them as the twin will.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from simulator.fit_callbacks import acceptance, heard_an_offer
from simulator.fit_results import ASSUMED_TAKE_UP, TakeUpFit

if TYPE_CHECKING:
    import pandas as pd

    from hold_policies import HoldPolicy
    from simulator.scenario import Scenario
    from simulator.twin import Twin

TOLERANCE = 0.005
"""The least tolerance: half a percentage point. The fit stops once the simulated acceptance
is within the measured one's standard error (binomial, over the callers who heard an
announcement) or this, whichever is wider: a nearer match would fit the log's noise (a
queue's acceptance varies from run to run by more than that, its waits being correlated)."""
MAX_RUNS = 12
MIN_DAYS, MAX_DAYS = 1, 7
Progress = Callable[[int, float, float], None]
"""Told after each run: run number, multiplier, simulated acceptance."""
Prepare = Callable[["Scenario"], "Scenario"]
"""What the line's config adds to the twin's scenario (`simulator.as_run.as_the_queue_runs`:
its estimates, hours, resume rule, queue size), as the what-if will run it."""


def days_simulated(twin: Twin) -> int:
    """Days of the twin each run simulates: as many as the log had, 1 to 7 (the simulated
    acceptance then varies about as much as the measured one; a longer log adds time, not
    a better fit of one number)."""
    return min(MAX_DAYS, max(MIN_DAYS, twin.arrivals.days))


def take_up_of(multiplier: float, assumed: TakeUpFit = ASSUMED_TAKE_UP) -> tuple[float, float]:
    """The two probabilities at a multiplier of the assumed pair, each capped at 1."""
    return (min(1.0, multiplier * assumed.callback_p),
            min(1.0, multiplier * assumed.callback_if_too_long_p))


def closed_form_guess(records: pd.DataFrame, assumed: TakeUpFit = ASSUMED_TAKE_UP) -> float:
    """m from requests / announcements heard (each offer a Bernoulli trial at the
    within-patience chance): a first guess, too high when many were told too long a wait."""
    heard = heard_an_offer(records)
    offers = float(records["announcements"].to_numpy()[heard].sum())
    requested = float(records["callback_requested"].to_numpy(bool)[heard].sum())
    return requested / offers / assumed.callback_p if offers else 1.0


def simulated_acceptance(twin: Twin, multiplier: float, *, policy: HoldPolicy, days: int,
                         seed: int, prepare: Prepare | None = None) -> float | None:
    """The acceptance of the twin simulated with take-up at `multiplier` (fast engine)."""
    from simulator.run import simulate
    from simulator.twin import twin_scenario

    p, too_long_p = take_up_of(multiplier)
    candidate = replace(twin, take_up=TakeUpFit(p, too_long_p, "fitted", multiplier))
    scenario = twin_scenario(candidate, days=days)
    if prepare is not None:
        scenario = prepare(scenario)
    run = simulate(scenario, policy, np.random.default_rng(seed))
    return acceptance(run.table.frame())


def fit_take_up(twin: Twin, records: pd.DataFrame, *, policy: HoldPolicy | None = None,
                prepare: Prepare | None = None, seed: int = 0, max_runs: int = MAX_RUNS,
                progress: Progress | None = None) -> TakeUpFit:
    """The take-up that makes the twin's simulated acceptance the measured one (module doc).
    `policy`: the callback policy as the line runs it (default: holdwell's default settings);
    `prepare`: what the line's config adds to the scenario."""
    measured = twin.callbacks.acceptance
    if measured is None:
        return replace(ASSUMED_TAKE_UP, note="no caller under the callback policy heard an "
                       "announcement in the log, so there is no acceptance to fit: the "
                       "behaviour model's assumption is kept")
    if policy is None:
        from simulator.run import policy_named

        policy = policy_named("callback")
    days = days_simulated(twin)
    top = 1.0 / min(ASSUMED_TAKE_UP.callback_p, ASSUMED_TAKE_UP.callback_if_too_long_p)
    tried: dict[float, float] = {}

    def run(m: float) -> float | None:
        got = simulated_acceptance(twin, m, policy=policy, days=days, seed=seed,
                                   prepare=prepare)
        if got is not None:
            tried[m] = got
            if progress:
                progress(len(tried), m, got)
        return got

    def result(m: float, status: str, note: str) -> TakeUpFit:
        p, too_long_p = take_up_of(m)
        return TakeUpFit(p, too_long_p, status, m, tried.get(m), len(tried), note)

    if measured == 0:
        run(0.0)
        return result(0.0, "fitted", "nobody in the log took a callback: take-up 0")
    heard = int(heard_an_offer(records).sum())
    tolerance = max(TOLERANCE, math.sqrt(measured * (1 - measured) / heard))
    lo, hi = 0.0, top  # acceptance(0) = 0 < measured: no run needed for it
    guess = min(top, max(closed_form_guess(records), 1e-3))
    first = run(guess)
    if first is None:
        return replace(ASSUMED_TAKE_UP, note="nobody in the simulated twin heard an "
                       "announcement under the callback policy, so the measured acceptance "
                       "cannot be matched: the behaviour model's assumption is kept")
    m = guess
    while len(tried) < max_runs:
        got = tried[m]
        if abs(got - measured) <= tolerance:
            break
        if got < measured:
            lo = m
        else:
            hi = m
        if lo == top:  # every offer taken simulates too few: nothing above to try
            break
        m = _next(lo, hi, tried, measured)
        if hi - lo < 1e-3 * top or m in tried or run(m) is None:
            break
    best = min(tried, key=lambda k: (abs(tried[k] - measured), k))
    if tried.get(top, 1.0) < measured - tolerance and best == top:
        return result(top, "nearest", f"even with every offer taken (take-up 1) the "
                      f"simulated acceptance is {100 * tried[top]:.1f}%, below the measured "
                      f"{100 * measured:.1f}%: the nearest is kept")
    if abs(tried[best] - measured) > tolerance:
        return result(best, "nearest", f"{len(tried)} simulations came no nearer than "
                      f"{100 * abs(tried[best] - measured):.1f} points to the measured "
                      "acceptance: the nearest is kept")
    return result(best, "fitted", f"within {100 * tolerance:.1f} points (the measured "
                  f"acceptance's standard error, at least {100 * TOLERANCE:g}) in {len(tried)} "
                  "simulation(s)")


def _next(lo: float, hi: float, tried: dict[float, float], measured: float) -> float:
    """The next multiplier to try in the bracket [lo, hi] (acceptance 0 at m = 0, untried).
    With one side tried: the line through the origin and that point, which stays on the
    same side of the root while acceptance is concave in m (an offer repeated is heard by
    fewer callers still waiting) and so walks towards it, capped at the top. With both:
    false position, with bisection when it would land near an end."""
    if hi not in tried:  # every try below: walk up (x 4 from a try that simulated none)
        return min(hi, lo * measured / tried[lo] if tried[lo] > 0 else 4 * lo)
    if lo not in tried:  # every try above: walk down
        return hi * measured / tried[hi]
    f_lo, f_hi = tried[lo] - measured, tried[hi] - measured
    width = hi - lo
    m = lo - f_lo * width / (f_hi - f_lo)  # f_lo < 0 < f_hi
    return m if lo + 0.1 * width <= m <= hi - 0.1 * width else (lo + hi) / 2
