"""`simulate --engine twilio` counts the callers who rang while the line was closed, as the
fast engine does (`closed`, and the callbacks they booked for the opening, on their own line
and in `--json`): its summary had no closed figures at all, so a night's callers vanished
from the Twilio engine's output while the fast engine's said how many there were."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from app.storage.db import make_engine
from app.storage.schema import callbacks, calls
from cli.simulate_commands import simulate_command

HOURS = """[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.hours]
timezone = "UTC"
monday = "08:00-18:00"
callbacks_per_opening = 5
"""
CLOSED_KEYS = ("closed", "closed_callbacks_booked", "closed_callbacks_connected",
               "closed_callbacks_failed")


def run(tmp_path, engine: str, *more: str) -> str:
    """60 calls from Monday 00:00 UTC, one every 10 minutes on average: 08:00 opens."""
    (tmp_path / "hours.toml").write_text(HOURS)
    result = CliRunner().invoke(simulate_command, [
        "--engine", engine, "--config", str(tmp_path / "hours.toml"), "--calls", "60",
        "--arrival-rate", "0.1", "--agents", "2", "--seed", "3", *more])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_twilio_engine_counts_closed_callers_as_the_fast_engine_does(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    fast = json.loads(run(tmp_path, "fast", "--json"))
    twilio = json.loads(run(tmp_path, "twilio", "--json", "--sim-db", url))
    engine = make_engine(url)
    with engine.connect() as conn:
        rang = conn.execute(select(calls.c.call_id).where(calls.c.outcome == "closed")
                            ).scalars().all()
        booked = conn.execute(select(callbacks.c.status).where(callbacks.c.call_id.in_(rang))
                              ).scalars().all()
    engine.dispose()
    assert twilio["closed"] == len(rang) == fast["closed"] > 30  # the same arrival times
    assert twilio["calls"] == fast["calls"] == 60 - fast["closed"]
    assert twilio["closed_callbacks_booked"] == len(booked) > 0
    assert twilio["closed_callbacks_connected"] == booked.count("connected")
    assert twilio["closed_callbacks_failed"] == booked.count("failed")


def test_both_engines_say_the_closed_line_in_the_same_words(tmp_path) -> None:
    def closed_line(output: str) -> str:
        return next(line for line in output.splitlines() if line.startswith("closed:"))

    fast = closed_line(run(tmp_path, "fast"))
    twilio = closed_line(run(tmp_path, "twilio", "--sim-db",
                             f"sqlite:///{tmp_path / 'sim.db'}"))
    words = "calls rang outside opening hours (not in the figures above); "
    assert words in fast and words in twilio
    assert fast.split(";")[0] == twilio.split(";")[0]  # the same callers rang while closed
