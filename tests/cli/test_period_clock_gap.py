"""A `--from`/`--to` time the clocks skip is refused naming it, as the console refuses it
(422): the CLI had moved 02:30 on a spring-forward night to 03:00 without a word."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from analytics.filters import SkippedTime, utc_time
from cli.main import cli
from tests.cli.test_period_given_once import records  # noqa: F401 - a fixture


@pytest.mark.parametrize("option", ["--from", "--to"])
def test_a_time_the_clocks_skip_is_a_usage_error_naming_the_option(records, option):  # noqa: F811
    result = CliRunner().invoke(cli, ["report", "--records", records, "--timezone",
                                      "Europe/Berlin", option, "2026-03-29T02:30"])
    assert result.exit_code == 2, result.output
    assert f"{option}: 2026-03-29 02:30 does not exist on Europe/Berlin's clock" in " ".join(
        result.output.split())


def test_times_around_the_gap_and_a_day_whose_midnight_is_skipped_are_read():
    assert utc_time("2026-03-29T03:00", "Europe/Berlin") == pd.Timestamp("2026-03-29T01:00Z")
    assert utc_time("2026-03-29T01:59", "Europe/Berlin") == pd.Timestamp("2026-03-29T00:59Z")
    assert utc_time("2026-10-25T02:30", "Europe/Berlin") == pd.Timestamp("2026-10-25T00:30Z")
    # Santiago's clocks go from 00:00 to 01:00 on 6 September 2026: the day starts at 01:00
    assert utc_time("2026-09-06", "America/Santiago") == pd.Timestamp("2026-09-06T04:00Z")
    with pytest.raises(SkippedTime):
        utc_time("2026-09-06T00:30", "America/Santiago")
