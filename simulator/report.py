"""Readable tables of simulation summaries and Erlang-A figures: every number with its unit.

Kept apart from the CLI so the words and units are tested once and reused by any front end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, timedelta

from analytics.formatting import calls_said, percent_number, signed_points, three_figures
from hold_policies.base import HoldPolicy
from hold_policies.base import label as policy_label
from hold_policies.callback import CallbackPolicy
from hold_policies.records import SERVICE_LEVEL_S
from simulator.erlang import ErlangA
from simulator.metrics import DEFINITIONS
from simulator.scenario import Scenario


def _percent(value: float | None, decimals: int = 1) -> str:
    """A simulated share to one decimal: its interval is points wide, so a second decimal
    was noise (Erlang-A's exact figures keep two)."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{percent_number(value, decimals)}%"


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} s"


def _count(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def _rate_ci(field: str) -> Callable[[dict], str]:
    """A rate with its 95% interval, e.g. '12.3% [11.0–13.7%]'."""
    def render(summary: dict) -> str:
        ci = summary[f"{field}_ci"]
        if ci is None:
            return _percent(summary[field])
        return (f"{_percent(summary[field])} [{percent_number(ci[0])}–"
                f"{percent_number(ci[1])}%]")
    return render


def _paired(summary: dict) -> str:
    """compare's paired difference from the first policy; '—' for the first itself (and a
    single run), n/a where the runs met different callers."""
    if "unserved_vs_first" not in summary:
        return "—"
    said = summary["unserved_vs_first"]
    if said is None:
        return "n/a"
    return f"{signed_points(said[0])} [{signed_points(said[1])}, {signed_points(said[2])}]"


ROWS: tuple[tuple[str, str, Callable[[dict], str]], ...] = (
    ("calls", "calls", lambda s: _count(s["calls"])),
    ("unserved_rate", "unserved (95% CI), PRIMARY", _rate_ci("unserved_rate")),
    ("abandonment_rate", "abandonment (95% CI), secondary", _rate_ci("abandonment_rate")),
    ("p_wait", "had to wait", lambda s: _percent(s["p_wait"])),
    ("mean_wait_s", "mean time in queue", lambda s: _seconds(s["mean_wait_s"])),
    ("asa_s", "ASA", lambda s: _seconds(s["asa_s"])),
    ("service_level", "service level", lambda s: _percent(s["service_level"])),
    ("served_in_time_rate", "served in time, callbacks included",
     lambda s: _percent(s.get("served_in_time_rate"))),
    ("time_to_serve_s", "time to serve, callbacks included",
     lambda s: _seconds(s.get("time_to_serve_s"))),
    ("callbacks_requested", "callbacks requested", lambda s: _count(s["callbacks_requested"])),
    ("callbacks_answered_first", "  of which answered in line first",  # as the report has it
     lambda s: _count(s.get("callbacks_answered_first"))),
    ("callbacks_connected", "callbacks connected", lambda s: _count(s["callbacks_connected"])),
    ("callbacks_failed", "callbacks failed", lambda s: _count(s["callbacks_failed"])),
    ("overflow", "overflow (took no offer)", lambda s: _count(s["overflow"])),
    ("errors", "errors (queue full, turned away)", lambda s: _count(s.get("errors", 0))),
    ("callbacks_given_band", "callbacks given a band (promised)",
     lambda s: _count(s["callbacks_given_band"])),
    ("callback_promises_pending", "  of which still open (undecided)",
     lambda s: _count(s.get("callback_promises_pending", 0))),
    ("callback_promises_cancelled", "  of which cancelled (withdrawn)",
     lambda s: _count(s.get("callback_promises_cancelled", 0))),
    ("callback_promise_kept_rate", "callback promise kept (of those decided)",
     lambda s: _percent(s["callback_promise_kept_rate"])),
    ("unserved_vs_first", "unserved vs the first (paired, 95% CI)", _paired),
    ("wall_s", "wall time", lambda s: "—" if s["wall_s"] is None else f"{s['wall_s']:.2f} s"),
)


REACTIONS_OFF = ("--reactions off: callers ignore what they hear and press no key (the "
                 "Erlang-A caller), so no caller takes a callback, in line, at an overflow "
                 "or while the line is closed")


def reactions_off_note(scenario: Scenario, policies: Sequence[HoldPolicy]) -> str | None:
    """What a run with reactions off cannot show, for the output its analyst reads: that a
    callback policy then holds its callers as silence does, and that policies compared then
    differ only in what nobody reacts to (compare had said "+0.0 pp, no clear difference"
    without a word why). None with reactions on, or for one policy that offers no callback
    (the Erlang-A check)."""
    if scenario.reactions.active:
        return None
    offering = [policy_label(p) for p in policies if isinstance(p, CallbackPolicy)]
    if not offering and len(policies) < 2:
        return None
    said = [REACTIONS_OFF]
    if offering:
        said.append(f"{', '.join(offering)} "
                    f"{'holds its' if len(offering) == 1 else 'hold their'} callers as "
                    "silence does")
    if len(policies) > 1:
        said.append("what a policy says or plays changes nothing either, so the policies "
                    "here differ only in what no caller reacts to: a difference between "
                    "them, or none, is no finding")
    return ("note: " + "; ".join(said) + "; run --reactions default (the behaviour model) "
            "to judge what a policy does to callers")


def describe_scenario(scenario: Scenario) -> str:
    """One line saying what was simulated."""
    steps = getattr(scenario.arrivals, "steps", None)
    rate = _replayed_from(scenario) if steps is None else _over_the_day(
        [value for _, value in steps], scenario.arrivals.mean_per_min, "calls/min")
    agents = _over_the_day([n for _, n in scenario.agents.steps], scenario.agents.mean,
                           "agents")
    reactions = "default reactions" if scenario.reactions.active else "reactions off"
    calls = calls_said(scenario.calls) if scenario.horizon_s is None else \
        f"about {scenario.expected_calls:,.0f} calls (a Poisson count)"
    return (f"{calls}, {rate}, {agents}, "
            f"talk {scenario.service.describe()}, patience {scenario.patience.describe()}, "
            f"{reactions}")


def _replayed_from(scenario: Scenario) -> str:
    """Replayed arrivals with the real moment they start from (their dates are kept)."""
    first = scenario.start + timedelta(seconds=scenario.arrivals.times_s[0])
    return f"arrivals replayed from {first.astimezone(UTC):%a %Y-%m-%d %H:%M} UTC"


def _over_the_day(values: Sequence[float], mean: float, unit: str) -> str:
    """A constant as itself ("2 calls/min"); a daily profile as its range and its mean over
    the day ("0-2 calls/min over the day, mean 0.77"), never a bare mean that reads as a
    constant (3.79167 agents for a line of 2 to 9)."""
    low, high = min(values), max(values)
    if low == high:
        return f"{low:g} {unit.removesuffix('s') if low == 1 and unit == 'agents' else unit}"
    return (f"{three_figures(low)}-{three_figures(high)} {unit} over the day, "
            f"mean {three_figures(mean)}")


def run_name(summary: dict) -> str:
    """A run's column name: the variant it ran (its arm), or its policy."""
    return summary.get("arm") or summary["policy"]


def summary_table(summaries: Sequence[dict], scenario: Scenario | None = None) -> str:
    """Policies side by side, then the definition of every row."""
    names = [run_name(s) for s in summaries]
    rows = [row for row in ROWS if row[0] != "unserved_vs_first"
            or any("unserved_vs_first" in s for s in summaries)]  # compare's alone
    cells = [[label] + [render(s) for s in summaries] for _, label, render in rows]
    widths = [max(len(row[i]) for row in [["", *names], *cells]) for i in range(len(names) + 1)]

    def line(row: Sequence[str]) -> str:
        return "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                         for i, cell in enumerate(row))

    out = [] if scenario is None else [describe_scenario(scenario), ""]
    out += [line(["", *names]), *(line(row) for row in cells), "", "definitions:"]
    sl = summaries[0]["service_level_s"] if summaries else SERVICE_LEVEL_S
    for key, label, _ in rows:
        text = DEFINITIONS.get(key, "").format(sl=f"{sl:g}")
        out.append(f"  {label}: {text}")
    out.append("  had to wait = p_wait; mean time in queue = mean_wait_s (JSON names)")
    return "\n".join(out)


def erlang_table(queue: ErlangA, service_level_s: float, per: str = "min") -> str:
    """The Erlang-A (or Erlang-C) figures of one staffing level, with units."""
    to_s = 60.0 if per == "min" else 1.0
    kind = "Erlang-C (no abandonment)" if queue.patience_rate == 0 else "Erlang-A (M/M/n+M)"
    lines = [
        f"{kind}: {queue.agents} agents, {queue.arrival_rate:g} calls/{per}, "
        f"offered load {queue.load:.2f} Erlang (rho {queue.rho:.3f})",
        f"  P(wait > 0)            {_percent(queue.p_wait, 2)}  share of callers who must wait",
        f"  P(abandon)             {_percent(queue.p_abandon, 2)}  share who hang up unanswered",
        f"  P(abandon | wait > 0)  {_percent(queue.p_abandon_given_wait, 2)}",
        f"  E[wait]                {_seconds(queue.mean_wait * to_s)}  over all callers",
        f"  service level          {_percent(queue.service_level(service_level_s / to_s), 2)}"
        f"  answered within {service_level_s:g} s / answered",
    ]
    if not queue.stable:
        lines.append(f"  {unstable_note(queue)}")
    return "\n".join(lines)


def unstable_note(queue: ErlangA) -> str:
    """What an unstable queue's figures are, for the table and for --json alike."""
    return (f"unstable: {queue.load:.2f} Erlang offered to {queue.agents} agents, and nobody "
            f"hangs up, so the line grows without end (these are its limits, not a steady "
            f"state); give more than {math.floor(queue.load)} agents")
