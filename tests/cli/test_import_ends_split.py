"""`holdwell config import` of a file without a running split's [experiment] table says the
split stops, as a roll-back now does: the import's diff lines had been its only trace (console
audit, left item; app.console.config_changes.unsaid_by_the_diff)."""

from __future__ import annotations

from click.testing import CliRunner

from cli.main import cli
from tests.console.test_default_queue_moves import fresh_log

SPLIT = """
[queues.support]
policy = "checkin"
[queues.support.experiment]
arms = { checkin = 1, silence = 1 }
"""


def split_then(tmp_path, monkeypatch, then: str):  # noqa: ANN001, ANN201
    """Import SPLIT into a new log, then `then`: the second import's result."""
    fresh_log(tmp_path, monkeypatch)
    split, later = tmp_path / "split.toml", tmp_path / "later.toml"
    split.write_text(SPLIT)
    later.write_text(then)
    runner = CliRunner()
    started = runner.invoke(cli, ["config", "import", str(split)])
    assert started.exit_code == 0, started.output
    assert "A/B split" not in started.output  # starting one stops nothing
    result = runner.invoke(cli, ["config", "import", str(later)])
    assert result.exit_code == 0, result.output
    return result


def test_an_import_that_ends_a_running_split_says_so(tmp_path, monkeypatch):
    ended = split_then(tmp_path, monkeypatch, '[queues.support]\npolicy = "checkin"\n')
    assert "warning: the A/B split on support (checkin 1 (50%), silence 1 (50%)) stops: " \
        "every new caller there hears its policy, checkin" in ended.output


def test_an_import_that_changes_what_a_running_splits_callers_hear_says_its_counts_restart(
        tmp_path, monkeypatch):
    # the split runs on; Experiments counts from this version
    changed = split_then(tmp_path, monkeypatch,
                         SPLIT + '[queues.support.prompts]\nconnecting = "Hello there."\n')
    assert "warning: queues.support runs an A/B split, and this changes what its callers " \
        "hear: the split's counts start again" in changed.output


def test_an_import_that_changes_only_a_running_splits_salt_says_so(tmp_path, monkeypatch):
    changed = split_then(tmp_path, monkeypatch, SPLIT + 'salt = "round-2"\n')
    assert "warning: the A/B split on support (checkin 1 (50%), silence 1 (50%)) draws its " \
        "callers anew (its salt changes): its counts start again" in changed.output
    assert "changes from" not in changed.output  # "from checkin 1 (50%)... to" the same arms
