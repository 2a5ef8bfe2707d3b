"""The report as one self-contained HTML page: verdicts first, then per-queue small multiples.

Self-contained (no scripts, stylesheets or images fetched from anywhere) so it can be mailed,
archived with an experiment, or opened offline; every chart links its SVG and its data as CSV.
The page is a Jinja2 template (`templates/report.html`); this module only gathers what it shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from analytics import formatting as fmt
from analytics import plots
from analytics.charts import Chart
from analytics.formatting import calls_said
from analytics.groups import GROUP, with_groups
from analytics.not_queued import not_queued_sentence
from analytics.report import Report
from analytics.survival import abandoned_flag, abandonment_hazard, announcement_marks, patience_fits
from analytics.told_waits import told_wait_rows
from hold_policies.records import UNSERVED_FORMULA

HAZARD_BIN_S = 15.0  # wide enough that a bin holds enough abandons to read its level
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters["calls"] = calls_said


def render_html(
    report: Report,
    records: pd.DataFrame,
    events: pd.DataFrame | None = None,
    hazard_bin_s: float = HAZARD_BIN_S,
) -> str:
    """The full page; records feed the plots, events (if any) give announcement times."""
    grouped = with_groups(records) if not records.empty else records
    marks = announcement_marks(events, 5.0)
    told = report["told_waits"] if "told_waits" in report else told_wait_rows(records, events)
    queues = [
        _queue_section(queue, report, grouped, marks, hazard_bin_s, told)
        for queue in sorted({p["queue"] for p in report["policies"]})
    ]
    forest = plots.forest_chart(report["comparisons"]) if report["comparisons"] else None
    return _TEMPLATES.get_template("report.html").render(
        report=report,
        queues=queues,
        forest=forest,
        verdicts=[c for c in report["comparisons"] if c.get("primary")],
        comparison_rows=fmt.comparison_rows(report["comparisons"]),
        not_queued_rows=fmt.not_queued_rows(report.get("not_queued") or []),
        not_queued_said=not_queued_sentence(report["period"].get("not_queued_closed") or 0,
                                            report["period"].get("not_queued_kept_callback")
                                            or 0),
        sample_size=fmt.sample_size_sentence(report["sample_size"]),
        definitions=[(f, fmt.field_unit(f) or d["unit"], d["definition"])
                     for f, d in report["definitions"].items()],  # fmt: skip
        fmt=fmt,
        unserved_formula=UNSERVED_FORMULA,
    )


def _queue_section(
    queue: str, report: Report, grouped: pd.DataFrame, marks: dict, bin_s: float,
    told: list[dict[str, Any]],
) -> dict[str, Any]:
    """One queue's tables and charts (small multiples: no chart mixes queues)."""
    policies = [p for p in report["policies"] if p["queue"] == queue]
    labels = {p["group"] for p in policies}
    records = grouped[grouped[GROUP].astype(str).isin(labels)] if len(grouped) else grouped
    charts: list[Chart] = [plots.rates_chart(queue, policies)]
    if len(records):
        charts += _record_charts(queue, records, marks, bin_s)
    breakdowns = {
        bucket: [row for row in rows if row["group"] in labels]
        for bucket, rows in report.get("breakdowns", {}).items()
    }
    return {"name": queue, "metric_rows": fmt.metric_rows(policies), "charts": charts,
            "breakdowns": breakdowns,
            "told_waits": [row for row in told if row["group"] in labels]}  # fmt: skip


def _record_charts(queue: str, records: pd.DataFrame, marks: dict, bin_s: float) -> list[Chart]:
    records = records.copy()
    records[GROUP] = records[GROUP].cat.remove_unused_categories()
    wait = records["wait_s"].to_numpy(float)
    max_s = max(float(np.quantile(wait, 0.99)), bin_s)
    answered = (records["outcome"] == "answered").to_numpy()  # the outcome decides
    outcome = np.where(abandoned_flag(records), "abandoned", np.where(answered, "answered", ""))
    waits = pd.DataFrame({"group": records[GROUP].astype(str), "outcome": outcome, "wait_s": wait})
    return [
        plots.patience_chart(queue, patience_fits(records), max_s),
        plots.hazard_chart(queue, abandonment_hazard(records, bin_s, max_s), marks),
        plots.waits_chart(queue, waits, max_s),
    ]
