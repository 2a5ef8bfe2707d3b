"""A queue's max_size in the fast engine, as Twilio and the app treat it: a caller who
arrives while max_size wait hears queue-full and, with no overflow offer at queue-full, the
call ends as `error` (unserved, wait 0). The fast engine had let the line grow without end
(max_size 1 and 5,000 gave the same figures), while the twilio engine turned callers away
(a reviewer's finding)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli.simulate_commands import simulate_command

LINE = ["--calls", "80", "--agents", "1", "--arrival-rate", "2", "--service-mean", "2",
        "--patience-mean", "20", "--seed", "5", "--reactions", "off", "--policy", "silence"]


def config(tmp_path: Path, max_size: int, overflow: str = "") -> Path:
    path = tmp_path / f"q{max_size}.toml"
    path.write_text(f'[queues.support]\npolicy = "silence"\nmax_size = {max_size}\n{overflow}')
    return path


def run(tmp_path: Path, *extra: str) -> tuple[dict, pd.DataFrame]:
    out = tmp_path / "calls.csv"
    result = CliRunner().invoke(simulate_command, [*LINE, *extra, "--out", str(out), "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout.splitlines()[0]), pd.read_csv(out)


def test_callers_past_max_size_end_as_error_with_no_wait(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    small, records = run(tmp_path, "--config", str(config(tmp_path, 2)))
    roomy, _ = run(tmp_path, "--config", str(config(tmp_path, 5000)))
    assert roomy["errors"] == 0 and small["errors"] > 10
    turned = records[records["outcome"] == "error"]
    assert len(turned) == small["errors"] and (turned["wait_s"] == 0).all()
    assert small["unserved_rate"] * small["calls"] >= small["errors"] + small["abandoned"] - 1e-9
    assert small["calls"] == roomy["calls"] == 80  # turned away, still a call that rang


def test_an_overflow_offer_at_queue_full_still_answers_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    offer = ('[queues.support.overflow]\nwhen_full = true\n'
             '[line]\nsupport_number = "+14155550100"\n')
    summary, records = run(tmp_path, "--config", str(config(tmp_path, 2, offer)))
    assert summary["errors"] == 0 and (records["outcome"] == "error").sum() == 0
    assert summary["overflow"] + summary["callbacks_requested"] > 10


@pytest.mark.parametrize("engine", ["fast", "twilio"])
def test_both_engines_turn_callers_away_at_max_size(tmp_path, monkeypatch, engine):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'live.db'}")
    summary, records = run(tmp_path, "--engine", engine, "--config",
                           str(config(tmp_path, 2)))
    share = (records["outcome"] == "error").mean()
    assert 0.2 < share < 0.9, (engine, share, summary)
