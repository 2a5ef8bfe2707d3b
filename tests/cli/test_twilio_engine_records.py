"""`simulate --engine twilio --out` writes what the fast engine's records carry: each call's
talk time and callback attempts, read from the app's own log. The file had neither, so
`fit --records` on it said "the log has no talk_s column", and the late-callbacks line
counted none "after a missed attempt" whatever happened."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner
from sqlalchemy import func, select

from app.storage.db import make_engine
from app.storage.schema import call_events
from cli.simulate_commands import simulate_command
from cli.twin_commands import fit_command


def test_the_twilio_engines_records_carry_talk_times_and_attempts(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    out = tmp_path / "calls.csv"
    result = CliRunner().invoke(simulate_command, [
        "--engine", "twilio", "--policy", "callback", "--calls", "300", "--agents", "8",
        "--arrival-rate", "2", "--callback-answer-p", "0.5", "--seed", "4", "--sim-db", url,
        "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = pd.read_csv(out)
    answered = records["outcome"] == "answered"
    assert answered.sum() > 50 and records.loc[answered, "talk_s"].gt(0).all()
    assert records.loc[~answered & (records["outcome"] != "callback_connected"),
                       "talk_s"].isna().all()

    engine = make_engine(url)
    with engine.connect() as conn:
        logged = conn.execute(select(func.count()).where(
            call_events.c.event == "CALLBACK_ATTEMPT")).scalar()
    engine.dispose()
    assert records["callback_attempts"].sum() == logged > records["callback_requested"].sum() / 2
    retried = int((records["callback_attempts"] > 1).sum())
    assert retried > 0
    late_line = next(line for line in result.output.splitlines()
                     if line.startswith("callback promises broken"))
    assert "given a band" in late_line

    fitted = CliRunner().invoke(fit_command, ["--records", str(out), "--out",
                                              str(tmp_path / "twin.toml")])
    assert fitted.exit_code == 0, fitted.output
    assert "(connected / attempts)" in fitted.output
