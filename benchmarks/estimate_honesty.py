"""How honest the announced waits are: every wait told in simulated days, scored against the
waits that followed (simulator.honesty), on lines from patient to half the callers hanging up.

Run: python benchmarks/estimate_honesty.py [--seeds 3] [--calls 20000]

Definitions: a wait told at t seconds in queue is *late* if the caller was still waiting at t
+ the band told (any outcome after that), *in time* if they were answered by then; tellings
whose caller left before it (hung up, took a callback) are not scored. late share = late /
(late + in time), by the position told. The [estimate] default confidence (0.9) promises a
told wait is passed at most one time in ten; the band rounds up, so honest shares sit below
it. told / real = the mean band told over the mean wait that followed it, over tellings whose
caller was answered (how generous the promise is: 1 would be a wait told to the second). Each
line runs the check-in policy with the default [estimate] settings, `--seeds` days of
`--calls` callers each; times in minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from analytics.told_waits import band_name
from hold_policies.checkin import CheckinPolicy
from simulator.honesty import POSITION_BANDS, Honesty, honesty, told_waits
from simulator.scenario import simple_scenario

LINES: tuple[tuple[str, int, float, float, float], ...] = (
    # name, agents, calls a minute, talk minutes, patience minutes
    ("patient (load 0.96, patience 30)", 10, 3.2, 3.0, 30.0),
    ("busy (load 1.2, patience 3)", 10, 4.0, 3.0, 3.0),
    ("overloaded (load 1.35, patience 8)", 10, 4.5, 3.0, 8.0),
    ("impatient (load 1.8, patience 1.5)", 10, 6.0, 3.0, 1.5),
    ("long line (20 agents, load 1.8, patience 5)", 20, 12.0, 3.0, 5.0),
    ("two agents (load 1.8, patience 2)", 2, 1.2, 3.0, 2.0),
)


def share(late: int, scored: int) -> str:
    return f"{100 * late / scored:5.1f}%" if scored else "    —"


def row(name: str, found: Honesty) -> str:
    bands = "  ".join(f"{share(*found.by_band[k]):>7}" for k in range(len(POSITION_BANDS)))
    ratio = found.told_mean_s / found.remaining_mean_s if found.remaining_mean_s else float("nan")
    return (f"{name:45s} {100 * found.abandoned_share:7.1f}% {found.scored:8,d} "
            f"{share(found.late, found.scored):>7}  {bands}  {found.told_mean_s / 60:6.1f} "
            f"{found.remaining_mean_s / 60:6.1f} {ratio:6.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="simulated days per line")
    parser.add_argument("--calls", type=int, default=20000, help="callers per day")
    args = parser.parse_args(argv)
    bands = "  ".join(f"{band_name(k):>7}" for k in range(len(POSITION_BANDS)))
    lines = []
    for name, agents, rate, talk, patience in LINES:
        began = time.perf_counter()
        line = simple_scenario(calls=args.calls, agents=agents, arrivals_per_min=rate,
                               service_mean_min=talk, patience_mean_min=patience)
        found = honesty([told_waits(line, CheckinPolicy(), seed) for seed in range(args.seeds)])
        print(f"[{time.perf_counter() - began:5.1f} s] {name}", file=sys.stderr, flush=True)
        lines.append(row(name, found))
    print(f"\nEvery announced wait, {args.seeds} days × {args.calls:,} callers per line, "
          "check-in policy, default [estimate] (confidence 0.9)")
    print(f"{'line':45s} {'abandon':>8} {'scored':>8} {'late':>7}  {bands}  "
          f"{'told':>6} {'real':>6} {'ratio':>6}")
    print(f"{'':45s} {'':>8} {'':>8} {'':>7}  {'late share by position told':^{len(bands)}}  "
          f"{'min':>6} {'min':>6} {'':>6}")
    print("\n".join(lines))
    print(__doc__.split("Definitions: ")[1].split("\n\n")[0].replace("\n", " "))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
