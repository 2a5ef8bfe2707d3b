"""End to end, as an analyst runs it: `holdwell report` and `holdwell export` on a Parquet file of
synthetic call records, timed from process start to output, with each process's peak memory.

    python benchmarks/bench_report.py [--records 2000000] [--repeat 3] [--data PATH] [--html]
                                      [--skip-export]
    python benchmarks/bench_report.py --records 20000000 --skip-export   # bounded memory

Goals (issue 13): the report on 2,000,000 records in at most 4 s and 800 MB; 20,000,000 records
and export in bounded memory (the report reads the file in batches: its peak grows by about
9 bytes a call, the waits its patience curves need, not by the rows). The records (five groups in
two queues, in entry order; the 20 M file is about 600 MB and takes a few minutes to write) are
generated once and kept at --data, so repeated runs time only the commands. Wall time on a
shared machine depends on its load, so CPU seconds (user + system) are printed too, with the
load average at the start, and --repeat gives the median of several runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.synthetic import arm_for_rate, synthetic_records  # noqa: E402

GOAL_S, GOAL_MB = 4.0, 800.0  # for 2,000,000 records
CHUNK_ROWS = 1_000_000


def scenario() -> list:
    """Five groups in two queues: three policies, and a two-arm experiment."""
    return [
        arm_for_rate("music_ads", 0.30, callback_share=0.05),
        arm_for_rate("checkin", 0.22, checkin_every_s=60),
        arm_for_rate("callback", 0.15, callback_share=0.30, checkin_every_s=60),
        arm_for_rate("checkin", 0.20, queue="sales", arm="A", checkin_every_s=60),
        arm_for_rate("music_ads", 0.26, queue="sales", arm="B"),
    ]


def write_records(rows: int, path: Path, seed: int) -> None:
    """Records in chunks (bounded memory even for 20 M), each chunk a month after the last."""
    rng = np.random.default_rng(seed)
    writer = None
    for chunk, start in enumerate(range(0, rows, CHUNK_ROWS)):
        n = min(CHUNK_ROWS, rows - start)
        frame = synthetic_records(scenario(), n // len(scenario()), rng)
        frame["call_id"] = f"b{chunk}-" + frame["call_id"]
        frame["entered_at"] += np.timedelta64(30 * chunk, "D")
        frame = frame.sort_values("entered_at", kind="stable").reset_index(drop=True)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def run(args: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of one command, from process start to exit."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed with status {status}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", "--rows", dest="rows", type=int, default=2_000_000,
                        help="how many call records [default: 2,000,000]")
    parser.add_argument("--repeat", type=int, default=1, help="runs per command (medians)")
    parser.add_argument("--data", type=Path, help="records file [default: a temp file per size]")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--html", action="store_true", help="also time the HTML page")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    data = args.data or Path(tempfile.gettempdir()) / f"holdwell-bench-{args.rows}.parquet"
    if not data.exists():
        start = time.perf_counter()
        write_records(args.rows, data, args.seed)
        print(f"wrote {args.rows:,} records to {data} in {time.perf_counter() - start:.0f} s")
    rows = pq.ParquetFile(data).metadata.num_rows
    holdwell = [sys.executable, "-c", "from cli.main import main; main()"]
    out = Path(tempfile.gettempdir())
    runs = [("report --json", [*holdwell, "report", "--records", str(data), "--json"])]
    if args.html:
        runs.append(("report --html", [*holdwell, "report", "--records", str(data), "--html",
                                       str(out / "bench-report.html")]))  # fmt: skip
    if not args.skip_export:
        runs.append(("export queue_log", [*holdwell, "export", "--format", "queue_log",
                                          "--records", str(data), "--out",
                                          str(out / "bench-queue_log")]))  # fmt: skip
    print(f"{rows:,} records in {data.name}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'command':<18} {'wall s':>8} {'CPU s':>8} {'peak MB':>9}")
    for label, command in runs:
        wall, cpu, peak = (statistics.median(m) for m in zip(
            *(run(command) for _ in range(max(args.repeat, 1))), strict=True))  # fmt: skip
        print(f"{label:<18} {wall:8.2f} {cpu:8.2f} {peak:9,.0f}"
              + (f"  (median of {args.repeat})" if args.repeat > 1 else ""))  # fmt: skip
        if label == "report --json" and rows == 2_000_000:
            verdict = "PASS" if wall <= GOAL_S and peak <= GOAL_MB else "FAIL"
            cpu_verdict = "PASS" if cpu <= GOAL_S and peak <= GOAL_MB else "FAIL"
            print(f"  goal: <= {GOAL_S:g} s and <= {GOAL_MB:g} MB: {verdict} "
                  f"(in CPU seconds: {cpu_verdict})")  # fmt: skip
        elif label == "report --json":
            print(f"  {peak * 2**20 / rows:,.0f} bytes a record at peak (the goal's {GOAL_S:g} s "
                  f"and {GOAL_MB:g} MB are for 2,000,000 records)")  # fmt: skip


if __name__ == "__main__":
    main()
