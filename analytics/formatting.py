"""Numbers with their units, shared by the text and HTML renderers.

Every value a person reads carries its unit, and a missing value says why it is missing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from analytics.definitions import SURVIVAL_TIMES_S, unit
from hold_policies.records import Outcome

# (report field, row label, interval field or None), in the order a reader scans them
ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("calls", "calls", None),
    ("unserved_rate", "UNSERVED RATE (primary, ITT)", "unserved_rate_ci"),
    ("unserved", "unserved (abandoned, callback failed, error, overflow)", None),
    ("unsettled", "unsettled (may yet be lost: callbacks pending, messages)", None),
    ("n_answered", "answered", None),
    ("n_abandoned", "abandoned", None),
    ("short_abandons", "  of which short abandons", None),
    ("n_callback_connected", "callback connected", None),
    ("n_callback_failed", "callback failed", None),
    ("n_left", "left (incl. callbacks pending)", None),
    ("n_error", "error", None),
    ("n_overflow", "overflow (took no offer)", None),
    ("n_voicemail", "voicemail (not yet called back)", None),
    ("reconciliation", "reconciliation", None),
    ("clustered_by", "rate, SL and wait intervals clustered by", None),
    ("callback_takers", "callback takers", None),
    ("abandonment_rate", "abandonment rate (secondary)", "abandonment_rate_ci"),
    (
        "abandonment_rate_short_excluded",
        "abandonment, short excluded (secondary)",
        "abandonment_rate_short_excluded_ci",
    ),
    ("service_level", "service level", "service_level_ci"),
    ("service_level_with_abandons", "service level, abandons within T as met", None),
    ("asa_s", "ASA", "asa_ci"),
    ("served_in_time_rate", "served within T, callbacks included (ITT)",
     "served_in_time_rate_ci"),
    ("time_to_serve_s", "time to serve, callbacks included", "time_to_serve_ci"),
    ("mean_time_to_abandon_s", "mean time to abandon", None),
    ("median_time_to_abandon_s", "median time to abandon", None),
    ("median_patience_s", "median patience (KM)", "median_patience_ci"),
    *((f"still_waiting_{t:g}s", f"still willing to wait at {t:g} s (KM)",
       f"still_waiting_{t:g}s_ci") for t in SURVIVAL_TIMES_S),
    ("callbacks_requested", "callbacks requested", None),
    ("callbacks_answered_first", "  of which answered in line first", None),
    ("callback_acceptance_rate", "callbacks requested, share of calls", None),
    ("callback_completion_rate", "callback completion", None),
    ("callbacks_given_band", "callbacks given a band (promised)", None),
    ("callbacks_promise_pending", "  of which still open (undecided)", None),
    ("callbacks_promise_cancelled", "  of which cancelled (withdrawn)", None),
    ("callback_promise_kept_rate", "callback promise kept (of those decided)", None),
    ("caller_wait_minutes", "caller minutes waiting", None),
    ("announced_calls", "callers told a wait", None),
    ("announced_wait_mean_error_s", "announced wait error (mean)", None),
    ("kept_longer_than_told_share", "kept longer than told", None),
)
RECONCILED = tuple(field for field, _, _ in ROWS if field.startswith("n_"))
"""The outcome rows the table shows; the reconciliation adds up these and nothing else."""
_COUNTS = ("unserved", "unsettled", "short_abandons", *(f"n_{o.value}" for o in Outcome))
_NO_CALLBACKS = {"callback_acceptance_rate", "callback_completion_rate",
                 "callback_promise_kept_rate"}  # fmt: skip
_UNTIMED = {"time_to_serve_s": "callbacks_untimed",
            "served_in_time_rate": "callbacks_untimed_within"}
"""Figures n/a because connected callbacks lack their time, and the count that says so."""
_SHOWN_UNITS = {
    **dict.fromkeys(_COUNTS, "calls"),
    "abandoned": "calls",
    "callback_takers": "calls",
    "callbacks_answered_first": "calls",
    "callbacks_given_band": "calls",
    "callbacks_promise_pending": "calls",
    "callbacks_promise_cancelled": "calls",
    "callbacks_untimed": "calls",
    "callbacks_untimed_within": "calls",
    "announced_calls": "calls",
    "difference": "pp",
}


MAX_DECIMALS = 4
ROUNDING_NOISE = 1e-9
"""Percentage points closer than this to 0 or 100 are float arithmetic's, not a share's."""


def percent_number(fraction: float, decimals: int = 1) -> str:
    """100 × `fraction` with `decimals` decimals, or more (up to 4) where those would read
    0 or 100 for a share that is neither: 11 of 3,000 calls is not "0.0", a 0.004% chance
    of waiting is not "0.00", nor is 99.996% "100.00". Signed values (differences) alike,
    by their size; a size under the finest shown reads "<0.0001", unsigned. Never "-0.0"."""
    if not math.isfinite(fraction):
        return str(fraction)
    pct = 100.0 * fraction
    pct = 0.0 if abs(pct) < ROUNDING_NOISE else pct
    size, sign = abs(pct), "-" if pct < 0 else ""
    size = 100.0 if abs(size - 100) < ROUNDING_NOISE else size
    for shown_decimals in range(decimals, MAX_DECIMALS + 1):
        text = f"{size:.{shown_decimals}f}"
        if float(text) not in (0.0, 100.0) or size in (0.0, 100.0) or size > 100:
            return text if float(text) == 0 else sign + text
    finest = f"{10.0 ** -MAX_DECIMALS:.{MAX_DECIMALS}f}"
    if size < 1:
        return f"<{finest}"
    return f">{100 - float(finest):.{MAX_DECIMALS}f}" if not sign else sign + text


def margin_points(half_width: float, decimals: int = 1) -> str:
    """A half-width of shares in percentage points, unsigned: "0.12 pp"."""
    return f"{percent_number(half_width, decimals)} pp"


def share_and_margin(mean: float, half_width: float | None, decimals: int = 2) -> str:
    """A share and its 95% half-width, "57.58% ±1.97 pp"; at exactly 0 or 1 the interval
    runs one way only (a one-sided bound: "100.00% −0.19 pp"); one that would pass 0% or
    100% is given as its range cut there, "83.20% [0–100%]" (a share has no other values:
    "±194.00 pp" from three replications had read as a figure); the share alone without a
    half-width."""
    shown = f"{percent_number(mean, decimals)}%"
    if half_width is None or half_width != half_width:
        return shown
    if 0.0 < mean < 1.0 and not half_width <= min(mean, 1.0 - mean):
        low, high = max(0.0, mean - half_width), min(1.0, mean + half_width)
        return f"{shown} [{percent_number(low, decimals)}–{percent_number(high, decimals)}%]"
    sign = "−" if mean == 1.0 else "+" if mean == 0.0 else "±"
    return f"{shown} {sign}{margin_points(half_width, decimals)}"


def time_and_margin(mean: float, half_width: float | None) -> str:
    """A time in seconds and its 95% half-width, "30.0 s ±2.5 s"; one whose interval would
    pass 0 s is given as its range cut there, "1.0 s [0.0–10.7 s]" ("±9.7 s" had read as a
    wait below zero); the time alone without a half-width."""
    if half_width is None or half_width != half_width:
        return f"{mean:.1f} s"
    if half_width > mean:
        return f"{mean:.1f} s [0.0–{mean + half_width:.1f} s]"
    return f"{mean:.1f} s ±{half_width:.1f} s"


CUT_SHARES = ("a share's 95% range that would pass 0% or 100% is given cut there, as "
              "[low–high%]")
"""What `share_and_margin`'s bracketed form means, for the definitions of reports using it."""


