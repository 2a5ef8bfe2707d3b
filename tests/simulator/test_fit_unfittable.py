"""A log too thin or too uniform to fit is refused with UnfittableLog, naming the part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.errors import ScenarioError, UnfittableLog
from simulator.fit_patience import fit_patience
from simulator.fit_talk import fit_talk
from simulator.twin import fit_twin


def test_one_talk_time_is_unfittable_and_says_how_many() -> None:
    with pytest.raises(UnfittableLog, match=r"talk time: 1 answered call"):
        fit_talk(np.array([120.0]))


def test_equal_talk_times_are_unfittable_and_say_the_value() -> None:
    with pytest.raises(UnfittableLog, match=r"all 5 talk times are 60 s"):
        fit_talk(np.full(5, 60.0))


def test_hang_ups_all_at_zero_seconds_are_unfittable() -> None:
    with pytest.raises(UnfittableLog, match=r"same wait \(0 s\)"):
        fit_patience(np.zeros(50), np.ones(50, bool))


def test_unfittable_is_a_scenario_error_so_every_caller_of_the_fit_reports_it() -> None:
    assert issubclass(UnfittableLog, ScenarioError)


def test_a_log_where_everyone_hung_up_says_nobody_was_answered(known_log) -> None:
    log = known_log.head(400).copy()
    log["outcome"], log["talk_s"] = "abandoned", np.nan
    with pytest.raises(UnfittableLog, match="no call in the log has a talk time"):
        fit_twin(log)


def test_fit_prints_one_line_when_one_call_was_answered(known_log, tmp_path: Path) -> None:
    from cli.twin_commands import fit_command

    log = known_log.head(400).copy()
    answered = log.index[log["outcome"] == "answered"]
    log.loc[answered[1:], "outcome"] = "abandoned"
    log.loc[answered[1:], "talk_s"] = np.nan
    path = tmp_path / "thin.csv"
    log.to_csv(path, index=False)
    result = CliRunner().invoke(fit_command, ["--records", str(path), "--out",
                                              str(tmp_path / "s.toml")])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "talk time: 1 answered call" in errors[0]


def test_a_corrupt_wait_is_left_out_of_the_patience_fit_without_a_warning() -> None:
    """One stored wait of 1e308 s (a corrupt row; the webhooks cap QueueTime at 7 days) had
    overflowed the laws' fits: numpy's warnings, an OverflowError (a 500 on /twin), or an
    exponential law of mean 1e306 s chosen and simulated."""
    import warnings

    rng = np.random.default_rng(3)
    waits = rng.exponential(200.0, 300)
    hung_up = rng.random(300) < 0.5
    clean = fit_patience(waits, hung_up)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # RuntimeWarning: overflow encountered in exp
        corrupt = fit_patience(np.r_[waits, 1e308, 8 * 86_400.0], np.r_[hung_up, False, True])
    assert corrupt.kind == clean.kind and corrupt.mean_s == pytest.approx(clean.mean_s)
    assert corrupt.calls == clean.calls


def test_the_twin_says_how_many_waits_it_left_out_as_corrupt(known_log) -> None:
    log = known_log.copy()
    log.loc[log.index[:2], "wait_s"] = 1e308
    twin = fit_twin(log)
    assert any("2 waits longer than 7 days left out as corrupt" in warning
               for warning in twin.warnings)
