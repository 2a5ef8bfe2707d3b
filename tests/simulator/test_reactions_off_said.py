"""With --reactions off no caller presses a key, so no caller takes a callback: a callback
policy then holds its callers as silence does, and `compare --policies silence,callback
--reactions off` had shown "+0.0 pp, no clear difference" without a word why (analytics
audit, item 3). The output the analyst reads says so: the table's, and --json's `note`."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from cli.simulate_commands import compare_command, simulate_command

SMALL = ["--calls", "600", "--agents", "3", "--arrival-rate", "1", "--seed", "3"]
HOLDS = "callback holds its callers as silence does"


@pytest.fixture
def holdwell() -> click.Group:
    group = click.Group("holdwell")
    for command in (simulate_command, compare_command):
        group.add_command(command)
    return group


def test_compare_with_reactions_off_says_why_callback_is_silence(holdwell) -> None:
    args = ["compare", "--policies", "silence,callback", *SMALL, "--reactions", "off"]
    table = CliRunner().invoke(holdwell, args)
    assert table.exit_code == 0, table.output
    [note] = [line for line in table.stdout.splitlines() if line.startswith("note: ")]
    assert "no caller takes a callback" in note and HOLDS in note
    assert "a difference between them, or none, is no finding" in note
    assert "--reactions default" in note
    runs = json.loads(CliRunner().invoke(holdwell, [*args, "--json"]).stdout)
    assert [run["note"] for run in runs] == [note, note]
    assert runs[1]["unserved_vs_first"][0] == 0  # what the note explains


def test_compare_of_policies_offering_no_callback_still_says_they_cannot_differ(
        holdwell) -> None:
    result = CliRunner().invoke(holdwell, ["compare", "--policies", "silence,checkin", *SMALL,
                                           "--reactions", "off"])
    assert result.exit_code == 0, result.output
    [note] = [line for line in result.stdout.splitlines() if line.startswith("note: ")]
    assert "is no finding" in note and "holds its callers" not in note


def test_simulate_callback_with_reactions_off_says_so(holdwell) -> None:
    args = ["simulate", "--policy", "callback", *SMALL, "--reactions", "off"]
    result = CliRunner().invoke(holdwell, args)
    assert result.exit_code == 0, result.output
    assert HOLDS in result.stdout
    summary = json.loads(CliRunner().invoke(holdwell, [*args, "--json"]).stdout)
    assert HOLDS in summary["note"] and summary["callbacks_requested"] == 0


@pytest.mark.parametrize("args", [
    ["simulate", "--policy", "silence", *SMALL, "--reactions", "off"],  # the Erlang-A check
    ["simulate", "--policy", "callback", *SMALL],
    ["compare", "--policies", "silence,callback", *SMALL],
])
def test_nothing_is_noted_where_reactions_change_nothing_or_are_on(holdwell, args) -> None:
    result = CliRunner().invoke(holdwell, args)
    assert result.exit_code == 0, result.output
    assert "note: --reactions off" not in result.stdout
    summaries = json.loads(CliRunner().invoke(holdwell, [*args, "--json"]).stdout)
    assert all("note" not in s for s in (summaries if isinstance(summaries, list)
                                         else [summaries]))


def test_the_help_says_what_reactions_off_does_to_callbacks(holdwell) -> None:
    for command in ("simulate", "compare"):
        text = " ".join(CliRunner().invoke(holdwell, [command, "--help"]).stdout.split())
        assert "no caller takes a callback, so a callback policy holds callers as silence " \
            "does" in text
