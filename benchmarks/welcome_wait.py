"""What the welcome costs a caller an idle agent could take at once, through the emulator.

    python benchmarks/welcome_wait.py --calls 600 --seed 21
    PYTHONPATH=/path/to/older/checkout python benchmarks/welcome_wait.py ...   # the old app

The light line: more agents than needed (6 agents, 3 erlangs offered), so most callers find
an agent waiting in <Dial><Queue>; the figure is the time from the ring (/voice/incoming)
to the bridge (the Queue url, /voice/connect), median and mean over answered calls, and the
share bridged as they rang. The busy line: the emulator-vs-fast-engine agreement scenario of
tests/emulator/test_agreement.py (4 agents, 4.4 erlangs offered, checkin), its abandonment
and mean wait from both drivers (the fast engine's callers join the queue as they ring, and
never heard a welcome before it).
"""

from __future__ import annotations

import argparse
import tempfile
from statistics import mean, median

import numpy as np

from emulator.run import emulate
from hold_policies.config import HoldwellConfig
from hold_policies.factory import prompts_of
from simulator.run import policy_named, simulate
from simulator.scenario import handoff_for, simple_scenario


def ring_to_bridge(run) -> list[float]:  # noqa: ANN001 - an EmulatedRun
    """Seconds from each answered caller's ring to their bridge."""
    rang, bridged = {}, {}
    for request in run.requests:
        if request.params.get("From", "").startswith("client:"):
            continue  # an agent's own call
        sid = request.params["CallSid"]
        if request.kind == "incoming":
            rang.setdefault(sid, request.at)
        elif request.kind == "queue_url":
            bridged.setdefault(sid, request.at)
    return [bridged[sid] - rang[sid] for sid in bridged if sid in rang]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--busy-calls", type=int, default=1200)
    args = parser.parse_args()
    handoff = handoff_for(prompts_of(HoldwellConfig().queues["support"]))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/holdwell.db"
        light = simple_scenario(calls=args.calls, agents=6, arrivals_per_min=1.5,
                                service_mean_min=2.0, patience_mean_min=6.0, handoff=handoff)
        for policy in ("checkin", "silence"):
            run = emulate(light, policy, np.random.default_rng(args.seed), database_url=url,
                          record=True)
            waits = ring_to_bridge(run)
            at_once = sum(w == 0 for w in waits) / len(waits)
            print(f"light {policy}: answered {len(waits)}, ring to bridge median "
                  f"{median(waits):.1f} s, mean {mean(waits):.1f} s, bridged as they rang "
                  f"{at_once:.1%}, abandonment {run.summary['abandonment_rate']:.3f}, "
                  f"app errors {len(run.errors)}")
        busy = simple_scenario(calls=args.busy_calls, agents=4, arrivals_per_min=2.2,
                               service_mean_min=2.0, patience_mean_min=6.0, handoff=handoff)
        emulated = emulate(busy, "checkin", np.random.default_rng(args.seed), database_url=url)
        fast = simulate(busy, policy_named("checkin"), np.random.default_rng(args.seed))
        for name, summary in (("emulator", emulated.summary), ("fast engine", fast.summary)):
            print(f"busy checkin, {name}: abandonment {summary['abandonment_rate']:.3f}, "
                  f"mean wait {summary['mean_wait_s']:.1f} s")


if __name__ == "__main__":
    main()
