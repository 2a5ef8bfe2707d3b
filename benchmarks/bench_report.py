"""Time the policy report on a million synthetic call records (goal: under 10 s).

    python benchmarks/bench_report.py [--rows 1000000] [--baseline-rows 100000] [--io]

Times each stage of the report (metrics + Kaplan–Meier + comparisons; no HTML), then a naive
per-row Python loop computing the same counts and KM curves on --baseline-rows rows, scaled
linearly to --rows, and prints how many times faster the vectorised report is.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.compare import pairwise_differences  # noqa: E402
from analytics.groups import with_groups  # noqa: E402
from analytics.metrics import all_metrics  # noqa: E402
from analytics.records import load_records, write_records  # noqa: E402
from analytics.report import build_report  # noqa: E402
from analytics.survival import logrank_between, median_patience, patience_fits  # noqa: E402
from analytics.synthetic import arm_for_rate, synthetic_records  # noqa: E402
from analytics.validation import validate_records  # noqa: E402

GOAL_S = 10.0


def scenario() -> list:
    """Five groups in two queues: three policies, and a two-arm experiment."""
    return [
        arm_for_rate("music_ads", 0.30, callback_share=0.05),
        arm_for_rate("checkin", 0.22, checkin_every_s=60),
        arm_for_rate("callback", 0.15, callback_share=0.30, checkin_every_s=60),
        arm_for_rate("checkin", 0.20, queue="sales", arm="A", checkin_every_s=60),
        arm_for_rate("music_ads", 0.26, queue="sales", arm="B"),
    ]


def timed(label: str, work: Callable[[], Any], rows: list[tuple[str, float]]) -> Any:
    start = time.perf_counter()
    result = work()
    rows.append((label, time.perf_counter() - start))
    return result


def naive_report(records: pd.DataFrame) -> dict:
    """The same counts and KM curves with a plain Python loop per row (the baseline)."""
    columns = [records[c].astype(str if c in ("queue", "policy", "arm", "outcome") else object)
               .tolist() for c in ("queue", "policy", "arm", "outcome", "wait_s",
                                   "callback_requested")]  # fmt: skip
    sums: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    waits: dict[tuple, list] = defaultdict(list)
    for queue, policy, arm, outcome, wait, callback in zip(*columns, strict=True):
        key = (queue, arm or policy)
        s = sums[key]
        s["calls"] += 1
        s["callbacks"] += callback
        abandoned = outcome == "abandoned" and not callback
        s["abandoned"] += abandoned
        s["short"] += abandoned and wait < 5
        if outcome == "answered":
            s["answered"] += 1
            s["within"] += wait <= 20
            s["answer_wait"] += wait
        s["wait"] += wait
        waits[key].append((wait, abandoned))
    return {key: (dict(s), naive_km(waits[key])) for key, s in sums.items()}


def naive_km(waits: list[tuple[float, bool]]) -> list[tuple[float, float]]:
    at_risk, survival, curve = len(waits), 1.0, []
    for wait, abandoned in sorted(waits):
        if abandoned:
            survival *= 1 - 1 / at_risk
            curve.append((wait, survival))
        at_risk -= 1
    return curve


def stages(records: pd.DataFrame) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = []
    grouped = timed("groups (queue x policy / arm)", lambda: with_groups(records), rows)
    table = timed("metrics (all, per group)", lambda: all_metrics(grouped), rows)
    fits = timed("Kaplan-Meier fits (lifelines)", lambda: patience_fits(grouped), rows)
    timed("median patience + CI", lambda: median_patience(fits), rows)
    timed("pairwise differences", lambda: pairwise_differences(table), rows)
    timed("log-rank, pairs", lambda: [logrank_between(grouped, "support · checkin", b)
                                      for b in ("support · music_ads", "support · callback")],
          rows)  # fmt: skip
    return rows


def io_stages(records: pd.DataFrame) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".parquet", ".csv"):
            path = Path(folder) / f"records{suffix}"
            timed(f"write {suffix[1:]}", lambda p=path: write_records(records, p), rows)
            timed(f"load + validate {suffix[1:]}", lambda p=path: load_records(p), rows)
    return rows


def print_table(title: str, rows: list[tuple[str, float]]) -> None:
    print(f"\n{title}")
    width = max(len(label) for label, _ in rows)
    for label, seconds in rows:
        print(f"  {label.ljust(width)}  {seconds:8.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--io", action="store_true", help="also time CSV/Parquet write and read")
    args = parser.parse_args()
    arms = scenario()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    records = validate_records(synthetic_records(arms, args.rows // len(arms), rng))
    print(f"{len(records):,} synthetic records in {time.perf_counter() - start:.1f} s "
          f"(generation and validation, not timed below)")  # fmt: skip
    print_table("report stages", stages(records))
    total: list[tuple[str, float]] = []
    timed("build_report (metrics + KM + comparisons)", lambda: build_report(records), total)
    sample = records.sample(min(args.baseline_rows, len(records)), random_state=args.seed)
    timed(f"naive Python loop, {len(sample):,} rows", lambda: naive_report(sample), total)
    scaled = total[1][1] * len(records) / len(sample)
    total.append((f"naive loop scaled to {len(records):,} rows", scaled))
    print_table("full report against the baseline", total)
    if args.io:
        print_table("files", io_stages(records))
    report_s = total[0][1]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "PASS" if report_s < GOAL_S * len(records) / 1_000_000 else "FAIL"
    print(
        f"\nreport is {scaled / report_s:.1f}x faster than the naive loop; goal < {GOAL_S:g} s "
        f"per 1,000,000 records: {verdict}; peak memory {peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
