"""A scenario file is validated as the README promises: the key at fault is named."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.console.toml_writer import dumps
from simulator.scenario import ScenarioError
from simulator.scenario_file import HEADER, load_twin, twin_to_dict
from simulator.twin import fit_twin


@pytest.fixture(scope="module")
def fitted(known_log) -> dict:
    return twin_to_dict(fit_twin(known_log, seed=1))


def written(data: dict, tmp_path: Path) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(HEADER + dumps(data), encoding="utf-8")
    return path


def changed(data: dict, table: str, key: str, value: object) -> dict:
    out = copy.deepcopy(data)
    out[table][key] = value
    return out


@pytest.mark.parametrize(("table", "key", "value", "named"), [
    ("talk", "bogus", 1, "talk: unknown key(s) bogus"),
    ("arrivals", "slot_min", 15, "arrivals.slot_min: only 30-minute"),
    ("callbacks", "retries", 100_000, "callbacks.retries: must be a whole number >= 0 and <= 20"),
    ("callbacks", "retries", -4, "callbacks.retries"),
    ("callbacks", "acceptance", 7, "callbacks.acceptance: must be a finite number >= 0 and <= 1"),
    ("talk", "mean_s", "abc", "talk.mean_s: must be a number, not text"),
    ("talk", "sigma", -2.0, "talk.sigma"),
    ("fit", "calls", 1.5, "fit.calls: must be a whole number"),
])
def test_a_bad_key_is_refused_by_name(fitted, tmp_path, table, key, value, named) -> None:
    with pytest.raises(ScenarioError, match=named.replace("(", r"\(").replace(")", r"\)")):
        load_twin(written(changed(fitted, table, key, value), tmp_path))


def test_agents_must_be_whole_numbers(fitted, tmp_path) -> None:
    data = copy.deepcopy(fitted)
    data["agents"]["per_slot"][0] = 2.5
    with pytest.raises(ScenarioError, match=r"agents.per_slot\[0\]: must be a whole number"):
        load_twin(written(data, tmp_path))


@pytest.mark.parametrize("rate", [float("nan"), float("inf"), 1e9, -5.0])
def test_arrival_rates_must_be_finite_and_in_range(fitted, tmp_path, rate) -> None:
    data = copy.deepcopy(fitted)
    data["arrivals"]["per_min"][0] = rate
    with pytest.raises(ScenarioError, match=r"arrivals.per_min\[0\]: must be a finite number"):
        load_twin(written(data, tmp_path))


def test_patience_that_is_not_a_table_is_named(fitted, tmp_path) -> None:
    data = copy.deepcopy(fitted)
    data["patience"] = 5
    with pytest.raises(ScenarioError, match=r"patience: must be a table"):
        load_twin(written(data, tmp_path))


def test_a_weibull_shape_below_zero_is_named(fitted, tmp_path) -> None:
    data = copy.deepcopy(fitted)
    base = data["patience"]["base_policy"]
    data["patience"][base].update(kind="weibull", k=-1.0)
    with pytest.raises(ScenarioError, match=rf"patience.{base}.k: must be a finite number"):
        load_twin(written(data, tmp_path))


def test_a_file_that_is_not_utf8_is_named(tmp_path) -> None:
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ScenarioError, match="--scenario: .* is not UTF-8"):
        load_twin(path)


def test_whatif_refuses_an_unknown_key_in_one_line(fitted, tmp_path) -> None:
    from cli.twin_commands import whatif_command

    path = written(changed(fitted, "callbacks", "bogus_key", 1), tmp_path)
    result = CliRunner().invoke(whatif_command, ["--scenario", str(path), "--replications",
                                                 "2", "--workers", "1", "--policies",
                                                 "silence"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "callbacks: unknown key(s) bogus_key" in result.output


def test_a_scenario_saved_with_a_byte_order_mark_loads_like_the_file_without(fitted, tmp_path):
    """Notepad's "UTF-8 with BOM" (an analyst editing a fitted scenario) was refused as
    invalid TOML; the config file already read past the mark."""
    plain = written(fitted, tmp_path)
    marked = tmp_path / "marked.toml"
    marked.write_bytes("\ufeff".encode() + plain.read_bytes())
    assert load_twin(marked) == load_twin(plain)


def test_a_profile_without_calls_is_refused_naming_the_file_and_key(fitted, tmp_path) -> None:
    """It had said only "arrival rate: the daily profile has no calls" (operator audit 33,
    D9); a weekday's profile may be a closed day's and is still read."""
    data = copy.deepcopy(fitted)
    data["arrivals"]["per_min"] = [0.0] * len(data["arrivals"]["per_min"])
    path = written(data, tmp_path)
    with pytest.raises(ScenarioError, match=rf"--scenario {path}: arrivals\.per_min: every "
                                            r"half-hour has 0 calls a minute"):
        load_twin(path)


@pytest.mark.parametrize("text", ["", "# nothing\n", '[queues.support]\npolicy = "checkin"\n'])
def test_a_file_that_is_no_fitted_scenario_says_so_and_how_to_make_one(tmp_path, text):
    """An empty file, or a holdwell.toml given by mistake, had said only "fit: missing"."""
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"not a scenario from `holdwell fit` \(it has no "
                                            r"\[fit\] table\); write one with `holdwell fit"):
        load_twin(path)
