"""How often `holdwell report` calls two runs of one policy different (should be about 5%).

Runs `silence` PAIRS × 2 times (3,000 calls, seeds 1..2·PAIRS), relabels each second run
`checkin` with new call ids, and counts primary verdicts that name a winner. About a minute
per 10 pairs: `python benchmarks/calibrate_verdicts.py [PAIRS]` (the review used 40).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from analytics.records import load_records
from analytics.report import build_report


def run(seed: int, out: Path) -> pd.DataFrame:
    subprocess.run(["holdwell", "simulate", "--policy", "silence", "--calls", "3000",
                    "--seed", str(seed), "--out", str(out)], check=True, capture_output=True)
    return pd.read_csv(out)


def main(pairs: int) -> None:
    named = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(pairs):
            first = run(2 * k + 1, Path(tmp) / "a.csv")
            second = run(2 * k + 2, Path(tmp) / "b.csv")
            second["policy"], second["call_id"] = "checkin", "b-" + second["call_id"]
            path = Path(tmp) / "pair.csv"
            pd.concat([first, second]).to_csv(path, index=False)
            report = build_report(load_records([path]))
            primary = next(c for c in report["comparisons"] if c["primary"])
            named += primary["verdict"].endswith(" lower")
    print(f"false verdicts: {named} of {pairs} pairs ({100 * named / pairs:.0f}%; 5% expected)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
