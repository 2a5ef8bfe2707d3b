"""Callback answer chance recovered from a log, with and without logged attempts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hold_policies import CallbackPolicy
from simulator.fit_callbacks import fit_callbacks
from simulator.run import simulate
from simulator.scenario import Callbacks
from tests.simulator.conftest import callback_line_log


def test_answer_chance_is_recovered_within_its_uncertainty(small_queue) -> None:
    scenario = dataclasses.replace(small_queue, calls=4000,
                                   callbacks=Callbacks(answer_p=0.6, retries=2))
    log = simulate(scenario, CallbackPolicy(), np.random.default_rng(21)).table.frame()
    by_attempt = fit_callbacks(log, retries=2)
    assert by_attempt.requested > 200 and by_attempt.method == "connected / attempts"
    assert abs(by_attempt.answer_p - 0.6) <= 3 * by_attempt.answer_p_se
    assert 0 < by_attempt.acceptance < 1
    by_completion = fit_callbacks(log.drop(columns=["callback_attempts"]), retries=2)
    assert abs(by_completion.answer_p - 0.6) <= 3 * by_completion.answer_p_se + 0.02


def records(outcomes: list[str], attempts: list[int] | None = None):
    import pandas as pd

    frame = pd.DataFrame({"callback_requested": [True] * len(outcomes), "outcome": outcomes,
                          "announcements": [1] * len(outcomes),
                          "policy": ["callback"] * len(outcomes)})
    if attempts is not None:
        frame["callback_attempts"] = attempts
    return frame


def test_promises_still_open_or_cancelled_say_nothing_of_the_answer_chance() -> None:
    """A callback pending or cancelled was never answered nor given up: counted as failures
    they made the twin page say "answer chance 0.000 ± 0.000" from no attempt at all."""
    unresolved = fit_callbacks(records(["left", "callback_cancelled"]), retries=2)
    assert unresolved.requested == 2 and unresolved.answer_p is None
    none_tried = fit_callbacks(records(["left", "left"], attempts=[0, 0]), retries=2)
    assert none_tried.answer_p is None
    mixed = fit_callbacks(records(["callback_connected", "callback_failed", "left"]), retries=0)
    assert mixed.answer_p == 0.5  # of the two resolved, one kept: the open one says nothing


def test_a_log_whose_kept_callbacks_count_no_attempt_falls_back_to_completion() -> None:
    """A log from before attempts were logged counts 0 for a kept callback: connected /
    attempts would be over 1 (or undefined), so the completion rate is used."""
    old_log = records(["callback_connected", "callback_failed", "callback_connected"],
                      attempts=[0, 3, 1])
    fit = fit_callbacks(old_log, retries=0)
    assert fit.method.startswith("from completion") and fit.answer_p == pytest.approx(2 / 3)
    counted = fit_callbacks(records(["callback_connected", "callback_failed"], attempts=[2, 3]),
                            retries=2)
    assert counted.method == "connected / attempts" and counted.answer_p == pytest.approx(1 / 5)


def test_fit_from_the_live_log_counts_its_logged_attempts(tmp_path) -> None:
    """`holdwell fit` on the database read the answer chance from completions (assuming
    every failure used every retry) although the log holds each attempt: it now divides the
    CALLBACK_CONNECTs by the CALLBACK_ATTEMPTs, and `fit --records` on `export --db`'s file
    fits the same."""
    from click.testing import CliRunner
    from sqlalchemy import func, select

    from app.storage.db import make_engine
    from app.storage.schema import call_events
    from cli.report_commands import export_command
    from cli.twin_commands import fit_command
    from simulator.scenario_file import load_twin

    url = f"sqlite:///{tmp_path / 'calls.db'}"
    callback_line_log(url, calls=300, agents=3, callbacks=Callbacks(answer_p=0.5, retries=2),
                      seed=3)
    engine = make_engine(url)
    with engine.connect() as conn:
        counted = dict(conn.execute(select(call_events.c.event, func.count()).where(
            call_events.c.event.in_(["CALLBACK_ATTEMPT", "CALLBACK_CONNECT"])).group_by(
            call_events.c.event)).all())
    engine.dispose()
    assert counted["CALLBACK_ATTEMPT"] > counted["CALLBACK_CONNECT"] > 30  # retries were made

    runner = CliRunner()
    live = tmp_path / "live.toml"
    result = runner.invoke(fit_command, ["--out", str(live)], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "(connected / attempts)" in result.output
    callbacks = load_twin(live).callbacks
    assert callbacks.answer_p == pytest.approx(
        counted["CALLBACK_CONNECT"] / counted["CALLBACK_ATTEMPT"])

    exported = tmp_path / "calls.csv"
    result = runner.invoke(export_command, ["--db", url, "--format", "csv", "--out",
                                            str(exported)])
    assert result.exit_code == 0, result.output
    from_file = tmp_path / "file.toml"
    result = runner.invoke(fit_command, ["--records", str(exported), "--out", str(from_file)])
    assert result.exit_code == 0, result.output
    assert load_twin(from_file).callbacks == callbacks


def test_the_fitted_acceptance_says_the_simulation_does_not_use_it(small_queue) -> None:
    """`fit` printed and saved an acceptance nothing in the simulator reads: an analyst took
    it for what drove the callback policy's figures (analyst audit 38). A twin whose take-up
    was not fitted (`fit_twin` alone, `holdwell fit --assume-take-up`) says which
    assumptions do, with their values (tests/simulator/test_fit_take_up.py: fitted)."""
    from simulator.behaviour import Reactions
    from simulator.twin import fit_twin
    from simulator.twin_report import fit_report

    scenario = dataclasses.replace(small_queue, calls=1500)
    log = simulate(scenario, CallbackPolicy(), np.random.default_rng(5)).table.frame()
    said = " ".join(fit_report(fit_twin(log, seed=1)).split())
    assumed = Reactions()
    assert ("simulations take callers' take-up from the behaviour model's "
            f"assumptions, callback_p {assumed.callback_p:g} and callback_if_too_long_p "
            f"{assumed.callback_if_too_long_p:g}; not fitted") in said
