"""How often `holdwell report` calls two runs of one policy different (should be about 5%).

Runs `silence` PAIRS × 2 times (seeds 1..PAIRS and 1001..1000+PAIRS), relabels each second
run `checkin` with new call ids, and counts primary verdicts that name a winner, with the
clustering the report used. A minute or two per 10 pairs at 3,000 calls:

    python benchmarks/calibrate_verdicts.py [PAIRS] [--calls N] [--agents A] [--arrival-rate R]

The review of 2026-12-07 ran 40 to 60 pairs at 600, 300, 150 and 60 calls with 4 agents and
one call a second (a busy line, where calls move together most).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd

from analytics.records import load_records
from analytics.report import build_report


def run(seed: int, out: Path, options: list[str]) -> pd.DataFrame:
    subprocess.run(["holdwell", "simulate", "--policy", "silence", "--seed", str(seed),
                    "--out", str(out), *options], check=True, capture_output=True)
    return pd.read_csv(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", type=int, nargs="?", default=40)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--agents", type=int)
    parser.add_argument("--arrival-rate", type=float)
    args = parser.parse_args()
    options = ["--calls", str(args.calls)]
    if args.agents is not None:
        options += ["--agents", str(args.agents)]
    if args.arrival_rate is not None:
        options += ["--arrival-rate", str(args.arrival_rate)]
    named, clustered = 0, Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.pairs):
            print(f"pair {k + 1} of {args.pairs}", file=sys.stderr, flush=True)
            first = run(k + 1, Path(tmp) / "a.csv", options)
            second = run(k + 1001, Path(tmp) / "b.csv", options)
            second["policy"], second["call_id"] = "checkin", "b-" + second["call_id"]
            path = Path(tmp) / "pair.csv"
            pd.concat([first, second]).to_csv(path, index=False)
            report = build_report(load_records([path]))
            primary = next(c for c in report["comparisons"] if c["primary"])
            named += primary["verdict"].endswith(" lower")
            clustered[report["policies"][0].get("clustered_by")] += 1
    print(f"{args.calls:,} calls a run: false verdicts {named} of {args.pairs} pairs "
          f"({100 * named / args.pairs:.0f}%; 5% expected); clustered by "
          + ", ".join(f"{kind}: {n}" for kind, n in clustered.items()))


if __name__ == "__main__":
    main()
