"""`holdwell simulate`, `compare` and `erlang` through click's runner (STYLE habit 11)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from cli.simulate_commands import ENGINES, compare_command, erlang_command, simulate_command

SMALL = ["--calls", "2000", "--agents", "5", "--arrival-rate", "1", "--service-mean", "5",
         "--patience-mean", "4", "--seed", "3"]
KEYS = {"abandonment_rate", "abandonment_rate_ci", "p_wait", "mean_wait_s", "asa_s",
        "service_level", "callbacks_requested", "callbacks_connected", "callbacks_failed",
        "callback_promise_kept_rate", "calls", "wall_s", "policy"}


@pytest.fixture
def holdwell() -> click.Group:
    group = click.Group("holdwell")
    for command in (simulate_command, compare_command, erlang_command):
        group.add_command(command)
    return group


def test_simulate_json_has_the_summary(holdwell: click.Group) -> None:
    result = CliRunner().invoke(holdwell, ["simulate", "--policy", "callback", *SMALL, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary.keys() >= KEYS
    assert summary["calls"] == 2000 and summary["policy"] == "callback"
    low, high = summary["abandonment_rate_ci"]
    assert low <= summary["abandonment_rate"] <= high


def test_simulate_table_names_units_and_definitions(holdwell: click.Group) -> None:
    result = CliRunner().invoke(holdwell, ["simulate", "--policy", "checkin", *SMALL,
                                           "--patience", "weibull:1.5"])
    assert result.exit_code == 0, result.output
    assert "abandonment (95% CI)" in result.stdout and " s" in result.stdout
    assert "definitions:" in result.stdout and "Weibull k=1.5" in result.stdout


def test_a_daily_profile_is_described_as_its_range_and_mean(holdwell: click.Group) -> None:
    """The README's worked example had printed "0.770833 calls/min, 3.79167 agents": the
    daily means of a profile of 0-2 calls/min and 2-9 agents, read as constants."""
    result = CliRunner().invoke(holdwell, [
        "simulate", "--policy", "checkin", "--calls", "300", "--seed", "3",
        "--rate-profile", "0:0,420:0.8,540:2,720:1.6,960:1.2,1140:0.3,1320:0",
        "--staffing", "0:0,420:4,540:9,720:8,960:6,1140:2,1320:0", "--service-mean", "5"])
    assert result.exit_code == 0, result.output
    head = result.stdout.splitlines()[0]
    assert "0-2 calls/min over the day, mean 0.771" in head
    assert "0-9 agents over the day, mean 3.79" in head
    steady = CliRunner().invoke(holdwell, ["simulate", "--policy", "checkin", *SMALL])
    assert "1 calls/min, 5 agents" in steady.stdout.splitlines()[0]


def test_a_fitted_twins_shapes_and_means_are_said_to_three_figures(holdwell: click.Group):
    """`compare --scenario` of a fitted twin had headed its table "talk lognormal
    sigma=0.80551, mean 4.98018 min, patience Weibull k=0.80554, mean 2.94953 min": digits
    no fit knows. A long mean is said whole."""
    from simulator.distributions import Empirical, Exponential, Lognormal, Weibull

    assert Lognormal(298.8108, 0.80551).describe() == "lognormal sigma=0.806, mean 4.98 min"
    assert Weibull(176.9718, 0.80554).describe() == "Weibull k=0.806, mean 2.95 min"
    assert Exponential(120_000.0).describe() == "exponential, mean 2,000 min"
    assert Empirical((60.0, 120.0), (0.5, 0.25)).describe().endswith("mean 1.86 min")
    result = CliRunner().invoke(holdwell, ["simulate", *SMALL, "--service", "lognormal:0.80551",
                                           "--service-mean", "4.98018"])
    assert "talk lognormal sigma=0.806, mean 4.98 min" in result.stdout.splitlines()[0]


def test_simulated_shares_show_the_precision_their_intervals_allow(holdwell: click.Group):
    """A 95% interval points wide under "11.93% [10.09–13.78]": the second decimal is noise,
    so simulated shares show one (more only where one would read 0 or 100)."""
    result = CliRunner().invoke(holdwell, ["simulate", "--calls", "3000"])
    assert result.exit_code == 0, result.output
    unserved = next(line for line in result.stdout.splitlines()
                    if line.startswith("unserved (95% CI)"))
    assert re.search(r"\s\d+\.\d% \[\d+\.\d–\d+\.\d%\]$", unserved), unserved
    shares = [line for line in result.stdout.splitlines()
              if line.startswith(("had to wait", "service level"))]
    assert shares and all(re.search(r"\s\d+\.\d%$", line) for line in shares), shares


def test_simulate_writes_records_analytics_can_read(holdwell: click.Group,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "calls.csv"
    result = CliRunner().invoke(holdwell, ["simulate", "--policy", "silence", *SMALL,
                                           "--reactions", "off", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert len(frame) == 2000 and {"call_id", "outcome", "wait_s", "entered_at"} <= set(frame)
    from analytics.records import load_records

    assert len(load_records(out)) == 2000


def test_compare_json_is_a_list_on_the_same_callers(holdwell: click.Group) -> None:
    result = CliRunner().invoke(holdwell, ["compare", "--policies", "silence,music_ads",
                                           *SMALL, "--reactions", "off", "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert [r["policy"] for r in runs] == ["silence", "music_ads"]
    assert runs[0]["abandonment_rate"] == runs[1]["abandonment_rate"]  # deaf callers, same CRN


def test_compare_pairs_each_policy_with_the_first_over_the_same_callers(holdwell):
    """compare printed each policy's own interval and nothing paired, though its callers are
    shared (analyst audit 36, D4): the difference from the first policy is paired, and far
    tighter than the two rates' intervals."""
    result = CliRunner().invoke(holdwell, ["compare", "--policies", "music_ads,callback",
                                           *SMALL, "--calls", "6000", "--json"])
    assert result.exit_code == 0, result.output
    first, callback = json.loads(result.stdout)
    assert "unserved_vs_first" not in first
    difference, low, high = callback["unserved_vs_first"]
    assert difference == pytest.approx(callback["unserved_rate"] - first["unserved_rate"])
    assert low < difference < high
    unpaired = sum((ci[1] - ci[0]) / 2 for ci in (first["unserved_rate_ci"],
                                                   callback["unserved_rate_ci"]))
    assert (high - low) / 2 < unpaired / 2
    deaf = CliRunner().invoke(holdwell, ["compare", "--policies", "silence,music_ads",
                                         *SMALL, "--reactions", "off", "--json"])
    assert json.loads(deaf.stdout)[1]["unserved_vs_first"] == [0.0, 0.0, 0.0]  # same fates
    table = CliRunner().invoke(holdwell, ["compare", "--policies", "music_ads,callback",
                                          *SMALL]).stdout
    row = next(line for line in table.splitlines() if line.startswith("unserved vs the first"))
    assert re.search(r"—\s+[-+][\d.]+ pp \[[-+][\d.]+ pp, [-+][\d.]+ pp\]$", row), row
    single = CliRunner().invoke(holdwell, ["simulate", *SMALL]).stdout
    assert "unserved vs the first" not in single  # one policy: nothing to pair


