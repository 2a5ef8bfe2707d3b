"""Calls per wall-clock second through the real app (Twilio emulator) vs the fast engine.

    python benchmarks/bench_emulator.py [--calls 3000] [--policy checkin] [--repeat 3]

Scenario: M/M/20+M at about 90% load (18 calls/min, 1 min mean talk, 20 agents, 3 min
mean patience), default caller reactions, the app's own connect messages timed in both
engines, a fresh SQLite file. Wall time includes starting the app and reading the records.
The goal is at least 300 simulated calls per second through the real Flask app; the fast
engine's figure on the same scenario is printed beside it as the baseline. With --repeat N
the emulator runs N times and the medians are printed, with the CPU seconds of this process
(on a shared machine wall time depends on the neighbours; CPU time much less so).
`--wall-clock-budget` keeps the app's threaded 0.5 s database budget (the old harness).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from emulator.run import emulate
from hold_policies.config import HoldwellConfig
from hold_policies.factory import prompts_of
from simulator.run import policy_named, simulate
from simulator.scenario import handoff_for, simple_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--policy", default="checkin")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--wall-clock-budget", action="store_true")
    args = parser.parse_args()
    handoff = handoff_for(prompts_of(HoldwellConfig().queues["support"]))  # as the app speaks
    scenario = simple_scenario(calls=args.calls, agents=20, arrivals_per_min=18.0,
                               service_mean_min=1.0, patience_mean_min=3.0, handoff=handoff)
    walls, cpus = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            began, cpu = time.perf_counter(), time.process_time()
            emulated = emulate(scenario, args.policy, np.random.default_rng(args.seed),
                               database_url=url, wall_clock_budget=args.wall_clock_budget)
            walls.append(time.perf_counter() - began)
            cpus.append(time.process_time() - cpu)
    emulator_s, emulator_cpu_s = statistics.median(walls), statistics.median(cpus)
    began = time.perf_counter()
    fast = simulate(scenario, policy_named(args.policy), np.random.default_rng(args.seed))
    fast_s = time.perf_counter() - began
    rows = [("twilio emulator (real app)", emulator_s, emulated.summary),
            ("fast engine", fast_s, fast.summary)]
    print(f"{'engine':<28}{'calls':>7}{'wall s':>9}{'calls/s':>10}{'abandon':>9}"
          f"{'mean wait s':>13}")
    for name, seconds, summary in rows:
        print(f"{name:<28}{summary['calls']:>7}{seconds:>9.2f}{summary['calls'] / seconds:>10.0f}"
              f"{summary['abandonment_rate']:>9.3f}{summary['mean_wait_s']:>13.1f}")
    ratio = (fast.summary["calls"] / fast_s) / (emulated.summary["calls"] / emulator_s)
    print(f"\nfast engine / emulator speed: {ratio:.0f}x; goal for the emulator: >= 300 calls/s"
          f" ({'met' if emulated.summary['calls'] / emulator_s >= 300 else 'NOT met'})")
    print(f"app faults seen by the emulator: {len(emulated.errors)}")
    print(f"emulator: median of {args.repeat} run(s): {emulator_s:.2f} s wall "
          f"({', '.join(f'{w:.1f}' for w in walls)}), {emulator_cpu_s:.2f} CPU s "
          f"({', '.join(f'{c:.1f}' for c in cpus)}): "
          f"{emulated.summary['calls'] / emulator_cpu_s:.0f} calls per CPU second")


if __name__ == "__main__":
    main()
