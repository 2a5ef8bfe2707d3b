"""A queue's split simulated through the app while the line is closed all run long: no
caller reaches the queue, so no record names the arms, and the run had been labelled with
the queue's own `policy` ("checkin"), which nobody hears while the split runs, in the table's
column and as --json's `policy`. It is the split's run: "split", as when callers queue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_simulate_queue_split import CONFIG, SMALL, invoke

HOURS = """
[queues.support.hours]
timezone = "UTC"
monday = "08:00-18:00"
callbacks_per_opening = 40
callback_key = "1"
"""


@pytest.fixture
def closed_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    config = tmp_path / "exp.toml"
    config.write_text(CONFIG + HOURS)  # the run's 40 calls ring on Monday before 01:00
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'live.db'}")
    monkeypatch.chdir(tmp_path)
    return config, f"sqlite:///{tmp_path / 'sim.db'}"


def test_a_split_whose_callers_all_rang_while_closed_is_the_splits_run(closed_setup):
    config, url = closed_setup
    args = ["--engine", "twilio", "--config", str(config), "--sim-db", url, *SMALL]
    summary = json.loads(invoke([*args, "--json"]).stdout)
    assert (summary["calls"], summary["closed"]) == (0, 40)
    assert (summary["policy"], summary["arm"]) == ("split", "")
    assert summary["split"] == {"callback": 0.5, "music_ads": 0.5}
    header = next(line.split() for line in invoke(args).stdout.splitlines()
                  if line.strip() and not line.startswith(("40 calls", "twilio")))
    assert header == ["split"]
