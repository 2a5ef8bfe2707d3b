"""`--from`/`--to` given twice are refused naming the option: click had kept the last
(`--to 2026-02-01 --to 2026-01-05T01:00` covered the hour, without a word)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import cli


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("records") / "calls.csv"
    made = CliRunner().invoke(cli, ["simulate", "--calls", "20", "--seed", "3", "--out",
                                    str(path)])
    assert made.exit_code == 0, made.output
    return str(path)


@pytest.mark.parametrize("command", [["report"], ["export", "--format", "csv", "--out",
                                                  "/dev/null"]])
@pytest.mark.parametrize("option", ["--from", "--to"])
def test_a_period_end_given_twice_is_a_usage_error_naming_it(records, command, option):
    result = CliRunner().invoke(cli, [*command, "--records", records,
                                      option, "2026-01-05", option, "2026-01-06"])
    assert result.exit_code == 2, result.output
    assert f"'{option}': given 2 times ('2026-01-05', '2026-01-06')" in result.output


def test_a_period_end_given_once_is_read_as_before(records):
    result = CliRunner().invoke(cli, ["report", "--records", records, "--json",
                                      "--from", "2026-01-05", "--to", "2026-01-06"])
    assert result.exit_code == 0, result.output
