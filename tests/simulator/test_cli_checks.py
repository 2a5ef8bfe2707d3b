"""Input checks of simulate, compare and erlang (issue 15, item 5): refused up front, clearly."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli.simulate_commands import compare_command, erlang_command, simulate_command

SMALL = ["--calls", "300", "--agents", "3", "--arrival-rate", "1", "--service-mean", "4",
         "--patience-mean", "3"]


@pytest.fixture
def holdwell() -> click.Group:
    group = click.Group("holdwell")
    for command in (simulate_command, compare_command, erlang_command):
        group.add_command(command)
    return group


@pytest.mark.parametrize(("args", "message"), [
    (["simulate", "--staffing", "0:2.5"], "whole numbers"),
    (["simulate", "--seed", "-1"], "x>=0"),
    (["simulate", "--out", "no/such/folder/calls.csv"], "does not exist"),
    (["simulate", "--out", "calls.txt"], ".csv or .parquet"),
    (["compare", "--policies", ""], "name at least one"),
    (["compare", "--policies", " , "], "name at least one"),
    (["simulate", "--callback-retries", "1000"], "0<=x<=20"),
    (["simulate", "--warmup", "-5"], "x>=0"),
    (["compare", "--callback-answer-p", "1.5"], "'--callback-answer-p': 1.5 is not in"),
    (["simulate", "--agents", "-1"], "'--agents': -1 is not in the range 0<=x<=100000"),
    (["simulate", "--arrival-rate", "nan"], "'--arrival-rate': 'nan' is not a finite"),
    (["simulate", "--service-mean", "1e300"], "'--service-mean': 1e+300 is not in"),
    # an OverflowError ("unexpected error"), and a mean talk of 36 s for the 300 s asked
    (["simulate", "--service", "weibull:0.001"], "weibull shape K: must be from 0.3 to 1000"),
    (["simulate", "--service", "lognormal:1e308"], "lognormal SIGMA: must be from 0 to 2"),
    (["compare", "--service", "lognormal:5"], "would not average the mean asked for"),
    (["simulate", "--patience", "weibull:0.05"], "--patience weibull shape K: must be"),
    (["simulate", "--service", "foo"], "write one of exponential, weibull:K or lognormal:SIGMA"),
    (["erlang", "--agents", "2", "--arrival-rate", "1", "--service-mean", "5",
      "--patience-mean", "0"], "--patience-mean"),
    (["erlang", "--agents", "2", "--arrival-rate", "inf", "--service-mean", "5"],
     "--arrival-rate"),
    (["erlang", "--arrival-rate", "2", "--service-mean", "5", "--patience-mean", "2",
      "--target-abandonment", "1.5"], "fraction in (0, 1)"),
    (["erlang", "--arrival-rate", "10", "--service-mean", "1",
      "--target-abandonment", "0.05"], "nobody abandons"),
    # an OverflowError, a numpy "Maximum allowed size exceeded", a MemoryError for 149 GiB
    (["erlang", "--agents", "5", "--arrival-rate", "1e308", "--service-mean", "3",
      "--patience-mean", "2"], "offered load"),
    (["erlang", "--agents", "5", "--arrival-rate", "10", "--service-mean", "3",
      "--patience-mean", "1e300"], "2,000,000 in line"),
    (["erlang", "--agents", "5", "--arrival-rate", "1e10", "--service-mean", "3",
      "--patience-mean", "2"], "2,000,000 in line"),
    (["erlang", "--agents", "5", "--arrival-rate", "1", "--service-mean", "3",
      "--patience-mean", "2", "--target-abandonment", "0.1"], "not both"),  # --agents ignored
])
def test_bad_input_is_refused_before_running(holdwell: click.Group, args: list[str],
                                             message: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    extra = SMALL if args[0] != "erlang" else []
    if "--staffing" in args:  # it replaces --agents, which is refused beside it
        extra = [a for i, a in enumerate(extra) if "--agents" not in extra[max(i - 1, 0):i + 1]]
    result = CliRunner().invoke(holdwell, [args[0], *extra, *args[1:]])  # the case last
    assert result.exit_code != 0
    assert "Traceback" not in result.output and message in result.output
    assert "calls" not in (result.stdout.splitlines() or [""])[0]  # nothing was simulated


def test_erlang_in_heavy_overload_and_overstaffing_answers(holdwell: click.Group) -> None:
    for args in (["--agents", "100", "--arrival-rate", "2000", "--service-mean", "5",
                  "--patience-mean", "3"],
                 ["--agents", "2000", "--arrival-rate", "100", "--service-mean", "5",
                  "--patience-mean", "2"]):
        result = CliRunner().invoke(holdwell, ["erlang", *args, "--json"])
        assert result.exit_code == 0, result.output
        figures = json.loads(result.stdout)
        assert all(0 <= figures[k] <= 1 for k in ("p_wait", "p_abandon",
                                                    "service_level_counting_abandons"))


def test_warmup_says_what_was_counted(holdwell: click.Group) -> None:
    result = CliRunner().invoke(holdwell, ["simulate", "--policy", "silence", *SMALL,
                                           "--warmup", "30"])
    assert result.exit_code == 0, result.output
    assert "30-minute warm-up" in result.stdout and "of 300 calls" in result.stdout
    data = CliRunner().invoke(holdwell, ["simulate", "--policy", "silence", *SMALL,
                                         "--warmup", "30", "--json"])
    summary = json.loads(data.stdout)
    assert summary["calls_simulated"] == 300 and 230 < summary["calls"] < 300
    assert summary["warmup_s"] == 1800


def test_late_callbacks_are_reported(holdwell: click.Group) -> None:
    result = CliRunner().invoke(holdwell, ["simulate", "--policy", "callback", "--calls", "1500",
                                           "--agents", "3", "--arrival-rate", "0.6",
                                           "--service-mean", "5", "--patience-mean", "8"])
    assert result.exit_code == 0, result.output
    assert "callback promises broken:" in result.stdout and "given a band" in result.stdout


def test_a_warmup_removes_the_empty_start_bias_in_overload() -> None:
    """Overloaded (rho 1.5): the first ~agents callers find free agents only because the run
    starts empty, which flatters P(wait > 0) by about agents / calls; a warm-up cuts it."""
    import numpy as np

    from simulator.behaviour import Reactions
    from simulator.erlang import ErlangA
    from simulator.run import policy_named, simulate
    from simulator.scenario import simple_scenario

    scenario = simple_scenario(calls=3000, agents=50, arrivals_per_min=15, service_mean_min=5,
                               patience_mean_min=2, reactions=Reactions.off())
    exact = ErlangA(15, 0.2, 0.5, 50).p_wait
    cold = simulate(scenario, policy_named("silence"), np.random.default_rng(1)).summary
    warm = simulate(scenario, policy_named("silence"), np.random.default_rng(1),
                    warmup_s=1200).summary
    assert exact - cold["p_wait"] > 0.01
    assert abs(warm["p_wait"] - exact) < 0.3 * (exact - cold["p_wait"])


def test_erlang_c_past_its_agents_says_the_line_never_settles(holdwell: click.Group) -> None:
    """30 Erlang on 2 agents who are never left printed P(wait) 100% and E[wait] inf as if
    they were a steady state."""
    result = CliRunner().invoke(holdwell, ["erlang", "--agents", "30", "--arrival-rate", "10",
                                           "--service-mean", "3"])
    assert result.exit_code == 0, result.output
    assert "unstable" in result.stdout and "give more than 30 agents" in result.stdout
    settled = CliRunner().invoke(holdwell, ["erlang", "--agents", "31", "--arrival-rate", "10",
                                            "--service-mean", "3"])
    assert settled.exit_code == 0 and "unstable" not in settled.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--arrivals-from", "{log}", "--calls", "50"], "--calls: --arrivals-from replays"),
    (["--arrivals-from", "{log}", "--arrival-rate", "9"], "--arrival-rate: --arrivals-from"),
    (["--arrivals-from", "{log}", "--rate-profile", "0:1"], "--rate-profile: --arrivals-from"),
    (["--rate-profile", "0:1", "--arrival-rate", "9"], "--arrival-rate: --rate-profile sets"),
    (["--staffing", "0:3", "--agents", "9"], "--agents: --staffing sets the agents"),
])
def test_a_flag_another_replaces_is_refused_naming_both(holdwell: click.Group, args: list[str],
                                                        message: str, tmp_path: Path) -> None:
    """Each had run without a word, the replaced flag ignored: a different run from the one
    asked for (as --scenario beside --agents had been)."""
    log = tmp_path / "log.csv"
    made = CliRunner().invoke(holdwell, ["simulate", "--calls", "40", "--out", str(log)])
    assert made.exit_code == 0, made.output
    result = CliRunner().invoke(holdwell, ["simulate", *(a.format(log=log) for a in args)])
    assert result.exit_code == 2 and message in result.output, result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--policy", ""], "--policy: unknown ''"),  # ran the queue's own policy
    (["--rate-profile", ""], "--rate-profile: give at least one"),  # ran --arrival-rate's
    (["--staffing", ""], "--staffing: give at least one"),
    (["--staffing", "0:1e9"], "over 100,000, as --agents is"),  # --agents stops there
    (["--rate-profile", "0:1e9"], "over 5,000, as --arrival-rate is"),
])
def test_an_empty_or_outsized_day_shape_or_policy_is_refused(holdwell: click.Group,
                                                             args: list[str],
                                                             message: str) -> None:
    """An unset shell variable (`--policy "$P"`) had run something else without a word."""
    result = CliRunner().invoke(holdwell, ["simulate", "--calls", "50", *args])
    assert result.exit_code != 0 and message in result.output, result.output
