"""Callers' callback take-up fitted to the measured acceptance (simulator.fit_take_up).

`holdwell fit` measured the acceptance but simulations kept the behaviour model's assumed
take-up (callback_p 0.2, callback_if_too_long_p 0.8): a twin of a line whose callers take a
quarter of that promised several times its callbacks. The log here is made by the fast
engine with callback_p 0.05 and callback_if_too_long_p 0.2 (the assumed ratio, 1 : 4), one
day on six agents near full load.

Tolerances. The fit stops when the simulated acceptance is within the measured one's
standard error (at least half a point); the fitted callback_p must lie within a factor of 2
of the truth, 0.025 to 0.1 (the assumption, 0.2, is 4x off). Not tighter: a queue's
acceptance moves by several points from one day of callers to the next, so one day's log
pins the take-up only so far, and a twin fitted from a callback-only log counts the policy's
effect on patience twice (its own warning), which the fit then absorbs in the take-up.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from simulator.behaviour import Reactions
from simulator.fit_callbacks import acceptance, heard_an_offer
from simulator.fit_results import ASSUMED_TAKE_UP
from simulator.fit_take_up import TOLERANCE, days_simulated, fit_take_up
from simulator.run import policy_named, simulate
from simulator.scenario import simple_scenario
from simulator.scenario_file import HEADER, load_twin, twin_from_dict, twin_to_dict
from simulator.twin import fit_twin, twin_scenario
from simulator.twin_report import fit_report

TRUE_P = 0.05


@pytest.fixture(scope="module")
def low_take_up_log():
    line = simple_scenario(calls=1500, agents=6, arrivals_per_min=1.0, service_mean_min=5.5,
                           patience_mean_min=8,
                           reactions=Reactions(callback_p=TRUE_P,
                                               callback_if_too_long_p=4 * TRUE_P))
    return simulate(line, policy_named("callback"), np.random.default_rng(11)).table.frame()


@pytest.fixture(scope="module")
def fitted(low_take_up_log):
    twin = fit_twin(low_take_up_log, seed=1)
    return dataclasses.replace(twin, take_up=fit_take_up(twin, low_take_up_log))


def simulated(twin, seed: int = 0) -> float:
    """The twin's acceptance as the fit simulates it (as many days as the log had)."""
    run = simulate(twin_scenario(twin, days=days_simulated(twin)), policy_named("callback"),
                   np.random.default_rng(seed))
    return acceptance(run.table.frame())


def test_a_log_with_a_low_take_up_is_fitted_back_to_its_acceptance(low_take_up_log,
                                                                  fitted) -> None:
    measured = fitted.callbacks.acceptance
    heard = int(heard_an_offer(low_take_up_log).sum())
    tolerance = max(TOLERANCE, math.sqrt(measured * (1 - measured) / heard))
    fit = fitted.take_up
    assert fit.status == "fitted" and 1 <= fit.runs <= 12
    assert abs(fit.simulated - measured) <= tolerance
    assert simulated(fitted) == fit.simulated  # the twin_scenario simulations will use
    assert 0.025 <= fit.callback_p <= 0.1
    assert fit.callback_if_too_long_p == pytest.approx(4 * fit.callback_p)  # the ratio kept
    assumed = dataclasses.replace(fitted, take_up=ASSUMED_TAKE_UP)
    assert simulated(assumed) > measured + 0.15  # what the assumption had promised
    said = " ".join(fit_report(fitted).split())
    assert (f"fitted to the measured acceptance {100 * measured:.1f}% (simulated "
            f"{100 * fit.simulated:.1f}%; acceptance = callers who chose a callback / callers "
            "under the callback policy who heard at least one announcement)") in said


def test_the_assumed_take_up_agrees_with_the_behaviour_model() -> None:
    default = Reactions()
    assert (ASSUMED_TAKE_UP.callback_p, ASSUMED_TAKE_UP.callback_if_too_long_p) == (
        default.callback_p, default.callback_if_too_long_p)


def test_a_log_where_nobody_heard_an_offer_keeps_the_assumption(small_queue) -> None:
    line = dataclasses.replace(small_queue, calls=1200)
    log = simulate(line, policy_named("music_ads"), np.random.default_rng(3)).table.frame()
    twin = fit_twin(log, seed=1)
    assert twin.callbacks.acceptance is None
    fit = fit_take_up(twin, log)
    assert not fit.fitted and fit.runs == 0
    assert (fit.callback_p, fit.callback_if_too_long_p) == (0.2, 0.8)
    assert "no caller under the callback policy heard an announcement" in fit.note
    said = " ".join(fit_report(dataclasses.replace(twin, take_up=fit)).split())
    assert ("simulations take callers' take-up from the behaviour model's assumptions, "
            "callback_p 0.2 and callback_if_too_long_p 0.8; not fitted: no caller under the "
            "callback policy heard an announcement") in said
    assert twin_scenario(dataclasses.replace(twin, take_up=fit)).reactions == Reactions()


def test_a_measured_acceptance_of_zero_fits_no_take_up(fitted, low_take_up_log) -> None:
    nobody = dataclasses.replace(fitted, callbacks=dataclasses.replace(fitted.callbacks,
                                                                      acceptance=0.0))
    fit = fit_take_up(nobody, low_take_up_log)
    assert fit.status == "fitted" and fit.runs == 1 and fit.simulated == 0.0
    assert (fit.callback_p, fit.callback_if_too_long_p) == (0.0, 0.0)