def test_compare_table_puts_policies_side_by_side(holdwell: click.Group) -> None:
    result = CliRunner().invoke(holdwell, ["compare", *SMALL])
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[2]
    assert all(name in header for name in ("silence", "checkin", "callback", "music_ads"))


def test_erlang_figures_and_staffing(holdwell: click.Group) -> None:
    result = CliRunner().invoke(holdwell, ["erlang", "--agents", "9", "--arrival-rate", "2",
                                           "--service-mean", "5", "--patience-mean", "2",
                                           "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["p_abandon"] == pytest.approx(0.207861, abs=1e-6)
    result = CliRunner().invoke(holdwell, ["erlang", "--arrival-rate", "20", "--service-mean",
                                           "5", "--patience-mean", "2",
                                           "--target-abandonment", "0.02"])
    assert result.exit_code == 0, result.output
    assert "fewest agents meeting the target (P(abandon) at most 2.00%): 108" in result.stdout
    assert "P(abandon)" in result.stdout


def test_erlang_json_says_when_the_queue_is_unstable(holdwell: click.Group) -> None:
    """10 Erlang on 9 agents, nobody hanging up: the JSON had said p_abandon 0.0 and nothing
    more, while the text said the line grows without end."""
    args = ["erlang", "--arrival-rate", "2", "--service-mean", "5", "--json"]
    unstable = json.loads(CliRunner().invoke(holdwell, [*args, "--agents", "9"]).stdout)
    assert unstable["stable"] is False and "grows without end" in unstable["note"]
    stable = json.loads(CliRunner().invoke(holdwell, [*args, "--agents", "11"]).stdout)
    assert stable["stable"] is True and stable["note"] is None
    with_patience = json.loads(CliRunner().invoke(
        holdwell, [*args, "--agents", "9", "--patience-mean", "3"]).stdout)
    assert with_patience["stable"] is True  # abandonment keeps an Erlang-A queue finite


def test_erlang_never_rounds_a_chance_to_none_or_all(holdwell):
    """20 agents for 6 Erlang: a caller waits with chance 0.001%, which had read "0.00%",
    and "100.00%" answered within 20 s of all callers, which is not quite all."""
    result = CliRunner().invoke(holdwell, ["erlang", "--agents", "20", "--arrival-rate", "2",
                                           "--service-mean", "3", "--patience-mean", "5"])
    assert result.exit_code == 0, result.output
    wait = next(line for line in result.stdout.splitlines() if "P(wait > 0)" in line)
    assert "0.001%" in wait
    assert "0.00%" not in result.stdout and "100.00%" not in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["simulate", "--arrival-rate", "-2"], "'--arrival-rate': -2.0 is not in the range 0<x"),
    (["simulate", "--agents", "0", "--patience", "none"], "zero agents"),
    (["simulate", "--agents", "1", "--arrival-rate", "5", "--patience", "none"],
     "the queue never drains"),
    (["simulate", "--patience", "gamma:2"], "write one of"),
    (["compare", "--policies", "silence,jazz"], "--policies: unknown 'jazz'"),
    (["simulate", "--policy", "jazz"], "--policy: unknown 'jazz'"),
    (["simulate", "--rate-profile", "480:3,0:0.2"],
     "--rate-profile: arrival rate (calls per minute): the first step must start at minute 0"),
    (["simulate", "--staffing", "60:3,0:2"], "--staffing: agents: the first step must start"),
    (["erlang", "--agents", "0", "--arrival-rate", "1", "--service-mean", "5"], "never empties"),
    (["erlang", "--agents", "-1", "--arrival-rate", "1", "--service-mean", "5"],
     "Invalid value for '--agents': -1 is not in the range x>=0"),  # had named no option
])
def test_bad_input_gives_a_clear_error(holdwell: click.Group, args: list[str],
                                       message: str) -> None:
    result = CliRunner().invoke(holdwell, [*args, "--calls", "10"] if args[0] != "erlang"
                                else args)
    assert result.exit_code != 0
    assert message in result.output


