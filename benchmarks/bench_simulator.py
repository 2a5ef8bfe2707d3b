"""How fast is holdwell's fast engine against the same call centre written in SimPy and Ciw?

    python benchmarks/bench_simulator.py            # 1,000,000 callers in holdwell's fast path
    python benchmarks/bench_simulator.py --quick    # a fifth of the callers everywhere
    python benchmarks/bench_simulator.py --fitted-day-only   # issue 15's what-if goal only

The model: M/M/100+M, critically loaded — 100 agents, 20 calls a minute, 5-minute calls
(offered load 100 Erlang, rho = 1.0), patience exponential with a 2-minute mean. SimPy and
Ciw (benchmark-only installs: `pip install -e .[bench]`) are slow, so they run fewer callers;
the table compares calls simulated per wall-clock second, including drawing the random
numbers and, for holdwell, summarising the run; each engine runs a few times and its best
run counts. Every engine's abandonment is printed next to the exact Erlang-A value, so a
fast wrong answer would show. Callback with reactions on is also timed with the policy asked
at every poll (no reuse of answers for callers in identical situations).

The fitted day (issue 15): a month under music and ads is fitted (`holdwell fit`, not timed);
then `holdwell whatif --scenario FILE --replications 20` runs the whole fitted day x 4 policies
x 20 replications as a fresh process, timed from process start to the printed table (goal: 3 s
on this 2-core machine, both cores used), and with one worker for comparison: the median of
`--repeats` runs, wall seconds and CPU seconds (the process and its workers; on a shared
machine CPU seconds / 2 is what an idle 2-core box would need at best). Beside it, the
same fitted day 80 times in holdwell (`silence`, reactions off) and in SimPy (the same model:
benchmarks/fitted_day.py), with their abandonment.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.behaviour import Reactions  # noqa: E402
from simulator.erlang import ErlangA  # noqa: E402
from simulator.run import policy_named, simulate  # noqa: E402
from simulator.scenario import simple_scenario  # noqa: E402

AGENTS, PER_MIN, SERVICE_MIN, PATIENCE_MIN = 100, 20.0, 5.0, 2.0


def holdwell(calls: int, policy: str, reactions: Reactions, seed: int,
             reuse_answers: bool = True) -> tuple[float, float]:
    """Seconds and abandonment rate of one holdwell run."""
    scenario = simple_scenario(calls=calls, agents=AGENTS, arrivals_per_min=PER_MIN,
                               service_mean_min=SERVICE_MIN, patience_mean_min=PATIENCE_MIN,
                               reactions=reactions)
    began = time.perf_counter()
    run = simulate(scenario, policy_named(policy), np.random.default_rng(seed),
                   reuse_answers=reuse_answers)
    return time.perf_counter() - began, run.summary["abandonment_rate"]


def best_of(repeats: int, measure: Callable[[int], tuple[float, float]]) -> tuple[float, float]:
    """The fastest of a few runs (seeds differ): other work on the machine only slows runs."""
    results = [measure(seed) for seed in range(repeats)]
    return min(wall for wall, _ in results), float(np.mean([rate for _, rate in results]))


def simpy_model(calls: int, seed: int) -> tuple[float, float]:
    """The usual SimPy model: a Resource of agents, each caller a process with a patience race."""
    import simpy

    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(60 / PER_MIN, calls).tolist()
    talk = rng.exponential(SERVICE_MIN * 60, calls).tolist()
    patience = rng.exponential(PATIENCE_MIN * 60, calls).tolist()
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    records: list[tuple[int, str, float]] = []

    def caller(i: int):
        entered = env.now
        with agents.request() as request:
            result = yield request | env.timeout(patience[i])
            if request in result:
                records.append((i, "answered", env.now - entered))
                yield env.timeout(talk[i])
            else:
                records.append((i, "abandoned", env.now - entered))

    def arrivals():
        for i in range(calls):
            yield env.timeout(gaps[i])
            env.process(caller(i))

    env.process(arrivals())
    env.run()
    abandoned = sum(1 for _, outcome, _ in records if outcome == "abandoned")
    return time.perf_counter() - began, abandoned / len(records)


def ciw_model(calls: int, seed: int) -> tuple[float, float]:
    """The usual Ciw model: one node, exponential arrivals, service and reneging."""
    import ciw

    began = time.perf_counter()
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=PER_MIN / 60)],
        service_distributions=[ciw.dists.Exponential(rate=1 / (SERVICE_MIN * 60))],
        number_of_servers=[AGENTS],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1 / (PATIENCE_MIN * 60))],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(calls, method="Arrive")
    records = sim.get_all_records()
    abandoned = sum(1 for r in records if r.record_type == "renege")
    return time.perf_counter() - began, abandoned / len(records)


WHATIF = "import sys; from cli.main import main; sys.argv[0] = 'holdwell'; main()"
"""The `holdwell` entry point in a fresh interpreter (cli.main has no `__main__` guard, so
`python -m cli.main` would import it and exit at once, timing nothing)."""


def whatif_process(scenario: Path, workers: int | None) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its workers) of `holdwell whatif` as a fresh
    process, start to printed table; the table must be there, so an empty run cannot pass."""
    import resource
    import subprocess

    command = [sys.executable, "-c", WHATIF, "whatif", "--scenario", str(scenario),
               "--replications", "20"] + ([] if workers is None else ["--workers", str(workers)])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True,
                          cwd=Path(__file__).parents[1])
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if "20 replications of" not in done.stdout or "callback" not in done.stdout:
        raise RuntimeError(f"holdwell whatif printed no table:\n{done.stdout}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """Median wall and median CPU seconds of a few runs."""
    return (float(np.median([wall for wall, _ in runs])),
            float(np.median([cpu for _, cpu in runs])))


def fitted_day(repeats: int) -> None:
    """Issue 15's goal: a fitted day x 4 policies x 20 replications, beside SimPy."""
    import tempfile

    from benchmarks.fitted_day import simpy_day, write_scenario
    from simulator.scenario_file import load_twin
    from simulator.twin import twin_scenario

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.toml"
        write_scenario(path)
        both = medians([whatif_process(path, None) for _ in range(repeats)])
        one = medians([whatif_process(path, 1) for _ in range(repeats)])
        day = twin_scenario(load_twin(path), reactions=Reactions.off())
    deaf = policy_named("silence")

    def holdwell_days(seed: int) -> tuple[float, float]:
        began, rates = time.perf_counter(), []
        for r in range(80):
            run = simulate(day, deaf, np.random.default_rng([seed, r]))
            rates.append(run.summary["abandonment_rate"])
        return time.perf_counter() - began, float(np.mean(rates))

    def simpy_days(seed: int) -> tuple[float, float]:
        results = [simpy_day(day, r + 1000 * seed) for r in range(80)]
        return sum(w for w, _ in results), float(np.mean([a for _, a in results]))

    ours, theirs = best_of(repeats, holdwell_days), best_of(repeats, simpy_days)
    print(f"\nfitted day: {day.calls:,} calls/day, {day.agents.mean:.1f} agents on average")
    print(f"holdwell whatif, 4 policies x 20 replications, process start to table, median "
          f"of {repeats}: both cores {both[0]:.2f} s wall, {both[1]:.2f} CPU-s; one worker "
          f"{one[0]:.2f} s wall, {one[1]:.2f} CPU-s (goal 3 s wall; load average "
          f"{os.getloadavg()[0]:.1f})")
    print(f"80 fitted days, silence and reactions off: holdwell {ours[0]:.2f} s "
          f"(abandoned {ours[1]:.4f}), SimPy {theirs[0]:.2f} s (abandoned {theirs[1]:.4f}): "
          f"{theirs[0] / ours[0]:.1f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer callers everywhere")
    parser.add_argument("--repeats", type=int, default=3, help="runs per engine; the best counts")
    parser.add_argument("--fitted-day-only", action="store_true",
                        help="only the fitted-day what-if benchmark (issue 15)")
    args = parser.parse_args(argv)
    if args.fitted_day_only:
        fitted_day(args.repeats)
        return
    scale = 0.2 if args.quick else 1.0
    big, rich, simpy_calls, ciw_calls = (int(x * scale) for x in (1_000_000, 250_000, 50_000,
                                                                   20_000))
    exact = ErlangA(PER_MIN / 60, 1 / (SERVICE_MIN * 60), 1 / (PATIENCE_MIN * 60), AGENTS)
    r = args.repeats
    rows = [
        ("holdwell fast: silence, reactions off", big,
         best_of(r, lambda s: holdwell(big, "silence", Reactions.off(), s))),
        ("holdwell fast: callback, reactions on", rich,
         best_of(r, lambda s: holdwell(rich, "callback", Reactions(), s))),
        ("  same, policy asked at every poll", rich // 2,
         best_of(r, lambda s: holdwell(rich // 2, "callback", Reactions(), s, False))),
        ("SimPy 4 (same model)", simpy_calls, best_of(r, lambda s: simpy_model(simpy_calls, s))),
        ("Ciw 3 (same model)", ciw_calls, best_of(r, lambda s: ciw_model(ciw_calls, s))),
    ]
    print(f"M/M/{AGENTS}+M: {PER_MIN:g} calls/min, {SERVICE_MIN:g}-min calls, "
          f"{PATIENCE_MIN:g}-min patience (rho = 1.0); Erlang-A abandonment "
          f"{exact.p_abandon:.4f}; best of {r} runs each")
    print(f"{'engine':40} {'callers':>9} {'wall s':>8} {'calls/s':>11} {'abandoned':>10}")
    rate = {}
    for name, calls, (wall, abandoned) in rows:
        rate[name] = calls / wall
        print(f"{name:40} {calls:>9,} {wall:>8.2f} {rate[name]:>11,.0f} {abandoned:>10.4f}")
    fast, rich_rate, every_poll, simpy_rate, ciw_rate = rate.values()
    print(f"\nsilence, reactions off: {fast / simpy_rate:.1f}x SimPy (goal 20x), "
          f"{fast / ciw_rate:.1f}x Ciw (goal 50x)")
    print(f"callback, reactions on: {rich_rate / simpy_rate:.1f}x SimPy (goal 5x); "
          f"asking the policy at every poll: {every_poll / simpy_rate:.1f}x")
    fitted_day(r)


if __name__ == "__main__":
    main()
