"""The report as one self-contained HTML page: tables, definitions and inline PNG plots.

Self-contained (no scripts, stylesheets or images fetched from anywhere) so it can be mailed,
archived with an experiment, or opened offline.
"""

from __future__ import annotations

import base64
from html import escape

import numpy as np
import pandas as pd

from analytics import formatting as fmt
from analytics import plots
from analytics.report import Report
from analytics.survival import abandonment_hazard, announcement_marks, patience_fits

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em}
th{background:#f3f3f3;text-align:left}td{font-variant-numeric:tabular-nums}
dt{font-weight:600;margin-top:.5em}img{max-width:100%;margin:1em 0}
"""


def render_html(
    report: Report,
    records: pd.DataFrame,
    events: pd.DataFrame | None = None,
    hazard_bin_s: float = 5.0,
) -> str:
    """The full page; records feed the plots, events (if any) give announcement times."""
    sections = [
        f"<h1>holdwell report</h1><p>{escape(_summary(report))}</p>",
        "<h2>Metrics</h2>" + _metric_table(report["policies"]),
        "<h2>Comparisons</h2>" + _comparison_table(report["comparisons"]),
        f"<p>{escape(fmt.sample_size_sentence(report['sample_size']))}</p>",
        "<h2>Plots</h2>" + _figures(report, records, events, hazard_bin_s),
        "<h2>Definitions</h2>" + _definitions(report["definitions"]),
    ]
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>holdwell report</title><style>{_STYLE}</style></head>\n<body>\n{body}\n"
        "</body></html>\n"
    )


def _summary(report: Report) -> str:
    period, settings = report["period"], report["settings"]
    return (
        f"{period['calls']:,} calls entered {period['first_entered_at']} to "
        f"{period['last_entered_at']}. Short abandon: under {settings['short_abandon_s']:g} s; "
        f"service level threshold {settings['service_threshold_s']:g} s; "
        f"intervals {100 * settings['confidence']:g}%."
    )


def _rows_html(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows[1:]
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _metric_table(policies: list[dict]) -> str:
    return _rows_html(fmt.metric_rows(policies))


def _comparison_table(comparisons: list[dict]) -> str:
    if not comparisons:
        return "<p>No comparisons: one group per queue.</p>"
    return _rows_html(fmt.comparison_rows(comparisons))


def _figures(
    report: Report, records: pd.DataFrame, events: pd.DataFrame | None, bin_s: float
) -> str:
    if records.empty:
        return "<p>No calls to plot.</p>"
    max_s = max(float(np.quantile(records["wait_s"], 0.99)), bin_s)
    figures = [
        ("Patience curves", plots.patience_figure(patience_fits(records), max_s)),
        ("Abandonment by policy", plots.abandonment_figure(report["policies"])),
        ("Wait distributions", plots.wait_figure(records, max_s)),
        (
            "Abandonment hazard",
            plots.hazard_figure(
                abandonment_hazard(records, bin_s, max_s), announcement_marks(events, bin_s)
            ),
        ),
    ]
    return "\n".join(
        f'<figure><img alt="{escape(title)}" src="data:image/png;base64,'
        f'{base64.b64encode(image).decode("ascii")}"><figcaption>{escape(title)}</figcaption>'
        "</figure>"
        for title, image in figures
    )


def _definitions(definitions: dict[str, dict[str, str]]) -> str:
    items = "".join(
        f"<dt>{escape(field)} ({escape(fmt.field_unit(field) or d['unit'])})</dt>"
        f"<dd>{escape(d['definition'])}</dd>"
        for field, d in definitions.items()
    )
    return f"<dl>{items}</dl>"
