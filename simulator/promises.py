"""Callback promises: how many callbacks given a band connect after it, and what retry
spacing would keep the promise (issue 15: about 12% came late with 5-minute retries; issue 16
item 7 sizes the window itself so that 95% are kept, hold_policies.promise).

A callback "given a band" is one whose caller was told a wait before choosing it; the
promise is the deadline counted from entering the queue (`callback_promised_wait_s`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from analytics.batch_means import interval, ratio_se
from hold_policies.base import HoldPolicy
from simulator.metrics import PROMISE_DEADLINE, given_band, wilson_interval
from simulator.scenario import Scenario
from simulator.table import CALLBACK_CONNECTED, CALLBACK_FAILED, CallTable

DEFINITION = (f"late = connected after the deadline ({PROMISE_DEADLINE}); share of callbacks "
              "given a band")
KEPT_DEFINITION = (f"kept = connected no later than the deadline ({PROMISE_DEADLINE}); share "
                   "of callbacks given a band (failed and late ones are not kept)")


def late_callbacks(table: CallTable) -> dict:
    """Counts of callbacks given a band: kept (KEPT_DEFINITION), late (and after a missed
    attempt), failed."""
    promised = given_band(table)
    connected = promised & (table.outcome == CALLBACK_CONNECTED)
    with np.errstate(invalid="ignore"):
        late = connected & (table.callback_wait_s > table.callback_promised_wait_s)
    attempts = table.callback_attempts
    retried = late & (attempts > 1) if attempts is not None else late & False
    n = int(promised.sum())
    kept = int((connected & ~late).sum())
    return {"given_band": n, "kept": kept, "kept_rate": kept / n if n else None,
            "kept_rate_ci": wilson_interval(kept, n),
            "late": int(late.sum()), "late_after_missed_attempt":
            int(retried.sum()), "failed": int((promised & (table.outcome == CALLBACK_FAILED))
                                              .sum()),
            "late_rate": float(late.sum()) / n if n else None,
            "late_rate_ci": wilson_interval(int(late.sum()), n)}


def late_callbacks_line(table: CallTable) -> str:
    """One line for the simulate/compare output, with its definition."""
    figures = late_callbacks(table)
    if not figures["given_band"]:
        return "late callbacks: none given a band"
    return (f"late callbacks: {figures['late']:,} of {figures['given_band']:,} given a band "
            f"({100 * figures['late_rate']:.1f}%; {figures['late_after_missed_attempt']:,} after "
            f"a missed attempt; {figures['failed']:,} failed) — {DEFINITION}")


def spacing_sweep(scenario: Scenario, policy: HoldPolicy, spacings_s: Sequence[float],
                  seeds: Sequence[int],
                  progress: Callable[[int], None] | None = None) -> list[dict]:
    """Late share for each retry spacing, over `seeds` (the same callers for every spacing);
    `progress(1)` after each run."""
    from simulator.run import simulate  # run imports the engines; keep this module light

    out = []
    for spacing in spacings_s:
        varied = replace(scenario, callbacks=replace(scenario.callbacks, retry_spacing_s=spacing))
        late, band, failed = [], [], 0
        for seed in seeds:
            figures = late_callbacks(simulate(varied, policy, np.random.default_rng(seed)).table)
            late.append(figures["late"])
            band.append(figures["given_band"])
            failed += figures["failed"]
            if progress is not None:
                progress(1)
        out.append({"retry_spacing_s": float(spacing), "given_band": sum(band),
                    "late": sum(late), "failed": failed, "runs": len(band),
                    "late_rate": sum(late) / sum(band) if sum(band) else None,
                    "late_rate_ci": runs_interval(late, band)})
    return out


RUNS_INTERVAL = ("95% interval with each run a cluster (a run's callers share its queue and "
                 "are not independent): the share ± t·se from the runs' totals, never "
                 "narrower than Wilson's; with one run, Wilson's alone, which takes the "
                 "callbacks as independent and may be too narrow")


def runs_interval(late: Sequence[int], band: Sequence[int]) -> list[float] | None:
    """The late share's interval over runs (RUNS_INTERVAL): a Wilson interval over the
    callbacks pooled from 5 runs had taken them as independent, and was too narrow."""
    if sum(band) <= 0:
        return None
    se, df = ratio_se(np.asarray(late), np.asarray(band))
    return list(interval(float(sum(late)), float(sum(band)), se, df))
