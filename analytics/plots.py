"""Report figures as PNG bytes (matplotlib, Agg, no pyplot state), for the self-contained HTML.

Each figure answers one question: how patient callers are (KM curves), which policy loses fewer
callers (abandonment with CIs), how long people waited (distributions), and whether something
said in the queue drove callers away (hazard with announcement marks).
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from matplotlib.figure import Figure

from analytics.groups import GROUP, with_groups
from analytics.survival import abandoned_flag

MIN_AT_RISK = 30  # hazard bins with fewer callers waiting are noise, not signal
GRID_POINTS = 400  # curves are drawn on a grid, so a million calls plot as fast as a hundred
COLORS = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6c4f9c", "#00798c", "#7a7a7a")


def png(figure: Figure) -> bytes:
    """Render a figure to PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def _step_at(index: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Value of a right-continuous step function (index, values) at each grid time."""
    positions = np.searchsorted(index, grid, side="right") - 1
    return values[np.clip(positions, 0, len(values) - 1)]


def patience_figure(fits: Mapping[str, KaplanMeierFitter], max_s: float) -> bytes:
    """Kaplan–Meier patience curves with their 95% bands."""
    figure = Figure(figsize=(7, 4))
    axes = figure.add_subplot()
    grid = np.linspace(0.0, max_s, GRID_POINTS)
    for i, (label, fit) in enumerate(fits.items()):
        index = fit.survival_function_.index.to_numpy(dtype=float)
        survival = _step_at(index, fit.survival_function_.to_numpy()[:, 0], grid)
        bands = fit.confidence_interval_.to_numpy()
        axes.step(grid, survival, where="post", color=_color(i), label=label)
        axes.fill_between(
            grid,
            _step_at(index, bands[:, 0], grid),
            _step_at(index, bands[:, 1], grid),
            step="post",
            color=_color(i),
            alpha=0.15,
        )
    axes.set(
        xlabel="time in queue (s)",
        ylabel="share still willing to wait",
        title="Patience (Kaplan–Meier; answered and callbacks censored)",
        ylim=(0, 1.02),
    )
    axes.legend(fontsize=8)
    return png(figure)


def abandonment_figure(policies: list[dict], field: str = "unserved_rate") -> bytes:
    """A rate per group (default the primary unserved rate) with its 95% Wilson interval."""
    figure = Figure(figsize=(7, 0.5 + 0.45 * max(len(policies), 1)))
    axes = figure.add_subplot()
    rates = np.array([np.nan if p[field] is None else p[field] for p in policies], float) * 100
    bounds = np.array(
        [[np.nan if b is None else b for b in p[f"{field}_ci"]] for p in policies], float
    ).reshape(-1, 2) * 100
    y = np.arange(len(policies))
    # never negative: a bound that rounding put a hair past the rate is drawn as no bar
    errors = np.clip(np.vstack([rates - bounds[:, 0], bounds[:, 1] - rates]), 0.0, None)
    axes.barh(y, rates, color=[_color(i) for i in y], alpha=0.7)
    axes.errorbar(rates, y, xerr=errors, fmt="none", ecolor="black", capsize=4)
    axes.set_yticks(y, [p["group"] for p in policies])
    axes.invert_yaxis()
    name = field.replace("_", " ")
    axes.set(xlabel=f"{name} (%), 95% CI", title=f"{name.capitalize()} by group")
    return png(figure)


def wait_figure(records: pd.DataFrame, max_s: float) -> bytes:
    """Distributions of answered waits and of abandon times, per group."""
    grouped = with_groups(records)
    abandoned = abandoned_flag(grouped)
    answered = (grouped["outcome"] == "answered").to_numpy()
    figure = Figure(figsize=(9, 3.5))
    left, right = figure.subplots(1, 2, sharex=True)
    bins = np.linspace(0.0, max_s, 41)
    wait = grouped["wait_s"].to_numpy()
    for i, (label, rows) in enumerate(grouped.groupby(GROUP, observed=True).indices.items()):
        for axes, mask in ((left, answered), (right, abandoned)):
            values = wait[rows][mask[rows]]
            if values.size:
                axes.hist(
                    values,
                    bins=bins,
                    histtype="step",
                    density=True,
                    color=_color(i),
                    label=str(label),
                )
    left.set(xlabel="wait until answered (s)", ylabel="density", title="Answered waits")
    right.set(xlabel="wait until hang-up (s)", title="Abandon times")
    left.legend(fontsize=7)
    return png(figure)


def hazard_figure(hazard: pd.DataFrame, marks: Mapping[str, list[float]]) -> bytes:
    """Abandonment hazard against time in queue, announcement times marked by dashed lines."""
    figure = Figure(figsize=(7, 4))
    axes = figure.add_subplot()
    for i, (label, part) in enumerate(hazard.groupby(GROUP, sort=True)):
        shown = part["hazard_per_s"].where(part["at_risk"] >= MIN_AT_RISK)
        axes.step(
            part["start_s"],
            shown * 60,
            where="post",
            color=_color(i),
            label=str(label),
        )
        for j, mark in enumerate(marks.get(str(label), [])):
            axes.axvline(
                mark,
                color=_color(i),
                linestyle="--",
                linewidth=0.8,
                label=f"{label}: announcement" if j == 0 else None,
            )
    axes.set(
        xlabel="time in queue (s)",
        ylabel="abandons per caller-minute waiting",
        title=f"Abandonment hazard (dashed: announcements; bins with ≥{MIN_AT_RISK} waiting)",
    )
    axes.legend(fontsize=7)
    return png(figure)
