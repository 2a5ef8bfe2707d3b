"""Callback promises: how many callbacks given a band are broken (connected after it, or
never), and what retry spacing would keep the promise (issue 15: about 12% came late with
5-minute retries; issue 16 item 7 sizes the window itself so that 95% are kept,
hold_policies.promise).

A callback "given a band" is one whose caller was told a wait before choosing it; the
promise is the deadline counted from entering the queue (`callback_promised_wait_s`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from analytics.batch_means import interval, ratio_se
from analytics.promises import PROMISE_FATES
from hold_policies.base import HoldPolicy
from simulator.metrics import fate_counts, fates, promise_counts, wilson_interval
from simulator.scenario import Scenario
from simulator.table import CallTable

DEFINITION = ("broken share = (late + failed) / callbacks given a band whose promise is decided "
              f"(still open and cancelled ones left out): {PROMISE_FATES}")


def late_callbacks(table: CallTable) -> dict:
    """Counts of callbacks given a band: kept, broken, and of the broken late (and after a
    missed attempt) and failed, cancelled and still open (PROMISE_FATES), with each share's Wilson
    interval over the decided ones."""
    met = fates(table)
    counts = fate_counts(met)
    attempts = table.callback_attempts
    late = met.late
    retried = int(np.count_nonzero(late & (attempts > 1))) if attempts is not None else 0
    n, kept = counts["decided"], counts["kept"]
    broken = counts["late"] + counts["failed"]
    return {**counts, "broken": broken, "late_after_missed_attempt": retried,
            "kept_rate": kept / n if n else None, "kept_rate_ci": wilson_interval(kept, n),
            "broken_rate": broken / n if n else None,
            "broken_rate_ci": wilson_interval(broken, n),
            "late_rate": counts["late"] / n if n else None,
            "late_rate_ci": wilson_interval(counts["late"], n)}


def late_callbacks_line(table: CallTable) -> str:
    """One line for the simulate/compare output, with its definition."""
    figures = late_callbacks(table)
    if not figures["given_band"]:
        return "callback promises broken: none given a band"
    pending, cancelled = figures["pending"], figures["cancelled"]
    apart = ", ".join([*([f"{pending:,} still open"] if pending else []),
                       *([f"{cancelled:,} cancelled"] if cancelled else [])])
    if not figures["decided"]:
        return (f"callback promises broken: none decided, {apart} given a band "
                f"— {DEFINITION}")
    said = f" and decided ({apart}, left out; " if apart else " ("
    return (f"callback promises broken: {figures['broken']:,} of {figures['decided']:,} "
            f"given a band{said}{100 * figures['broken_rate']:.1f}%: {figures['late']:,} late, "
            f"{figures['late_after_missed_attempt']:,} of them after a missed attempt, + "
            f"{figures['failed']:,} failed; {figures['kept']:,} kept) — {DEFINITION}")


def spacing_sweep(scenario: Scenario, policy: HoldPolicy, spacings_s: Sequence[float],
                  seeds: Sequence[int],
                  progress: Callable[[int], None] | None = None) -> list[dict]:
    """Broken share (late + failed) of the decided promises for each retry spacing, over
    `seeds` (the same callers for every spacing); `progress(1)` after each run. `late_rate`
    stays beside it."""
    from simulator.run import simulate  # run imports the engines; keep this module light

    out = []
    for spacing in spacings_s:
        varied = replace(scenario, callbacks=replace(scenario.callbacks, retry_spacing_s=spacing))
        runs = []
        for seed in seeds:
            runs.append(promise_counts(simulate(varied, policy,
                                                np.random.default_rng(seed)).table))
            if progress is not None:
                progress(1)
        late, failed, band = ([run[key] for run in runs] for key in ("late", "failed",
                                                                     "decided"))
        broken = [a + b for a, b in zip(late, failed, strict=True)]
        out.append({"retry_spacing_s": float(spacing),
                    "given_band": sum(run["given_band"] for run in runs),
                    "pending": sum(run["pending"] for run in runs),
                    "cancelled": sum(run["cancelled"] for run in runs), "decided": sum(band),
                    "late": sum(late), "failed": sum(failed), "broken": sum(broken),
                    "runs": len(band),
                    "broken_rate": sum(broken) / sum(band) if sum(band) else None,
                    "broken_rate_ci": runs_interval(broken, band),
                    "late_rate": sum(late) / sum(band) if sum(band) else None,
                    "late_rate_ci": runs_interval(late, band)})
    return out


RUNS_INTERVAL = ("95% interval with each run a cluster (a run's callers share its queue and "
                 "are not independent): the share ± t·se from the runs' totals, never "
                 "narrower than Wilson's; with one run, Wilson's alone, which takes the "
                 "callbacks as independent and may be too narrow")


def runs_interval(part: Sequence[int], band: Sequence[int]) -> list[float] | None:
    """A share's interval over runs (RUNS_INTERVAL), `part` of `band` in each: a Wilson
    interval over the callbacks pooled from 5 runs had taken them as independent, and was
    too narrow."""
    if sum(band) <= 0:
        return None
    se, df = ratio_se(np.asarray(part), np.asarray(band))
    return list(interval(float(sum(part)), float(sum(band)), se, df))
