"""The staffing plan as a table: per half-hour, Erlang-A and each policy's fewest agents."""

from __future__ import annotations

import math
from collections.abc import Sequence

from simulator.fit_results import SLOT_MIN
from simulator.staff_plan import PolicyPlan, Target
from simulator.twin import Twin


def _figure(mean: float, half: float) -> str:
    if math.isnan(mean):
        return "n/a"
    hw = "" if math.isnan(half) else f"±{100 * half:.1f}"
    return f"{100 * mean:.1f}%{hw}"


def staffing_table(twin: Twin, target: Target, erlang: Sequence[int],
                   plans: Sequence[PolicyPlan], day: str = "all") -> str:
    """Open half-hours only; totals in agent-hours; definitions at the end."""
    rates = twin.arrivals if day == "all" else twin.by_weekday[day]
    goal = (f"unserved <= {100 * target.max_unserved:g}%" if target.max_unserved is not None
            else f"service level >= {100 * target.min_service_level:g}% within "
                 f"{target.within_s:g} s")
    head = f"{'half-hour':<10}{'calls/min':>16}{'Erlang-A':>10}" + "".join(
        f"{p.policy:>22}" for p in plans)
    lines = [f"fewest agents per half-hour for {goal} ({day} days' arrivals)", "", head]
    for s, rate in enumerate(rates.per_min):
        if rate <= 0:
            continue
        start = f"{s * SLOT_MIN // 60:02d}:{s * SLOT_MIN % 60:02d}"
        cells = "".join(f"{f'{p.agents[s]} ({_figure(p.mean[s], p.half_width[s])})':>22}"
                        for p in plans)
        lines.append(f"{start:<10}{f'{rate:.2f}±{rates.se_per_min[s]:.2f}':>16}"
                     f"{erlang[s]:>10}{cells}")
    total = sum(erlang) * SLOT_MIN / 60
    lines.append(f"{'agent-hours':<26}{total:>10.1f}" + "".join(
        f"{p.agent_hours:>22.1f}" for p in plans))
    lines += ["", "definitions:",
              "  calls/min: fitted arrival rate ± its standard error (Poisson)",
              "  Erlang-A: the textbook M/M/n+M answer per half-hour (exponential talk and "
              "patience with the fitted means, no reactions, steady state)",
              "  policy columns: fewest agents whose simulated mean meets the target, with that "
              "mean ± the 95% half-width over replications (simulation uncertainty)",
              "  unserved = (abandoned + callback failed) / entered; service level = answered "
              "within T / (entered - callback takers), abandons count as misses; both for "
              "calls entering that half-hour"]
    return "\n".join(lines)
