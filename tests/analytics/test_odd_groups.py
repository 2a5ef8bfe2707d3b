"""Odd groups through every output format (issue 13): one call, all abandoned, none abandoned,
all callbacks; record files made by another tool without holdwell's optional columns."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.queue_log import parse_queue_log_line
from analytics.queue_log_records import queue_log_from_records
from analytics.records import load_records, write_records
from analytics.render_html import render_html
from analytics.render_text import render_text
from analytics.report import build_report, report_json
from analytics.validation import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from cli.report_commands import export_command, report_command
from hold_policies.records import NOT_QUEUED, Outcome
from tests.analytics.builders import call, fourteen_calls, frame

KINDS = {
    "one call": [Outcome.ANSWERED],
    "all abandoned": [Outcome.ABANDONED] * 4,
    "none abandoned": [Outcome.ANSWERED] * 4,
    "all callbacks": [Outcome.CALLBACK_CONNECTED, Outcome.CALLBACK_FAILED, Outcome.LEFT],
    "all errors": [Outcome.ERROR] * 2,
}


@st.composite
def odd_records(draw: st.DrawFn) -> pd.DataFrame:
    """1–4 groups in 1–2 queues, each of an odd kind, waits 0–400 s."""
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=4))
    calls = []
    for g, kind in enumerate(kinds):
        queue = draw(st.sampled_from(["support", "sales"]))
        for i, outcome in enumerate(KINDS[kind]):
            wait = draw(st.floats(0, 400, allow_nan=False))
            callback = outcome in (Outcome.CALLBACK_CONNECTED, Outcome.CALLBACK_FAILED) or (
                kind == "all callbacks" and outcome == Outcome.LEFT)
            calls.append(call(
                f"g{g}c{i}", outcome, wait, policy=f"p{g}", queue=queue, at_s=7.0 * len(calls),
                callback_requested=callback, told_s=draw(st.sampled_from([None, 60.0])),
                callback_wait_s=wait + 30 if outcome == Outcome.CALLBACK_CONNECTED else None,
            ))  # fmt: skip
    return frame(calls)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_records())
def test_every_text_format_survives_odd_groups(records):
    report = build_report(records)
    parsed = json.loads(report_json(report))
    for entry in parsed["policies"]:
        for field in ("unserved_rate", "abandonment_rate"):
            low, high = entry[f"{field}_ci"]
            if entry[field] is not None:
                assert 0 <= low <= entry[field] <= high <= 1
        assert sum(entry[f"n_{o.value}"] for o in Outcome if o not in NOT_QUEUED) \
            == entry["calls"]  # never-queued calls are no group's: in `not_queued`
    assert "holdwell report" in render_text(report)
    lines = [parse_queue_log_line(t) for t in queue_log_from_records(records)]
    assert len(lines) >= 2 * len(records)


def test_the_html_page_draws_every_odd_kind_at_once(tmp_path):
    """One group of each odd kind (charts are the slow part, so one page holds them all)."""
    calls = [
        call(f"k{k}c{i}", outcome, 20.0 + 13 * i, policy=kind.replace(" ", "_"),
             queue="support" if k % 2 else "sales", callback_requested=kind == "all callbacks")
        for k, (kind, outcomes) in enumerate(sorted(KINDS.items()))
        for i, outcome in enumerate(outcomes)
    ]  # fmt: skip
    records = frame(calls)
    page = render_html(build_report(records), records)
    assert page.startswith("<!DOCTYPE html>") and page.count("<img alt=") == 1 + 4 * 2


def test_wilson_bounds_never_cross_the_rate_at_0_and_100_percent():
    calls = [call(f"a{i}", Outcome.ABANDONED, 30) for i in range(7)]
    calls += [call(f"n{i}", Outcome.ANSWERED, 30, policy="silence") for i in range(7)]
    report = build_report(frame(calls))
    for entry in report["policies"]:
        low, high = entry["abandonment_rate_ci"]
        assert low <= entry["abandonment_rate"] <= high


@pytest.fixture
def foreign_file(tmp_path):
    """A DESIGN.md record file from another tool: only the required columns."""
    records = frame(fourteen_calls())
    path = tmp_path / "foreign.csv"
    records[list(REQUIRED_COLUMNS)].to_csv(path, index=False)
    return path


def test_a_file_without_optional_columns_gets_their_defaults(foreign_file):
    records = load_records(foreign_file)
    assert set(OPTIONAL_COLUMNS) <= set(records.columns)
    assert records["first_announced_at_s"].isna().all()


@pytest.mark.parametrize(
    "args",
    [["--json"], ["--html", "{tmp}/r.html"]],
)
def test_report_runs_on_a_file_without_optional_columns(foreign_file, tmp_path, args):
    args = [a.format(tmp=tmp_path) for a in args]
    result = CliRunner().invoke(report_command, ["--records", str(foreign_file), *args])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("file_format", ["queue_log", "csv", "parquet"])
def test_export_runs_on_a_file_without_optional_columns(foreign_file, tmp_path, file_format):
    out = tmp_path / f"out.{file_format}"
    args = ["--format", file_format, "--records", str(foreign_file), "--out", str(out)]
    result = CliRunner().invoke(export_command, args)
    assert result.exit_code == 0, result.output
    if file_format != "queue_log":
        assert len(load_records(write_records(load_records(out), out))) == 14
