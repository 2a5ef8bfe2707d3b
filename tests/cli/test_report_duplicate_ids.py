"""A call in two record files would be counted twice: `holdwell report`/`export` refuse it and
name the call id and the files, while the simulator's files of several policies (whose callers
share their numbers) still report together."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from analytics.records import iter_record_batches, write_records
from cli.report_commands import export_command, report_command
from cli.simulate_commands import simulate_command
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame


@pytest.fixture
def ten_calls(tmp_path):
    calls = [call(f"c{i}", Outcome.ABANDONED if i < 2 else Outcome.ANSWERED, 30)
             for i in range(10)]
    return write_records(frame(calls), tmp_path / "day.csv")


def test_the_same_file_twice_is_refused_naming_the_call_and_the_file(ten_calls):
    result = CliRunner().invoke(report_command,
                                ["--records", str(ten_calls), "--records", str(ten_calls)])
    assert result.exit_code == 1
    assert f"call id 'c0' is in {ten_calls}, given 2 times" in result.output
    assert "call ids in more than one file: 10" in result.output


def test_a_call_in_two_files_is_refused_naming_both(ten_calls, tmp_path):
    other = write_records(frame([call("c9", Outcome.ANSWERED, 12), call("x1", Outcome.LEFT, 5)]),
                          tmp_path / "other.csv")
    result = CliRunner().invoke(export_command, [
        "--format", "queue_log", "--records", str(ten_calls), "--records", str(other),
        "--out", str(tmp_path / "queue_log")])
    assert result.exit_code == 1
    assert f"call id 'c9' is in {ten_calls} and {other}" in result.output


def test_simulated_files_of_two_policies_report_together(tmp_path):
    small = ["--calls", "200", "--agents", "2", "--arrival-rate", "1", "--service-mean", "2",
             "--patience-mean", "3", "--seed", "5", "--json"]
    files = []
    for policy in ("silence", "checkin"):
        files.append(tmp_path / f"{policy}.csv")
        result = CliRunner().invoke(simulate_command,
                                    ["--policy", policy, *small, "--out", str(files[-1])])
        assert result.exit_code == 0, result.output
    read_in_batches = sum(len(batch) for batch in iter_record_batches(files))
    assert read_in_batches == 400  # no call id repeats across the two runs
    result = CliRunner().invoke(report_command,
                                ["--records", str(files[0]), "--records", str(files[1]), "--json"])
    assert result.exit_code == 0, result.output
    calls = {group["policy"]: group["calls"] for group in json.loads(result.stdout)["policies"]}
    assert calls == {"silence": 200, "checkin": 200}
