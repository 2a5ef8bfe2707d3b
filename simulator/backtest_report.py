"""The backtest as a printed table and a PNG plot: predicted (95% interval) vs actual by hour."""

from __future__ import annotations

import math
from os import PathLike
from typing import BinaryIO

import numpy as np

from analytics.formatting import percent_number
from simulator.backtest import METRICS, Backtest
from simulator.fit_results import take_up_said

UNITS = {"abandonment": "%", "unserved": "%", "asa_s": "s"}
LABELS = {"abandonment": "abandonment", "unserved": "unserved rate", "asa_s": "ASA"}


def _cell(metric: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{percent_number(value)}%" if UNITS[metric] == "%" else f"{value:.0f} s"


def coverage(result: Backtest) -> dict[str, float]:
    """Share of hours whose actual figure lies inside the predicted 95% interval."""
    rows = result.hourly.dropna(subset=["actual", "low", "high"])
    inside = (rows["actual"] >= rows["low"]) & (rows["actual"] <= rows["high"])
    return {m: float(inside[rows["metric"] == m].mean()) for m in METRICS}


def backtest_table(result: Backtest) -> str:
    """Hour by hour, each metric predicted [95% interval] against actual, then definitions."""
    frame = result.hourly
    lines = [f"fitted on {result.train_days[0]} to {result.train_days[1]}; predicted "
             f"{len(result.test_days)} held-out day(s) {result.test_days[0]} to "
             f"{result.test_days[-1]} ({result.replications} replications each)", "",
             "hour   calls  " + "  ".join(f"{LABELS[m] + ' predicted [95%] / actual':<40}"
                                         for m in METRICS)]
    for hour in sorted(frame["hour"].unique()):
        cells = []
        for metric in METRICS:
            row = frame[(frame["hour"] == hour) & (frame["metric"] == metric)]
            if row.empty:
                cells.append(f"{'':<40}")
                continue
            r = row.iloc[0]
            text = (f"{_cell(metric, r.predicted)} [{_cell(metric, r.low)}–"
                    f"{_cell(metric, r.high)}] / {_cell(metric, r.actual)}")
            cells.append(f"{text:<40}")
        calls = int(frame[frame["hour"] == hour]["entered"].iloc[0])
        lines.append(f"{hour:02d}:00 {calls:>6,}  " + "  ".join(cells))
    cover = coverage(result)
    lines += ["", "actual inside the 95% interval: " + ", ".join(
        f"{LABELS[m]} {100 * cover[m]:.0f}% of hours" for m in METRICS), "", "definitions:"]
    lines += [f"  {LABELS[m]}: {text}" for m, text in METRICS.items()]
    lines.append(f"  hour: of day on the line's clock ({result.twin.timezone}); calls: calls "
                 "that entered the queue in that hour on the held-out days (actual)")
    lines.append("  95% interval: prediction interval over replications of the held-out days, "
                 "mean ± t sd sqrt(1 + 1/R), cut at 0 (and at 100% for rates) where that "
                 "formula runs past what can be (simulation uncertainty only; fit uncertainty "
                 "is not added)")
    lines.append("  callback take-up (training days): " + take_up_said(
        result.twin.take_up, result.twin.callbacks.acceptance))
    return "\n".join(lines)


def backtest_plot(result: Backtest, path: str | PathLike[str] | BinaryIO) -> None:
    """Three panels (abandonment, unserved, ASA by hour): predicted band and line, actual dots,
    as PNG (whatever the name: the HTML page embeds it as PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, metric in zip(axes, METRICS, strict=True):
        rows = result.hourly[result.hourly["metric"] == metric].sort_values("hour")
        scale = 100.0 if UNITS[metric] == "%" else 1.0
        hours = rows["hour"].to_numpy()
        ax.fill_between(hours, rows["low"] * scale, rows["high"] * scale, alpha=0.25,
                        label="predicted 95% interval")
        ax.plot(hours, rows["predicted"] * scale, label="predicted mean")
        ax.plot(hours, rows["actual"] * scale, "o", color="black", label="actual")
        ax.set_xlabel(f"hour of day ({result.twin.timezone})")
        ax.set_ylabel(f"{LABELS[metric]} ({UNITS[metric]})")
        ax.set_xticks(np.arange(0, 24, 3))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.suptitle(f"backtest: held-out {result.test_days[0]} to {result.test_days[-1]}")
    figure.tight_layout()
    figure.savefig(path, dpi=110, format="png")
    plt.close(figure)
