"""The report's figures, one queue at a time (small multiples), each with the data it draws.

Each figure answers one question: which group leaves fewer callers unserved (rates and the
forest plot of differences), how patient callers are (KM curves with the number at risk),
whether something said in the queue drove callers away (hazard per group with its band and the
announcement times), and how long people waited (counts per bin, one panel per group).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from analytics.charts import Chart, color, nice_step, style, svg
from analytics.kaplan_meier import PatienceCurve
from hold_policies.records import UNSERVED_FORMULA

MIN_AT_RISK = 30  # hazard bins with fewer callers waiting are noise, not signal
GRID_POINTS = 400  # curves are drawn on a grid, so a million calls plot as fast as a hundred


def rates_chart(queue: str, policies: list[dict]) -> Chart:
    """Unserved rate (primary) and abandonment rate (secondary) per group, with the report's
    95% intervals (Wilson, widened for calls moving together)."""
    rows = [
        {"group": p["group"], "metric": m, "rate": p[m], "ci_low": p[f"{m}_ci"][0],
         "ci_high": p[f"{m}_ci"][1]}
        for p in policies for m in ("unserved_rate", "abandonment_rate")
    ]  # fmt: skip
    data = pd.DataFrame(rows)
    figure = Figure(layout="constrained", figsize=(8, 0.9 + 0.6 * len(policies)))
    axes = figure.add_subplot()
    y = np.arange(len(policies))
    for k, (metric, label, fill) in enumerate((
        ("unserved_rate", "unserved (primary, ITT)", True),
        ("abandonment_rate", "abandonment (secondary)", False),
    )):  # fmt: skip
        part = data[data["metric"] == metric].astype({"rate": float, "ci_low": float,
                                                      "ci_high": float})  # fmt: skip
        rate, low, high = (100 * part[c].to_numpy(float) for c in ("rate", "ci_low", "ci_high"))
        errors = np.clip(np.vstack([rate - low, high - rate]), 0.0, None)
        offset = y + (0.18 if k else -0.18)
        axes.errorbar(rate, offset, xerr=errors, fmt="o", color="#222" if fill else "#777",
                      mfc="#222" if fill else "white", capsize=4, label=label)  # fmt: skip
    axes.set_yticks(y, [p["group"] for p in policies])
    axes.invert_yaxis()
    axes.set_xlim(left=0)
    style(axes, xlabel="share of calls (%), 95% CI (Wilson, widened for calls moving together)")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    caption = (f"Primary: unserved = {UNSERVED_FORMULA} (intention to treat). "
               "Secondary: abandoned / (calls − callback takers).")  # fmt: skip
    return Chart(f"rates-{queue}", f"{queue}: unserved and abandonment", caption, svg(figure), data)


def forest_chart(comparisons: list[dict]) -> Chart:
    """Every pairwise difference with its 95% CI: filled = primary (ITT), hollow = secondary."""
    comparisons = sorted(comparisons, key=lambda c: (c["a"], c["b"], not c.get("primary")))
    data = pd.DataFrame([
        {"a": c["a"], "b": c["b"], "metric": c["metric"], "difference": c["difference"],
         "ci_low": c["ci"][0], "ci_high": c["ci"][1], "relative_risk": c["relative_risk"],
         "p_value_holm": c["p_value_holm"], "verdict": c.get("verdict")}
        for c in comparisons
    ])  # fmt: skip
    figure = Figure(layout="constrained", figsize=(8, 1.0 + 0.42 * max(len(comparisons), 1)))
    axes = figure.add_subplot()
    for i, c in enumerate(comparisons):
        d = 100 * (c["difference"] if c["difference"] is not None else np.nan)
        low, high = (100 * (v if v is not None else np.nan) for v in c["ci"])
        primary = c.get("primary")
        errors = [[max(d - low, 0)], [max(high - d, 0)]]
        axes.errorbar([d], [i], xerr=errors, fmt="s" if primary else "o", color="#222",
                      mfc="#222" if primary else "white", capsize=3)  # fmt: skip
    axes.axvline(0, color="#999", linewidth=1)
    labels = [f"{c['a']} − {c['b']}\n{c['metric'].replace('_', ' ')}" for c in comparisons]
    axes.set_yticks(range(len(comparisons)), labels, fontsize=8)
    axes.invert_yaxis()
    style(axes, xlabel="difference a − b (percentage points), 95% CI (Newcombe, widened for "
                       "calls moving together); left of 0: a lower")
    caption = ("Squares: unserved rate (primary, the verdict); circles: abandonment rates "
               "(secondary). A bar crossing 0 is no clear difference. The same callers under "
               "each policy (a simulation) are paired: their square is the paired t "
               "interval of the callers' differences.")  # fmt: skip
    return Chart("forest", "Differences between groups", caption, svg(figure), data)


def patience_chart(queue: str, fits: Mapping[str, PatienceCurve], max_s: float) -> Chart:
    """KM patience curves with 95% bands, and the number still waiting under the axis."""
    grid = np.linspace(0.0, max_s, GRID_POINTS)
    step = nice_step(max_s)
    ticks = np.arange(0.0, max_s + 1e-9, step)
    figure = Figure(layout="constrained", figsize=(8, 3.6 + 0.25 * len(fits)))
    axes, table = figure.subplots(2, 1, height_ratios=[4, 0.35 + 0.3 * len(fits)], sharex=True)
    rows = []
    for i, (label, fit) in enumerate(fits.items()):
        curve, low, high = (fit.at(v, grid) for v in (fit.survival, fit.ci_low, fit.ci_high))
        axes.step(grid, curve, where="post", color=color(i), label=label, linewidth=1.8)
        axes.fill_between(grid, low, high, step="post", color=color(i), alpha=0.15)
        for t, waiting in zip(ticks, fit.waiting_at(ticks), strict=True):
            table.text(t, i, f"{int(waiting):,}", ha="center", va="center", fontsize=8,
                       color=color(i))  # fmt: skip
        rows.append(pd.DataFrame({"group": label, "time_s": grid, "still_waiting": curve,
                                  "ci_low": low, "ci_high": high}))  # fmt: skip
    style(axes, xlabel="", ylabel="share still willing to wait")
    axes.set_ylim(0, 1.02)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    table.set_ylim(len(fits) - 0.5, -0.5)
    table.set_yticks(range(len(fits)), list(fits), fontsize=8)
    for tick, i in zip(table.get_yticklabels(), range(len(fits)), strict=True):
        tick.set_color(color(i))
    table.set_title("number still waiting (at risk)", fontsize=8, loc="left")
    table.set_xticks(ticks)
    table.set_xlim(-0.03 * max_s, max_s * 1.03)
    table.tick_params(left=False)
    for side in ("top", "right", "left"):
        table.spines[side].set_visible(False)
    table.set_xlabel("time in queue (s)")
    caption = ("Kaplan–Meier: abandonment is the event; answered, callback, left and error calls "
               "are censored. Shaded: 95% band. Numbers below: callers still waiting at that time.")
    return Chart(f"patience-{queue}", f"{queue}: patience", caption, svg(figure),
                 pd.concat(rows, ignore_index=True))  # fmt: skip


def hazard_chart(queue: str, hazard: pd.DataFrame, marks: Mapping[str, list[float]]) -> Chart:
    """Abandonment hazard per group, one panel each, 95% Poisson band, announcement lines."""
    groups = sorted(set(hazard["group"]))
    data = hazard.copy()
    events, exposure = data["events"].to_numpy(float), data["exposure_s"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(events > 0, stats.chi2.ppf(0.025, 2 * events) / 2, 0.0) / exposure * 60
        high = stats.chi2.ppf(0.975, 2 * events + 2) / 2 / exposure * 60
    data["hazard_per_min"] = data["hazard_per_s"] * 60
    data["ci_low_per_min"], data["ci_high_per_min"] = low, high
    shown = data["at_risk"] >= MIN_AT_RISK
    figure = Figure(layout="constrained", figsize=(8, 0.6 + 1.9 * len(groups)))
    panels = np.atleast_1d(figure.subplots(len(groups), 1, sharex=True, squeeze=False)[:, 0])
    top = np.nanmax(np.where(shown, high, np.nan)) if shown.any() else 1.0
    for i, (axes, label) in enumerate(zip(panels, groups, strict=True)):
        part = data[(data["group"] == label) & shown]
        x = np.append(part["start_s"].to_numpy(), part["end_s"].to_numpy()[-1:])
        axes.fill_between(x, edge(part["ci_low_per_min"]), edge(part["ci_high_per_min"]),
                          step="post", color=color(i), alpha=0.18, linewidth=0)  # fmt: skip
        axes.step(x, edge(part["hazard_per_min"]), where="post", color=color(i), linewidth=1.6)
        for j, mark in enumerate(marks.get(label, [])):
            axes.axvline(mark, color="#333", linestyle=(0, (4, 3)), linewidth=1.1,
                         label="announcement" if j == 0 else None)  # fmt: skip
        axes.set_ylim(0, top * 1.05 if np.isfinite(top) else 1)
        style(axes, xlabel="", ylabel="per caller-min", title=label)
        axes.title.set_fontsize(9)
        if marks.get(label):
            axes.legend(loc="upper right", fontsize=8, frameon=False)
    panels[-1].set_xlabel("time in queue (s)")
    caption = (f"Abandons per caller-minute waiting, per {_bin_s(hazard):g}-s bin; shaded: 95% "
               f"Poisson interval; bins with fewer than {MIN_AT_RISK} callers waiting are left "
               "out. Dashed: typical announcement times. A rise just after a dashed line means "
               "the announcement drove callers away.")  # fmt: skip
    return Chart(f"hazard-{queue}", f"{queue}: abandonment hazard", caption, svg(figure), data)


def edge(values: pd.Series) -> np.ndarray:
    """Bin values with the last repeated, so a post-step line reaches the last bin's end."""
    return np.append(values.to_numpy(), values.to_numpy()[-1:])


