"""A chart on the report page: its picture (SVG) and the numbers behind it (CSV), both offered for
download, so an analyst can check or re-plot any figure without re-running the report."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

COLORS = ("#1b6ca8", "#d1495b", "#2e933c", "#c77d00", "#6c4f9c", "#00798c", "#7a7a7a")


@dataclass(frozen=True)
class Chart:
    """One figure of the page: a title, a caption saying how to read it, SVG and CSV."""

    slug: str
    title: str
    caption: str
    svg: bytes
    data: pd.DataFrame

    def svg_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")

    def csv_uri(self) -> str:
        text = self.data.to_csv(index=False, float_format="%.6g")
        return "data:text/csv;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def svg(figure: Figure) -> bytes:
    """A figure as SVG, text kept as text (small, sharp, searchable)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "holdwell"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})  # layout: constrained
    return buffer.getvalue()


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def nice_step(span: float, steps: int = 6) -> float:
    """A round tick step (1, 2, 5, 10, 15, 30, 60, 120, 300 s ...) giving about `steps` ticks."""
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if span / step <= steps:
            return float(step)
    return float(np.ceil(span / steps / 3600) * 3600)


def style(axes, *, xlabel: str, ylabel: str = "", title: str = "") -> None:  # noqa: ANN001
    """One look for every panel: light grid, no top/right spines, labels with units."""
    axes.set(xlabel=xlabel, ylabel=ylabel, title=title)
    axes.grid(True, color="#e5e5e5", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