def signed_points(difference: float, decimals: int = 1) -> str:
    """A difference of shares in percentage points with its sign, "+1.2 pp", "-0.4 pp";
    one too small (or, near 100, too large) to show exactly reads "<0.0001 pp" unsigned;
    "–" when it is not a number."""
    if not math.isfinite(difference):
        return "–"
    said = percent_number(difference, decimals)
    return f"{'' if said[0] in '-<>' else '+'}{said} pp"


def field_unit(field: str) -> str:
    """Unit of a report field as printed: fractions are shown as %."""
    raw = _SHOWN_UNITS.get(field) or unit(field)
    return "%" if raw == "fraction" else raw


def three_figures(number: float) -> str:
    """A fitted or averaged figure as a header says it: three significant figures (a fitted
    twin's sigma=0.80551 and mean 4.98018 min had claimed digits no fit knows), whole with
    thousands separators from a thousand on (never 1.23e+03)."""
    rounded = float(f"{number:.3g}")  # 999.6 is 1,000, not "1e+03"
    if rounded == 0 or not math.isfinite(rounded):
        return f"{rounded:g}"
    if abs(rounded) >= 1000:
        return f"{rounded:,.0f}"
    text = f"{rounded:.{max(2 - math.floor(math.log10(abs(rounded))), 0)}f}"  # 0.0000123
    return text.rstrip("0").rstrip(".") if "." in text else text  # 5, not 5.00, as :g


