"""A simulation whose callers wait past a week says its figures and refuses, in one line
naming the options, to write --out: it had crashed with "unexpected error (RecordsError):
.huge.partial-1763.csv: column 'wait_s' ... more than 604,800 s (7 days)" (analyst audit).
Record files may not hold such a wait (`report --records` refuses it as a typo or another
unit), and how long callers wait is known only once the run is simulated."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.simulate_commands import compare_command, simulate_command

OVERLOADED = ["--service-mean", "10080", "--patience-mean", "10080", "--calls", "30",
              "--agents", "1", "--arrival-rate", "1", "--reactions", "off"]


@pytest.mark.parametrize(("command", "extra"), [(simulate_command, ["--policy", "silence"]),
                                                (compare_command, ["--policies", "silence"])])
def test_waits_past_a_week_give_the_figures_and_no_file(tmp_path, command, extra):
    out = tmp_path / "huge.csv"
    out.write_text("an earlier file\n")
    result = CliRunner().invoke(command, [*OVERLOADED, *extra, "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "unexpected error" not in result.output and "partial" not in result.output
    assert "abandonment (95% CI)" in result.stdout  # the run's figures, on stdout
    error = result.output.strip().splitlines()[-1]
    assert error.startswith(f"Error: --out {out}: not written: ")
    assert "more than 604,800 s (7 days" in error and "--service-mean" in error
    assert "--patience-mean" in error and "--agents" in error
    assert out.read_text() == "an earlier file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["huge.csv"]


def test_the_same_run_without_out_just_says_its_figures():
    result = CliRunner().invoke(simulate_command, [*OVERLOADED, "--policy", "silence"])
    assert result.exit_code == 0, result.output
    assert "abandonment (95% CI)" in result.output
