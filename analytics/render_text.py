"""The report as plain text for a terminal: a metric × group table, comparisons, definitions."""

from __future__ import annotations

from collections.abc import Sequence

from analytics import formatting as fmt
from analytics.not_queued import not_queued_sentence
from analytics.report import Report

GROUPS_PER_BLOCK = 3  # keeps the table under ~120 columns


def render_text(report: Report) -> str:
    """Everything a person needs to read the report, each number with its unit."""
    parts = [_header(report)]
    policies = report["policies"]
    for start in range(0, len(policies), GROUPS_PER_BLOCK):
        parts.append(_metric_table(policies[start : start + GROUPS_PER_BLOCK]))
    parts.append(_not_queued(report.get("not_queued")))
    parts.append(_comparison_table(report["comparisons"]))
    parts.append(_told_waits(report.get("told_waits")))
    parts.append(fmt.sample_size_sentence(report["sample_size"]))
    parts.append(_definitions(report["definitions"]))
    return "\n\n".join(p for p in parts if p) + "\n"


def _header(report: Report) -> str:
    period, settings = report["period"], report["settings"]
    lines = [f"holdwell report: {fmt.calls_said(period['calls'])}"]
    if period["first_entered_at"]:
        lines[0] += f" entered {period['first_entered_at']} to {period['last_entered_at']}"
    waiting = period.get("calls_in_progress")
    if waiting:
        lines.append(fmt.left_out_sentence(waiting))
    if never := not_queued_sentence(period.get("not_queued_closed") or 0,
                                    period.get("not_queued_kept_callback") or 0):
        lines.append(never)
    lines += fmt.warning_lines(report)
    if settings.get("timezone", "UTC") != "UTC":  # the JSON's breakdowns and the filter
        lines.append(f"clock: {settings['timezone']} (--from/--to, hours and days)")
    lines.append(
        f"short abandon: under {settings['short_abandon_s']:g} s; service level threshold: "
        f"{settings['service_threshold_s']:g} s; intervals: {100 * settings['confidence']:g}%"
    )
    return "\n".join(lines)


def _table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns sized to their widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _metric_table(policies: list[dict]) -> str:
    return _table(fmt.metric_rows(policies))


def _not_queued(entries: list[dict] | None) -> str:
    """The calls that never joined a queue, per group (only when there were any)."""
    if not entries:
        return ""
    return f"{fmt.NOT_QUEUED_TITLE}\n" + _table(fmt.not_queued_rows(entries))


def _told_waits(rows: list[dict] | None) -> str:
    """Every told wait, by the position told (only when the report had events)."""
    if not rows:
        return ""
    table = [["group", "positions told", "tellings scored", "late", "late share"]] + [
        [r["group"], r["positions"], f"{r['scored']:,}", f"{r['late']:,}",
         f"{fmt.percent_number(r['late_share'])}%"] for r in rows]
    return ("every told wait, from the call log's events (late = still waiting when the wait "
            "told ran out, over tellings answered by then or still waiting; callback takers "
            "left out; analytics/told_waits.py)\n" + _table(table))


def _comparison_table(comparisons: list[dict]) -> str:
    if not comparisons:
        return "comparisons: none (one group per queue)"
    return "comparisons (same queue; pp = percentage points)\n" + _table(
        fmt.comparison_rows(comparisons)
    )


def _definitions(definitions: dict[str, dict[str, str]]) -> str:
    lines = ["definitions (rates shown in %, differences in percentage points)"]
    for field, d in definitions.items():
        lines.append(f"  {field} [{fmt.field_unit(field) or d['unit']}]: {d['definition']}")
    return "\n".join(lines)