def calls_said(number: float) -> str:
    """'1 call', '2,000 calls' ("1 calls entered" had been said)."""
    return f"{number:,.0f} call" + ("" if round(number) == 1 else "s")


def value(field: str, number: float | None, entry: dict[str, Any] | None = None) -> str:
    """One number with its unit, e.g. '13.9 %', '52.3 s', '2,000 calls'."""
    if number is None:
        if field == "median_patience_s" and entry is not None and entry.get("calls"):
            return "not reached"
        return "n/a"
    shown = field_unit(field)
    if shown == "%":
        return f"{percent_number(number)} %"
    if shown == "calls":
        return calls_said(number)
    if shown == "min":
        return f"{number:,.1f} min"
    return f"{number:,.1f} {shown}".rstrip()


def interval(field: str, bounds: Sequence[float | None] | None) -> str:
    """A confidence interval in the field's unit; an open end prints as ∞."""
    if not bounds or bounds[0] is None:
        return ""
    if field_unit(field) == "%":
        high = "∞" if bounds[1] is None else percent_number(bounds[1])
        return f"[{percent_number(bounds[0])}, {high} %]"
    high = "∞" if bounds[1] is None else f"{bounds[1]:.1f}"
    return f"[{bounds[0]:.1f}, {high} s]"


CLUSTERED_SAID = {
    "day": "day on the report's clock (cluster-robust)",
    "time batches": "batch means, 20 time batches",
    "none": "none (independent calls)",
}
"""The interval method a group's figures used (definitions: unserved_rate)."""


def reconciliation(entry: dict[str, Any]) -> str:
    """'✓ adds up to 800 calls' when the outcome rows shown add up to the calls, else the gap
    (an outcome the table does not show is a gap, never hidden in a tick)."""
    total = sum(entry.get(field) or 0 for field in RECONCILED)
    calls = entry.get("calls") or 0
    return f"✓ adds up to {calls_said(calls)}" if total == calls else \
        f"✗ {total:,} of {calls_said(calls)}"


def cell(field: str, entry: dict[str, Any], interval_field: str | None) -> str:
    """A table cell: value and, where the report has one, its 95% interval."""
    if field == "reconciliation":
        return reconciliation(entry)
    if field == "clustered_by":
        return CLUSTERED_SAID.get(str(entry.get(field, "none")), str(entry.get(field)))
    if field in _NO_CALLBACKS and not entry.get("callbacks_requested"):
        return "no callbacks taken"
    if entry.get(field) is None and entry.get(_UNTIMED.get(field, "")):
        untimed = entry[_UNTIMED[field]]
        return f"n/a ({untimed:,} callback{'' if untimed == 1 else 's'} without a time)"
    text = value(field, entry.get(field), entry)
    if interval_field and entry.get(field) is not None:
        text = f"{text} {interval(field, entry.get(interval_field))}".rstrip()
    return text


