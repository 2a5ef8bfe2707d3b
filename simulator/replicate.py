"""Independent replications of policies on one scenario, spread over the machine's cores.

Replication r of every policy uses the seed (seed, r): the same callers for every policy
within a replication (common random numbers), independent callers across replications, so
the spread of a figure across replications is its simulation uncertainty. Work goes to a
process pool (fork: workers start with everything imported); `workers=1` stays in process.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

from hold_policies.base import HoldPolicy, label
from simulator.run import simulate
from simulator.scenario import Scenario
from simulator.table import CallTable

Measure = Callable[[CallTable, dict], dict]


def summary_only(table: CallTable, summary: dict) -> dict:
    """The default measure: the run's summary as it is."""
    return summary


@dataclass(frozen=True)
class Task:
    scenario: Scenario
    policy: HoldPolicy
    seed: int
    replication: int
    measure: Measure
    warmup_s: float = 0.0


def run_task(task: Task) -> tuple[str, int, dict]:
    """One replication of one policy (a module-level function, so a pool can run it)."""
    rng = np.random.default_rng([task.seed, task.replication])
    run = simulate(task.scenario, task.policy, rng, warmup_s=task.warmup_s)
    return label(task.policy), task.replication, task.measure(run.table, run.summary)


def default_workers() -> int:
    """Every core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def replicate(scenario: Scenario, policies: Sequence[HoldPolicy], replications: int, seed: int,
              *, measure: Measure = summary_only, workers: int | None = None,
              warmup_s: float = 0.0, progress: Callable[[int], None] | None = None,
              ) -> dict[str, list[dict]]:
    """{policy name: [measure of replication 0, 1, ...]}, replications in order."""
    tasks = [Task(scenario, policy, seed, r, measure, warmup_s)
             for r in range(replications) for policy in policies]
    workers = min(workers or default_workers(), len(tasks))
    out: dict[str, list[dict | None]] = {label(p): [None] * replications for p in policies}
    if workers <= 1:
        results = map(run_task, tasks)
        pool = None
    else:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_signals)
        chunk = max(1, len(tasks) // (8 * workers))
        chunks = [tasks[start:start + chunk] for start in range(0, len(tasks), chunk)]
        results = pool.imap_unordered(run_chunk, chunks)  # one result per chunk, as before
    try:
        for done in _as_they_come(results, pool is not None):
            if done is None:  # a chunk still running: the progress line keeps time
                if progress is not None:
                    progress(0)
                continue
            name, r, figures = done
            out[name][r] = figures
            if progress is not None:
                progress(1)
    except BaseException:  # Ctrl-C, SIGTERM, a failed task: the rest is not waited for
        if pool is not None:
            pool.terminate()
            pool.join()
        raise
    if pool is not None:
        pool.close()
        pool.join()
    return out  # type: ignore[return-value]


TICK_S = 1.0
"""How long the parent waits for a pool's next result before telling the progress line that
time passed: results come a chunk at a time (len(tasks) / (8 x workers) tasks, 500 of an
8,000-run what-if), and the line had said nothing for half a minute, then "46 h left" from
one result over that time (analyst audit 34). Smaller chunks would send thousands of results
through the pool's queue, where a worker killed by SIGTERM while writing one hangs the
parent's terminate (seen one run in six under load)."""


def run_chunk(chunk: list[Task]) -> list[tuple[str, int, dict]]:
    """Several tasks in one worker, sent back together (the pool's own chunks come back
    through a generator, which cannot wait with a timeout)."""
    return [run_task(task) for task in chunk]


def _as_they_come(results: Iterator, pooled: bool) -> Iterator[tuple[str, int, dict] | None]:
    """Each result as it arrives; from a pool (of chunks), None for every TICK_S with none."""
    if not pooled:
        yield from results
        return
    while True:
        try:
            yield from results.next(timeout=TICK_S)
        except multiprocessing.TimeoutError:
            yield None
        except StopIteration:
            return


def _worker_signals() -> None:
    """A worker dies of SIGTERM at once, as Python's default has it: the parent's handler
    (the CLI's exit on SIGTERM, inherited by fork) would raise inside a task, the pool would
    start another worker, and the parent would wait for ever for the task's result. SIGINT
    is left to the parent (it stops the pool); a worker ignores it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def edge_half_width(trials: float) -> float:
    """How far from 0 (or 1) a share none (or all) of `trials` pooled calls reached may lie:
    the one-sided 95% Clopper-Pearson bound, 1 - 0.05^(1/n) (about 3/n); NaN with none."""
    return 1.0 - 0.05 ** (1.0 / trials) if trials > 0 else math.nan


def mean_and_half_width(values: Sequence[float | None]) -> tuple[float, float]:
    """Mean over replications and the half-width of its 95% t interval (NaN if < 2)."""
    data = np.array([v for v in values if v is not None and not math.isnan(v)], float)
    if data.size == 0:
        return math.nan, math.nan
    if data.size < 2:
        return float(data.mean()), math.nan
    t = float(student_t.ppf(0.975, data.size - 1))  # a table and a rule of thumb between
    # its rows had been up to 6% short (n = 7)
    return float(data.mean()), float(t * data.std(ddof=1) / math.sqrt(data.size))