def test_engines_are_looked_up_by_name() -> None:
    assert set(ENGINES) >= {"fast"}


def test_compare_writes_every_policys_records_to_one_file_the_report_reads(
        holdwell: click.Group, tmp_path) -> None:
    """compare had no --out: a report on several simulated policies took one simulate --out
    per policy."""
    import json

    from cli.report_commands import report_command

    out = tmp_path / "all.parquet"
    result = CliRunner().invoke(holdwell, ["compare", "--policies", "silence,checkin",
                                           "--calls", "300", "--seed", "3", "--json",
                                           "--out", str(out)])
    assert result.exit_code == 0, result.output
    simulated = {s["policy"]: s["calls"] for s in json.loads(result.stdout)}
    report = CliRunner().invoke(report_command, ["--records", str(out), "--json"])
    assert report.exit_code == 0, report.output
    reported = {p["policy"]: p["calls"] for p in json.loads(report.stdout)["policies"]}
    assert reported == simulated == {"silence": 300, "checkin": 300}
    refused = CliRunner().invoke(holdwell, ["compare", "--calls", "10", "--out",
                                            str(tmp_path / "all.txt")])
    assert refused.exit_code == 2 and "writes .csv or .parquet" in refused.output


def test_one_call_and_one_agent_are_said_in_the_singular(holdwell: click.Group) -> None:
    """The header had said "1 calls" (analyst audit 36, D13)."""
    result = CliRunner().invoke(holdwell, ["simulate", "--calls", "1", "--agents", "1",
                                           "--arrival-rate", "1", "--service-mean", "1",
                                           "--patience-mean", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 call, 1 calls/min, 1 agent, ")
