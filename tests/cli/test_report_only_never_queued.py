"""A period whose calls all never joined a queue (a night the line was closed) is refused as
a period with no call records, but the refusal names those calls: from the database the
report had said "no call records" and not a word of the closed line's callers and their
bookings, which a report on the same log with a wider period counts apart (not_queued)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from analytics.records import write_records
from cli.report_commands import report_command
from hold_policies.records import Outcome
from tests.analytics.builders import call
from tests.cli.test_report_closed_line import hours_db  # noqa: F401 - a fixture

NIGHT = ["--to", "2026-03-02T08:59:00Z"]
"""Before CAok and CAgone entered at 09:00: three rang while closed, one kept a callback."""

SAID = "4 calls of it never joined a queue (3 rang while the line was closed, 1 kept a pending"


@pytest.mark.parametrize("whole", [False, True])
def test_a_closed_night_from_the_database_names_its_never_queued_calls(hours_db, tmp_path,  # noqa: F811
                                                                        whole):
    html = ["--html", str(tmp_path / "night.html")] if whole else []
    result = CliRunner().invoke(report_command, ["--db", hours_db, *NIGHT, *html])
    assert result.exit_code == 1
    assert "no call records entering from the first to 2026-03-02T08:59:00+00:00" in \
        result.output
    assert SAID in result.output
    assert "left out 4 calls that never joined a queue" in result.stderr


@pytest.mark.parametrize("whole", [False, True])
def test_a_file_of_closed_calls_only_names_them_in_its_refusal(tmp_path, whole):
    rows = [call(f"x{i}", Outcome.CLOSED, 0, policy="callback") for i in range(3)]
    rows += [call("k1", Outcome.KEPT_CALLBACK, 0, policy="callback")]
    path = write_records(rows, tmp_path / "closed.csv")
    html = ["--html", str(tmp_path / "closed.html")] if whole else []
    result = CliRunner().invoke(report_command, ["--records", str(path), *html])
    assert result.exit_code == 1
    assert f"no call records in {path}" in result.output
    assert SAID in result.output
