"""`fit` on a log of one call says 'fitting 1 call', as the report's progress does: it had
said 'fitting 1 calls' (analyst audit)."""

from __future__ import annotations

from click.testing import CliRunner

from analytics.records import write_records
from cli.twin_commands import fit_command
from tests.analytics.builders import call, frame


def test_one_call_is_said_once(tmp_path):
    records = tmp_path / "calls.csv"
    write_records(frame([call("A", "answered", 30)]), records)
    result = CliRunner().invoke(fit_command, ["--records", str(records),
                                              "--out", str(tmp_path / "twin.toml")])
    said = result.stderr.splitlines()
    assert "fitting 1 call ..." in said, result.output
    assert not any("1 calls" in line for line in said)