def _bin_s(hazard: pd.DataFrame) -> float:
    return float((hazard["end_s"] - hazard["start_s"]).iloc[0]) if len(hazard) else 0.0


def waits_chart(queue: str, waits: pd.DataFrame, max_s: float) -> Chart:
    """Answered waits and abandon times per group as counts per bin, one row of panels each."""
    groups = sorted(set(waits["group"]))  # the colour order of every other chart
    width = nice_step(max_s, 40)
    edges = np.arange(0.0, max_s + width, width)
    figure = Figure(layout="constrained", figsize=(8, 0.6 + 1.7 * len(groups)))
    panels = figure.subplots(len(groups), 2, sharex=True, squeeze=False)
    rows = []
    for i, label in enumerate(groups):
        for j, (outcome, title) in enumerate((("answered", "answered after"),
                                              ("abandoned", "hung up after"))):  # fmt: skip
            values = waits.loc[(waits["group"] == label) & (waits["outcome"] == outcome), "wait_s"]
            counts, _ = np.histogram(np.minimum(values, edges[-1] - 1e-9), bins=edges)
            axes = panels[i, j]
            axes.stairs(counts, edges, fill=True, color=color(i), alpha=0.8)  # one artist
            style(axes, xlabel="", ylabel=f"calls per {width:g} s" if j == 0 else "",
                  title=f"{label}: {title}")  # fmt: skip
            axes.title.set_fontsize(9)
            rows.append(pd.DataFrame({"group": label, "outcome": outcome, "from_s": edges[:-1],
                                      "to_s": edges[1:], "calls": counts}))  # fmt: skip
    figure.supxlabel(f"time in queue (s); the last bar holds waits ≥ {edges[-2]:g} s", fontsize=10)
    caption = f"Counts of calls per {width:g}-s bin (not densities); each group on its own row."
    return Chart(f"waits-{queue}", f"{queue}: waits", caption, svg(figure),
                 pd.concat(rows, ignore_index=True))  # fmt: skip