def _with_ci(
    number: float | None, ci: Sequence[float | None] | None, show: Callable[[float], str],
    unit: str, ci_unit: str,
) -> str:
    """An estimate and, when both ends are known, its interval: '-7.1 pp [-9.2, -4.9 pp]'."""
    if number is None:
        return "n/a"
    text = f"{show(number)}{unit}"
    if ci and ci[0] is not None and ci[1] is not None:
        text += f" [{show(ci[0])}, {show(ci[1])}{ci_unit}]"
    return text


def points(difference: float | None, ci: Sequence[float | None] | None) -> str:
    """A rate difference in percentage points with its interval, each figure signed as
    `signed_points` shows it (as `holdwell compare` prints the same interval): an end that
    one decimal would show as 0 gets the decimals that show its side of 0 ('[-1.6, +0.04
    pp]', not '+0.0', which read as an interval touching 0; never '-0.0')."""
    return _with_ci(difference, ci, lambda v: signed_points(v).removesuffix(" pp"), " pp",
                    " pp")


def p_value(p: float | None) -> str:
    """A p-value as people read it: 'p < 0.001' below a thousandth."""
    if p is None:
        return "n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def metric_rows(policies: list[dict[str, Any]]) -> list[list[str]]:
    """The metric × group table: a header row, then one row per metric."""
    rows = [
        ["metric", *(p["group"] for p in policies)],
        ["policy heard", *(p["policy"] for p in policies)],
    ]
    for field, label, interval_field in ROWS:
        rows.append([label, *(cell(field, p, interval_field) for p in policies)])
    return rows


def ratio(number: float | None, ci: Sequence[float | None] | None) -> str:
    """A relative risk with its interval, e.g. '0.82× [0.75, 0.90]'."""
    return _with_ci(number, ci, lambda v: f"{v:.2f}", "×", "")


def metric_name(comparison: dict[str, Any]) -> str:
    """'unserved rate (primary, ITT)' or 'abandonment rate (secondary)'."""
    name = comparison["metric"].replace("_", " ").replace("rate short", "short")
    return f"{name} (primary, ITT)" if comparison.get("primary") else f"{name} (secondary)"


def comparison_rows(comparisons: list[dict[str, Any]]) -> list[list[str]]:
    """The comparisons table: a header row, then one row per pair and metric."""
    rows = [["a vs b", "metric", "a − b [95% CI]", "a ÷ b [95% CI]", "test p", "Holm",
             "log-rank (Holm)", "verdict"]]  # fmt: skip
    rows += [
        [
            f"{c['a']} vs {c['b']}",
            metric_name(c),
            points(c["difference"], c["ci"]),
            ratio(c.get("relative_risk"), c.get("relative_risk_ci")),
            _test_p(c),
            p_value(c["p_value_holm"]),
            p_value(c.get("logrank_p_value_holm")) if c.get("primary") else "",
            "; ".join(filter(None, [c.get("verdict"), c.get("verdict_note"),
                                    c.get("pairing")])),
        ]
        for c in sorted(comparisons, key=lambda c: (c["a"], c["b"], not c.get("primary")))
    ]
    return rows


def _test_p(comparison: dict[str, Any]) -> str:
    """'p = 0.480 (paired t)'; 'n/a' alone where no test was run (a rate with no calls under
    it): 'n/a (z)' had named a z-test that never ran."""
    if comparison["p_value"] is None:
        return "n/a"
    return f"{p_value(comparison['p_value'])} ({comparison.get('test') or 'z'})"


