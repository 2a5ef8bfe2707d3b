"""`whatif`, `staffing` and `promise` simulate the queue's policies as its config sets them
(`--config`, `--queue`), as `simulate`, `compare` and the console's Twin do. They had always
simulated holdwell's default settings, without a word, while the operator's own callback
offer changed how many callers asked for a callback more than twofold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.console.toml_writer import dumps
from cli.twin_commands import promise_command, whatif_command
from simulator.scenario_file import HEADER, twin_to_dict
from simulator.twin import fit_twin

CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.callback]
offer_after_estimate_s = 0
offer_without_estimate_after_s = 0
[queues.support.variants.late_offer]
policy = "callback"
settings = { offer_after_estimate_s = 1200, offer_without_estimate_after_s = 1200 }
"""


@pytest.fixture(scope="module")
def scenario_file(known_log, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("twin") / "scenario.toml"
    path.write_text(HEADER + dumps(twin_to_dict(fit_twin(known_log, seed=1))), encoding="utf-8")
    return path


@pytest.fixture
def config_file(tmp_path) -> Path:
    path = tmp_path / "holdwell.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _whatif(scenario_file: Path, *extra: str):
    return CliRunner().invoke(whatif_command, [
        "--scenario", str(scenario_file), "--replications", "2", "--workers", "1",
        "--day", "mon", *extra])


def _row(output: str, policy: str) -> str:
    return next(line for line in output.splitlines() if line.strip().startswith(policy))


def test_whatif_simulates_the_queues_own_settings_and_says_whose(scenario_file, config_file):
    default = _whatif(scenario_file, "--policies", "callback")
    assert default.exit_code == 0, default.output
    assert "holdwell's default settings (give --config" in default.stdout
    own = _whatif(scenario_file, "--policies", "callback,late_offer", "--config",
                  str(config_file))
    assert own.exit_code == 0, own.output
    assert f"as queue support of {config_file} sets them" in own.stdout
    # an offer at once changes the callback line's figures; the variant runs by its name
    assert _row(own.stdout, "callback") != _row(default.stdout, "callback")
    assert _row(own.stdout, "late_offer") != _row(own.stdout, "callback")


def test_a_bad_config_or_queue_is_named(scenario_file, config_file, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[queues.support]\npolicy = "chekin"\n', encoding="utf-8")
    wrong = _whatif(scenario_file, "--config", str(bad))
    assert wrong.exit_code == 1 and "policy" in wrong.output and "chekin" in wrong.output
    nowhere = _whatif(scenario_file, "--config", str(config_file), "--queue", "sales")
    assert nowhere.exit_code == 1 and "--queue: 'sales' is not a queue" in nowhere.output
    unknown = _whatif(scenario_file, "--config", str(config_file), "--policies", "eager")
    assert unknown.exit_code == 1 and "--policies: unknown 'eager'" in unknown.output
    assert "late_offer" in unknown.output  # the queue's variants are offered


def test_promise_uses_the_queues_callback_settings(scenario_file, config_file):
    result = CliRunner().invoke(promise_command, [
        "--scenario", str(scenario_file), "--spacings", "120", "--replications", "1",
        "--days", "1", "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert f"as queue support of {config_file} sets them" in result.stdout
    default = CliRunner().invoke(promise_command, [
        "--scenario", str(scenario_file), "--spacings", "120", "--replications", "1",
        "--days", "1"])
    given = [re.search(r"120 s\s+([\d,]+)", out.stdout).group(1)
             for out in (result, default)]
    assert given[0] != given[1]  # callers offered at once take more callbacks


def test_staffing_plans_for_the_queues_settings(scenario_file, config_file, monkeypatch):
    from cli.twin_commands import staffing_command
    from simulator import staff_plan

    monkeypatch.setattr(staff_plan, "MAX_ROUNDS", 1)
    result = CliRunner().invoke(staffing_command, [
        "--scenario", str(scenario_file), "--policies", "late_offer", "--target-unserved",
        "0.2", "--replications", "2", "--days", "1", "--config", str(config_file)])
    assert result.exit_code in (0, 3), result.output
    assert "late_offer" in result.stdout
    assert f"as queue support of {config_file} sets them" in result.stdout


def test_the_queues_hours_resume_and_estimates_are_simulated_too(tmp_path, known_log):
    """Not its policies alone: the queue's name, [estimate], opening [hours] and [resume]
    rule, as `simulate` applies them (and, with --scenario, keeps them on the fitted day)."""
    from cli.queue_config import queue_config
    from simulator.as_run import as_the_queue_runs
    from simulator.twin import twin_scenario

    path = tmp_path / "sales.toml"
    path.write_text(CONFIG + """
[queues.sales]
policy = "checkin"
[queues.sales.resume]
within_s = 120
[queues.sales.hours]
timezone = "UTC"
monday = "08:00-18:00"
[estimate]
window_s = 600
""", encoding="utf-8")
    config, queue = queue_config(str(path), "sales")
    day = as_the_queue_runs(twin_scenario(fit_twin(known_log, seed=1), day="mon"), config, queue)
    assert day.queue == "sales" and day.estimates.window_s == 600
    assert day.resume is not None and day.resume.enabled and day.resume.within_s == 120
    assert day.closed_line is not None
    default = twin_scenario(fit_twin(known_log, seed=1), day="mon")
    assert default.resume is None and default.closed_line is None


def test_promise_counts_the_failed_callbacks_its_share_divides_by(small_queue, scenario_file):
    """A failed callback is a broken promise: with nobody answering, every banded callback
    fails and the broken share is 100%; the late share alone had read 0%, which looked like
    a kept promise (analyst audit: failures count as broken, as the kept rate has them)."""
    from dataclasses import replace

    from simulator.promises import spacing_sweep
    from simulator.run import policy_named

    nobody = replace(small_queue, calls=600,
                     callbacks=replace(small_queue.callbacks, answer_p=0.0))
    row = spacing_sweep(nobody, policy_named("callback"), [60.0], [1])[0]
    assert row["given_band"] > 0 and row["failed"] == row["given_band"] and row["late"] == 0
    assert row["broken"] == row["given_band"] and row["broken_rate"] == 1.0
    shown = CliRunner().invoke(promise_command, [
        "--scenario", str(scenario_file), "--spacings", "120", "--replications", "1",
        "--days", "1"])
    assert shown.exit_code == 0, shown.output
    assert re.search(r"given a band\s+open\s+cancelled\s+late\s+failed\s+broken share",
                     shown.stdout)
    given, pending, cancelled, late, failed = map(lambda n: int(n.replace(",", "")), re.search(
        r"120 s\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)",
        shown.stdout).groups())
    assert cancelled == 0  # the simulator never cancels a callback
    assert pending + late + failed <= given
    assert "(late) or never reached (failed)" in shown.stdout
    assert "left out of every kept, late and broken share" in shown.stdout