def test_an_acceptance_the_model_cannot_reach_is_said_and_the_nearest_kept(
        fitted, low_take_up_log) -> None:
    """Every offer taken still leaves callers who heard an announcement before an offer was
    made (or with no time to press): 100% cannot be simulated."""
    everyone = dataclasses.replace(fitted, callbacks=dataclasses.replace(fitted.callbacks,
                                                                        acceptance=1.0))
    fit = fit_take_up(everyone, low_take_up_log)
    assert fit.status == "nearest" and fit.simulated < 1.0
    assert "below the measured 100.0%" in fit.note or "no nearer" in fit.note
    assert "the nearest the model comes to the measured acceptance 100.0%" in " ".join(
        fit_report(dataclasses.replace(everyone, take_up=fit)).split())


def test_the_scenario_file_round_trips_the_fitted_take_up(fitted, tmp_path) -> None:
    from app.console.toml_writer import dumps

    path = tmp_path / "fitted.toml"
    path.write_text(HEADER + dumps(twin_to_dict(fitted)), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert "[reactions]" in text and 'take_up = "fitted"' in text
    read = load_twin(path).take_up
    fit = fitted.take_up
    assert read.status == "fitted" and read.note == fit.note and read.runs == fit.runs
    for got, want in ((read.callback_p, fit.callback_p),
                      (read.callback_if_too_long_p, fit.callback_if_too_long_p),
                      (read.multiplier, fit.multiplier), (read.simulated, fit.simulated)):
        assert got == pytest.approx(want, abs=1e-5)
    reactions = twin_scenario(load_twin(path)).reactions
    assert reactions.callback_p == read.callback_p < 0.1  # what a --scenario run uses
    older = twin_to_dict(fitted)
    del older["reactions"]  # a file written before take-up was fitted: the assumption
    assert twin_from_dict(older).take_up == ASSUMED_TAKE_UP
    from simulator.scenario import ScenarioError

    for key, value, said in (("callback_p", 1.5, "reactions.callback_p"),
                             ("take_up", "guessed", "reactions.take_up")):
        bad = twin_to_dict(fitted)
        bad["reactions"][key] = value
        with pytest.raises(ScenarioError, match=said):
            twin_from_dict(bad)


def test_holdwell_fit_fits_the_take_up_unless_told_to_assume_it(low_take_up_log,
                                                                tmp_path) -> None:
    from click.testing import CliRunner

    from cli.twin_commands import fit_command

    log = tmp_path / "calls.csv"
    low_take_up_log.to_csv(log, index=False)
    runner = CliRunner()
    fitted_file, assumed_file = tmp_path / "fitted.toml", tmp_path / "assumed.toml"
    result = runner.invoke(fit_command, ["--records", str(log), "--out", str(fitted_file)])
    assert result.exit_code == 0, result.output
    assert "take-up: simulation 1," in result.stderr  # progress on stderr
    fitted_p = load_twin(fitted_file).take_up.callback_p
    assert fitted_p < 0.1
    from cli.simulate_commands import fitted_day  # simulate/compare --scenario run with it

    flags = simple_scenario(calls=10, agents=1, arrivals_per_min=1.0, service_mean_min=1,
                            patience_mean_min=1, reactions=Reactions())
    where = {"scenario_file": str(fitted_file), "day": "all", "days": 1}
    assert fitted_day(flags, where).reactions.callback_p == fitted_p
    off = dataclasses.replace(flags, reactions=Reactions.off())  # --reactions off stays off
    assert fitted_day(off, where).reactions == Reactions.off()
    result = runner.invoke(fit_command, ["--records", str(log), "--out", str(assumed_file),
                                         "--assume-take-up"])
    assert result.exit_code == 0, result.output
    assert load_twin(assumed_file).take_up == ASSUMED_TAKE_UP


EAGER = """\
[line]
support_number = "+14155550000"

[queues.support]
policy = "callback"

[queues.support.callback]
offer_after_estimate_s = 0
offer_without_estimate_after_s = 0
"""


def test_the_take_up_is_simulated_under_the_queues_own_callback_settings(low_take_up_log,
                                                                         fitted, tmp_path):
    """The acceptance depends on when the line offers a callback: `fit --config` simulates
    the queue's callback policy and settings, as `whatif --config` will run the twin."""
    from click.testing import CliRunner

    from cli.queue_config import queue_config, queue_policies
    from cli.twin_commands import fit_command
    from simulator.as_run import as_the_queue_runs
    from simulator.fit_take_up import simulated_acceptance

    config_file = tmp_path / "holdwell.toml"
    config_file.write_text(EAGER, encoding="utf-8")
    config, queue = queue_config(str(config_file), None)
    [eager] = queue_policies(["callback"], config, queue)
    days = days_simulated(fitted)
    default = simulated_acceptance(fitted, 0.3, policy=policy_named("callback"), days=days,
                                   seed=0)
    offered_at_once = simulated_acceptance(
        fitted, 0.3, policy=eager, days=days, seed=0,
        prepare=lambda s: as_the_queue_runs(s, config, queue))
    assert offered_at_once != default
    log = tmp_path / "calls.csv"
    low_take_up_log.to_csv(log, index=False)
    result = CliRunner().invoke(fit_command, ["--records", str(log), "--out",
                                              str(tmp_path / "s.toml"), "--config",
                                              str(config_file)])
    assert result.exit_code == 0, result.output
    assert f"policies as queue support of {config_file} sets them" in result.stderr
    assert load_twin(tmp_path / "s.toml").take_up.fitted