def sample_size_sentence(plan: dict[str, Any]) -> str:
    """The minimum-sample-size answer as a sentence."""
    if plan.get("calls_per_arm") is None:
        baseline = plan.get("baseline_rate")
        shown = "n/a" if baseline is None else f"{percent_number(baseline)} %"
        if baseline is not None and baseline == baseline and baseline < plan["drop"]:
            return (f"sample size: not computable: a {100 * plan['drop']:.1f}-point drop from "
                    f"a baseline rate of {shown} would fall below 0 %; ask for a smaller one "
                    f"(--detect-drop)")
        return f"sample size: not computable from a baseline rate of {shown}"
    return (
        f"sample size: {plan['calls_per_arm']:,} calls per arm to detect a "
        f"{100 * plan['drop']:.1f}-point drop in the unserved rate from "
        f"{percent_number(plan['baseline_rate'])} % "
        f"({plan['baseline']}) with a two-sided {100 * plan['alpha']:g}% test at "
        f"{100 * plan['power']:g}% power, {_clustering_said(plan)}"
    )


def _clustering_said(plan: dict[str, Any]) -> str:
    """How the advice allows for calls moving together, as the verdicts' test does."""
    effect = plan.get("design_effect") or 1.0
    if plan.get("clustered_by", "none") == "none":
        return ("taking calls as independent (too few calls and days here to measure how "
                "they move together: plan for more)")
    independent = plan.get("calls_per_arm_if_independent")
    return (f"allowing for calls close in time moving together (design effect {effect:.2f}, "
            f"measured by {plan['clustered_by']} on these calls; {independent:,} if they were "
            "independent)")


NOT_QUEUED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("closed", "rang while closed"),
    ("closed_callbacks_booked", "booked a callback for the opening"),
    ("closed_callbacks_connected", "of which connected"),
    ("closed_callbacks_failed", "of which failed"),
    ("closed_callbacks_not_connected", "of which not connected (failed, cancelled, not due)"),
    ("kept_callback", "kept a pending callback"),
)
NOT_QUEUED_TITLE = ("calls that never joined a queue, per group (in none of the figures "
                    "above: counted apart)")


def not_queued_rows(entries: list[dict[str, Any]]) -> list[list[str]]:
    """The `not_queued` section as a table: a header row, then one row per group; a count
    a record file cannot give (failed) reads "not in the records"."""
    rows = [["group", *(label for _, label in NOT_QUEUED_COLUMNS)]]
    for entry in entries:
        rows.append([entry["group"], *("not in the records" if entry.get(name) is None
                                       else f"{entry[name]:,}"
                                       for name, _ in NOT_QUEUED_COLUMNS)])
    return rows


def warning_lines(report: dict[str, Any]) -> list[str]:
    """The report's warnings as every rendering says them, each on its own line."""
    return [f"warning: {text}" for text in report.get("warnings") or ()]


def left_out_sentence(waiting: int) -> str:
    """The calls a report on a live database leaves out, as every rendering says it."""
    return (f"left out {waiting:,} call{'s' if waiting != 1 else ''} still in progress (no "
            "outcome or policy logged yet): the figures cover finished calls only")


NOT_ESTIMABLE_RATIO = 100
"""A standard error this many times its estimate says nothing about it (a Weibull shape of
2.869 ± 3e14 from two hang-ups): it is said not estimable instead of printed."""


def with_standard_error(value: float, se: float | None, digits: int = 2,
                        unit: str = "") -> str:
    """'2.87 ± 0.25 s'; the estimate alone, said so, when its standard error is none or far
    past it."""
    shown = f"{value:.{digits}f}{unit}"
    if se is None:
        return shown
    if se > NOT_ESTIMABLE_RATIO * max(abs(value), 1e-9):
        return f"{shown} (± not estimable from this log)"
    return f"{shown} ± {se:.{digits}f}{unit}"
