"""Calls per wall-clock second through the real app (Twilio emulator) vs the fast engine.

    python benchmarks/bench_emulator.py [--calls 3000] [--policy checkin]

Scenario: M/M/20+M at about 90% load (18 calls/min, 1 min mean talk, 20 agents, 3 min
mean patience), default caller reactions, the app's own connect messages timed in both
engines, a fresh SQLite file. Wall time includes starting the app and reading the records.
The goal is at least 300 simulated calls per second through the real Flask app; the fast
engine's figure on the same scenario is printed beside it as the baseline.
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    handoff = handoff_for(prompts_of(HoldwellConfig().queues["support"]))  # as the app speaks
    scenario = simple_scenario(calls=args.calls, agents=20, arrivals_per_min=18.0,
                               service_mean_min=1.0, patience_mean_min=3.0, handoff=handoff)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        began = time.perf_counter()
        emulated = emulate(scenario, args.policy, np.random.default_rng(args.seed),
                           database_url=url)
        emulator_s = time.perf_counter() - began
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


if __name__ == "__main__":
    main()
