"""The staffing plan as a table: per half-hour, Erlang-A and each policy's fewest agents."""

from __future__ import annotations

import math
from collections.abc import Sequence

from analytics.formatting import CUT_SHARES, percent_number, share_and_margin
from simulator.fit_results import BORROWED, BORROWED_MARK, SLOT_MIN, SlotRates, hhmm
from simulator.slot_counts import SERVED_IN_TIME_PER_SLOT, UNSERVED_PER_SLOT
from simulator.staff_plan import PolicyPlan, Target
from simulator.twin import Twin

NOT_MET = " NOT MET"
UNRESOLVED = " ?"
CELL = 30


def goal_words(target: Target) -> str:
    """The target in words, with its units."""
    if target.max_unserved is not None:
        return f"unserved <= {100 * target.max_unserved:g}%"
    return (f"service level >= {100 * target.min_service_level:g}% within "
            f"{target.within_s:g} s (abandons count as misses)")


def unmet_lines(plans: Sequence[PolicyPlan]) -> list[str]:
    """One plain line per policy whose search stopped before every half-hour met the target."""
    return [f"TARGET NOT MET under {p.policy}: {len(p.missed_slots)} half-hour(s) still short of "
            f"it after {p.rounds} rounds (the search's limit): "
            f"{', '.join(hhmm(s) for s in p.missed_slots)}; their agents are the most tried, "
            "not enough" for p in plans if not p.met]


def unresolved_lines(plans: Sequence[PolicyPlan], target: Target) -> list[str]:
    """One plain line per policy with half-hours 'met' only because no simulated call fell
    short of a target tighter than the simulated calls can show."""
    side = "at most" if target.max_unserved is not None else "at least"
    return [f"TOO FEW CALLS TO TELL under {p.policy}: in {len(p.unresolved_slots)} half-hour(s) "
            f"({', '.join(hhmm(s) for s in p.unresolved_slots)}) no simulated call fell short, "
            f"but {min(p.pooled_calls[s] for s in p.unresolved_slots)}"
            f"-{max(p.pooled_calls[s] for s in p.unresolved_slots)} calls cannot show "
            f"{goal_words(target)} (95% bound: {side} "
            f"{_bound_range(p, p.unresolved_slots)}); more --days or --replications can, "
            "or a looser target"
            for p in plans if p.unresolved_slots]


def target_room(target: Target) -> float:
    """How far the figure may move and still meet the target: the target for unserved,
    100% less it for service level."""
    return target.max_unserved if target.max_unserved is not None else \
        1 - target.min_service_level


def wide_slots(plan: PolicyPlan, target: Target) -> list[int]:
    """Half-hours whose 95% half-width is wider than the target's room: there the mean that
    met the target says little, and another seed may well miss it."""
    return [s for s, half in enumerate(plan.half_width)
            if math.isnan(plan.unresolved_bound[s]) and half > target_room(target)]


def wide_lines(plans: Sequence[PolicyPlan], target: Target) -> list[str]:
    """One plain line per policy with half-hours of wide margins (`wide_slots`)."""
    room = target_room(target)
    lines = []
    for plan in plans:
        wide = wide_slots(plan, target)
        if wide:
            lines.append(
                f"WIDE MARGINS under {plan.policy}: in {len(wide)} half-hour(s) the 95% "
                f"half-width is more than {percent_number(room)} percentage points, the "
                f"target's room ({', '.join(hhmm(s) for s in wide[:8])}"
                f"{', ...' if len(wide) > 8 else ''}): more --replications or --days narrow "
                "it; until then those agents are a guess")
    return lines


def _bound_range(plan: PolicyPlan, slots: Sequence[int]) -> str:
    low = min(plan.unresolved_bound[s] for s in slots)
    high = max(plan.unresolved_bound[s] for s in slots)
    low_said, high_said = percent_number(low), percent_number(high)
    return f"{low_said}%" if low_said == high_said else f"{low_said}-{high_said}%"


def _figure(mean: float, half: float) -> str:
    if math.isnan(mean):
        return "n/a"
    return share_and_margin(mean, half, decimals=1)


def _headline(target: Target, plans: Sequence[PolicyPlan], day: str) -> str:
    """What the table is: a plan that meets the target, or a search that fell short."""
    arrivals = f"({day} days' arrivals)"
    if all(p.met for p in plans):
        upper = "" if all(p.given_back for p in plans) else (
            "; an upper bound on the fewest (agents only added where the target was missed, "
            "none taken back)")
        if any(p.unresolved_slots for p in plans):
            return (f"agents per half-hour for {goal_words(target)} {arrivals}: met by the "
                    "simulated means, but some half-hours had too few simulated calls to "
                    f"show it (see below){upper}")
        if upper:
            return f"agents per half-hour for {goal_words(target)} {arrivals}{upper}"
        return f"fewest agents per half-hour for {goal_words(target)} {arrivals}"
    return (f"agents per half-hour searched for {goal_words(target)} {arrivals}: the target "
            "is NOT MET everywhere (see below)")


