"""What-if on the fitted day: every policy, many replications, means with 95% intervals.

Each replication is a fresh fitted day on the same callers for every policy (common random
numbers); a figure's interval is the t interval of its mean over replications, so it says how
sure the simulation is, not how much one real day varies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from analytics.formatting import (
    CUT_SHARES,
    margin_points,
    share_and_margin,
    signed_points,
    time_and_margin,
)
from analytics.promises import PROMISE_KEPT_RATE
from hold_policies.base import HoldPolicy, label
from hold_policies.records import UNSERVED_FORMULA
from simulator.replicate import edge_half_width, mean_and_half_width, replicate
from simulator.scenario import Scenario

SHARE_OF = {
    "unserved_rate": lambda s: s["calls"],
    "abandonment_rate": lambda s: s["calls"] - (s["callbacks_requested"]
                                                - s["callbacks_answered_first"]),
    "service_level": lambda s: s["answered"],
    "served_in_time_rate": lambda s: s["calls"],
    "callback_promise_kept_rate": lambda s: (s["callbacks_given_band"]
                                             - s["callback_promises_pending"]
                                             - s.get("callback_promises_cancelled", 0)),
}
"""Each share figure's denominator in a summary: a share every replication puts at 0% or
100% gets its interval from all of them together (`edge_half_width`), not the t interval's
±0 (analyst audit 36, D8: "promise kept 100.00% ±0.00 pp")."""

FIGURES = (
    ("unserved_rate", "unserved", "%", UNSERVED_FORMULA),
    ("abandonment_rate", "abandonment", "%", "abandoned / (calls - callback takers)"),
    ("asa_s", "ASA", "s", "mean wait of answered calls (answered in line only)"),
    ("service_level", "service level", "%",
     "answered within {sl} s / answered (answered in line only)"),
    ("time_to_serve_s", "time to serve", "s",
     "mean time from entering to an agent of callers served, a callback at its real wait"),
    ("served_in_time_rate", "served in time", "%",
     "(answered + called back) within {sl} s of entering / calls"),
    ("callback_promise_kept_rate", "promise kept", "%", PROMISE_KEPT_RATE),
)


def whatif(scenario: Scenario, policies: Sequence[HoldPolicy], replications: int, seed: int,
           *, workers: int | None = None,
           progress: Callable[[int], None] | None = None) -> dict[str, dict[str, tuple]]:
    """{policy: {figure: (mean, 95% half-width)}} over the replications."""
    runs = replicate(scenario, policies, replications, seed, workers=workers, progress=progress)
    first = runs[label(policies[0])]
    out = {}
    for name, summaries in runs.items():
        out[name] = {key: figure(summaries, key) for key, *_ in FIGURES}
        # paired by replication (same callers): far tighter than the two intervals suggest
        out[name]["unserved_vs_first"] = mean_and_half_width(
            [s["unserved_rate"] - f["unserved_rate"] for s, f in zip(summaries, first,
                                                                     strict=True)])
    return out


def figure(summaries: Sequence[dict], key: str) -> tuple[float, float]:
    """The mean over replications and its 95% half-width (`mean_and_half_width`); for a
    share every replication put at exactly 0 or 1, `edge_half_width` instead."""
    mean, half = mean_and_half_width([s[key] for s in summaries])
    if key in SHARE_OF and half == 0.0 and mean in (0.0, 1.0):
        return mean, edge_half_width(sum(SHARE_OF[key](s) for s in summaries))
    return mean, half


def _cell(value: tuple, unit: str) -> str:
    mean, half = value
    if mean != mean:
        return "n/a"
    if unit == "%":
        return share_and_margin(mean, half)
    return time_and_margin(mean, half)  # cut at 0 s, as the console's table


def whatif_table(results: dict[str, dict[str, tuple]], scenario: Scenario,
                 replications: int) -> str:
    """Policies as rows, figures as columns, then what each figure means."""
    names = list(results)
    header = ["policy", *(label for _, label, _, _ in FIGURES), f"unserved vs {names[0]}"]
    rows = [[name, *(_cell(results[name][key], unit) for key, _, unit, _ in FIGURES),
             "—" if name == names[0] else _points(results[name]["unserved_vs_first"])]
            for name in names]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:  # each column as wide as its widest cell
        return "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                         for i, cell in enumerate(row))

    lines = [f"{replications} replications of about {scenario.expected_calls:,.0f} calls (one "
             "fitted day each: a Poisson day, its count drawn), "
             "mean ± 95% half-width over replications", "", line(header),
             *(line(row) for row in rows)]
    lines += ["", "definitions:"] + [
        f"  {label}: {text.format(sl=f'{scenario.service_level_s:g}')}"
        for _, label, _, text in FIGURES]
    lines.append(f"  unserved vs {names[0]}: the difference in percentage points, paired by "
                 "replication (every policy meets the same callers), ± its 95% half-width")
    lines.append("  a share every replication put at 0% (or 100%): + (or −) the one-sided 95% "
                 "Clopper-Pearson bound over all replications' calls, as no replication varied;"
                 f" {CUT_SHARES}; a time's that would pass 0 s, as [0.0–high s]")
    return "\n".join(lines)


def _points(value: tuple) -> str:
    mean, half = value
    if mean != mean:
        return "n/a"
    shown = signed_points(mean, 2)
    return f"{shown} ±{margin_points(half, 2)}" if half == half else shown
