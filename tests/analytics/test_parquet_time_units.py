"""A Parquet file from another tool (Spark, DuckDB, polars) stores its times in micro- or
milliseconds: the report reads it as it reads the same calls in nanoseconds, holdwell's own
export. Its times had been counted as nanoseconds: every call entered on 1970-01-01 (the
day breakdown's one day), no interval was clustered (its calls all fell in one minute) and
two policies run a week apart shared their one day and got a verdict."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analytics.records import write_records
from cli.report_commands import report_command
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame

WEEK_S = 7 * 86_400.0


def _calls() -> list:
    """Two policies a week apart, 60 calls each over five hours, the first far worse."""
    return [call(f"{policy}{k}", Outcome.ABANDONED if k % lost == 0 else Outcome.ANSWERED,
                 30, policy=policy, at_s=start + 300.0 * k)
            for policy, start, lost in (("music_ads", 0.0, 2), ("checkin", WEEK_S, 20))
            for k in range(60)]


def _in_unit(source, target, unit: str) -> None:
    table = pq.read_table(source)
    at = table.schema.get_field_index("entered_at")
    table = table.set_column(at, "entered_at",
                             table.column(at).cast(pa.timestamp(unit, tz="UTC")))
    pq.write_table(table, target)


def _report(path, *options: str) -> dict:
    result = CliRunner().invoke(report_command, ["--records", str(path), "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("unit", ["us", "ms"])
@pytest.mark.parametrize("whole", [False, True])
def test_a_parquet_file_in_other_time_units_gives_the_same_report(tmp_path, unit, whole):
    ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    write_records(frame(_calls()), ours)
    _in_unit(ours, theirs, unit)
    options = ("--html", str(tmp_path / "page.html")) if whole else ()
    report = _report(theirs, *options)
    assert report == _report(ours, *options)
    assert {row["day"] for row in report["breakdowns"]["day"]} == {"2025-03-03", "2025-03-10"}
    assert {p["clustered_by"] for p in report["policies"]} == {"time batches"}
    primary = next(c for c in report["comparisons"] if c["primary"])
    assert primary["verdict"] == "not compared: ran on different days"


def test_a_time_nanoseconds_cannot_hold_is_refused_by_its_row(tmp_path):
    ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    write_records(frame(_calls()[:3]), ours)
    table = pq.read_table(ours)
    at = table.schema.get_field_index("entered_at")
    millis = table.column(at).cast(pa.timestamp("ms", tz="UTC")).to_pylist()
    millis[1] = millis[1].replace(year=3025)
    table = table.set_column(at, "entered_at", pa.array(millis, pa.timestamp("ms", tz="UTC")))
    pq.write_table(table, theirs)
    result = CliRunner().invoke(report_command, ["--records", str(theirs)])
    assert result.exit_code == 1, result.output
    assert "column 'entered_at': 1 value(s) (data row 2: " in result.output
    assert "before 1677 or after 2262" in result.output