def _cell(plan: PolicyPlan, slot: int) -> str:
    bound = plan.unresolved_bound[slot]
    if math.isnan(bound):
        figure = _figure(plan.mean[slot], plan.half_width[slot])
    else:  # no call fell short: the spread over replications is 0, the bound says more
        side = "≤" if plan.mean[slot] <= bound else "≥"
        figure = f"{percent_number(plan.mean[slot])}% {side}{percent_number(bound)}%"
    return f"{plan.agents[slot]} ({figure})" + (
        NOT_MET if plan.missed[slot] else "" if math.isnan(bound) else UNRESOLVED)


def _hours_mark(plan: PolicyPlan) -> str:
    return NOT_MET if not plan.met else UNRESOLVED if plan.unresolved_slots else ""


def _agent_hours_caveat(plans: Sequence[PolicyPlan]) -> list[str]:
    """Why an unmet plan's agent-hours cannot be set against Erlang-A's."""
    unmet = [p.policy for p in plans if not p.met]
    if not unmet:
        return []
    return [f"  ({', '.join(unmet)}: agent-hours of a plan that does not meet the target, so "
            "a lower bound, not a saving against Erlang-A)"]


def _unresolved_hours_caveat(plans: Sequence[PolicyPlan]) -> list[str]:
    """Why agent-hours resting on too few simulated calls are no saving yet."""
    unsure = [p.policy for p in plans if p.met and p.unresolved_slots]
    if not unsure:
        return []
    return [f"  ({', '.join(unsure)}: agent-hours resting on half-hours with too few simulated "
            "calls to show the target met: no saving against Erlang-A until more days show it)"]


def _rate_cell(rates: SlotRates, slot: int) -> str:
    """A half-hour's rate ± its error, marked when borrowed (BORROWED)."""
    mark = f" {BORROWED_MARK}" if rates.borrowed[slot] else ""
    return f"{rates.per_min[slot]:.2f}±{rates.se_per_min[slot]:.2f}{mark}"


def borrowed_legend(rates: SlotRates) -> list[str]:
    """The legend line for the borrowed mark, when an open half-hour carries it: a borrowed
    rate read as measured had passed for what the day showed."""
    shown = [s for s, rate in enumerate(rates.per_min) if rate > 0 and rates.borrowed[s]]
    if not shown:
        return []
    return [f"  {BORROWED_MARK} after calls/min ({len(shown)} half-hour(s) here): {BORROWED}"]


def staffing_table(twin: Twin, target: Target, erlang: Sequence[int],
                   plans: Sequence[PolicyPlan], day: str = "all") -> str:
    """Open half-hours only; totals in agent-hours; definitions at the end."""
    rates = twin.day_rates(day)
    head = f"{'half-hour':<10}{'calls/min':>16}{'Erlang-A':>10}" + "".join(
        f"{p.policy:>{CELL}}" for p in plans)
    lines = [_headline(target, plans, day), *unmet_lines(plans),
             *unresolved_lines(plans, target), *wide_lines(plans, target), "", head]
    for s, rate in enumerate(rates.per_min):
        if rate <= 0:
            continue
        cells = "".join(f"{_cell(p, s):>{CELL}}" for p in plans)
        lines.append(f"{hhmm(s):<10}{_rate_cell(rates, s):>16}{erlang[s]:>10}{cells}")
    total = sum(erlang) * SLOT_MIN / 60
    lines.append(f"{'agent-hours':<26}{total:>10.1f}" + "".join(
        f"{f'{p.agent_hours:.1f}' + _hours_mark(p):>{CELL}}" for p in plans))
    lines += _agent_hours_caveat(plans) + _unresolved_hours_caveat(plans)
    lines += ["", "definitions:",
              f"  half-hour: its start on the line's clock ({twin.timezone})",
              "  calls/min: fitted arrival rate ± its standard error (Poisson)",
              *borrowed_legend(rates),
              "  Erlang-A: the textbook M/M/n+M answer per half-hour (exponential talk and "
              "patience with the fitted means, no reactions, steady state)",
              "  policy columns: fewest agents whose simulated mean meets the target, with that "
              "mean ± the 95% half-width over replications in percentage points (simulation "
              "uncertainty, never narrower than the 95% Wilson interval of the calls pooled "
              f"over replications; {CUT_SHARES}); fewest: agents are added where the target is "
              "missed, then taken back one half-hour at a time wherever the whole day still "
              "meets it on the same "
              "replications, so one agent fewer in any one half-hour misses it somewhere (a "
              "local minimum; fewer in two at once is not tried); NOT MET: "
              "the search stopped at its round limit with the mean still short of the target "
              "(above an unserved target, below a service-level one); "
              "?: met with no simulated call short of the target, in too few calls to show "
              "it (the one-sided 95% Clopper-Pearson bound lies past the target)",
              f"  unserved = {UNSERVED_PER_SLOT}; service level = "
              f"{SERVED_IN_TIME_PER_SLOT}, every caller counted, abandons as misses (the "
              "report's served_in_time_rate, not its Asterisk service level, which divides "
              "by answered); both for calls entering that half-hour"]
    return "\n".join(lines)
