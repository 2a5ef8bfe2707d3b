"""Days with a shape: rate profiles, staffing schedules and arrivals replayed from a log."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from cli.main import cli
from simulator.scenario import ScenarioError, parse_steps

BASE = ["simulate", "--policy", "silence", "--service-mean", "5", "--patience-mean", "3",
        "--reactions", "off", "--seed", "3", "--json"]


def simulate(tmp_path, name, *extra):
    out = tmp_path / f"{name}.csv"
    result = CliRunner().invoke(cli, [*BASE, *extra, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out, parse_dates=["entered_at"])


def minute_of_day(frame: pd.DataFrame) -> pd.Series:
    entered = frame["entered_at"]
    return entered.dt.hour * 60 + entered.dt.minute


def test_a_rate_profile_puts_calls_only_where_the_rate_is_positive(tmp_path):
    calls = simulate(tmp_path, "office", "--calls", "2000", "--agents", "10",
                     "--rate-profile", "0:0,480:3,1020:0")
    minutes = minute_of_day(calls)
    assert minutes.between(480, 1019).all()


def test_a_staffing_schedule_leaves_early_callers_unanswered(tmp_path):
    calls = simulate(tmp_path, "late", "--calls", "1500", "--arrival-rate", "1",
                     "--staffing", "0:0,600:10")
    early = calls[minute_of_day(calls) < 540]  # an hour before the first agent arrives
    assert len(early) > 100 and (early["outcome"] == "abandoned").all()
    later = calls[minute_of_day(calls) >= 660]
    assert (later["outcome"] == "answered").mean() > 0.8


def test_arrivals_replayed_from_a_records_file_keep_their_times(tmp_path):
    first = simulate(tmp_path, "first", "--calls", "500", "--agents", "3",
                     "--arrival-rate", "0.7")
    replayed = simulate(tmp_path, "replay", "--arrivals-from", str(tmp_path / "first.csv"),
                        "--agents", "3")
    assert len(replayed) == len(first)
    gaps = (replayed["entered_at"] - first["entered_at"]).dt.total_seconds()
    assert (gaps - gaps.iloc[0]).abs().max() < 1e-3  # same times, shifted to one day


@pytest.mark.parametrize("text", ["", "0-2", "0:two", "480:3,"])
def test_bad_steps_are_named(text):
    if text == "480:3,":
        assert parse_steps(text, "--staffing") == ((480.0, 3.0),)
        return
    with pytest.raises(ScenarioError, match="--staffing"):
        parse_steps(text, "--staffing")


def test_arrivals_replayed_at_nanosecond_times_say_no_pandas_warning(tmp_path):
    """Times kept to the nanosecond had printed pandas' "Discarding nonzero nanoseconds"
    warning, with a source path, on stderr (a reviewer's finding)."""
    import warnings

    first = simulate(tmp_path, "first", "--calls", "50", "--agents", "3")
    first["entered_at"] = first["entered_at"] + pd.to_timedelta(7, unit="ns")
    first.to_parquet(tmp_path / "ns.parquet")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        simulate(tmp_path, "replay", "--arrivals-from", str(tmp_path / "ns.parquet"),
                 "--agents", "3")
    assert not [w for w in said if "nanoseconds" in str(w.message)]


def test_a_compare_output_is_replayed_one_policy_at_a_time(tmp_path):
    """`compare --out` holds one set of callers per policy: replayed whole, two policies had
    offered each caller twice, twice the load, without a word (analyst walk A3)."""
    out = tmp_path / "compared.csv"
    runner = CliRunner()
    made = runner.invoke(cli, ["compare", "--policies", "silence,checkin", "--calls", "200",
                               "--agents", "3", "--seed", "1", "--out", str(out)])
    assert made.exit_code == 0, made.output
    whole = runner.invoke(cli, ["simulate", "--policy", "checkin", "--arrivals-from", str(out),
                                "--agents", "3"])
    assert whole.exit_code != 0
    assert "checkin and silence share 200 entry times" in whole.output
    assert "pass --arrivals-policy, one of checkin, silence" in whole.output
    one = simulate(tmp_path, "replay", "--arrivals-from", str(out),
                   "--arrivals-policy", "silence")
    assert len(one) == 200
    wrong = runner.invoke(cli, ["simulate", "--policy", "checkin", "--arrivals-from", str(out),
                                "--arrivals-policy", "music_ads"])
    assert "has no calls under it (it has checkin, silence)" in wrong.output


def test_a_plain_list_of_arrival_times_is_replayed(tmp_path):
    """Another system's arrival times alone (one entered_at column) had been refused for
    want of orig_position, announcements and every record column (analyst audit 36, D12)."""
    times = pd.DataFrame({"entered_at": ["2026-03-02T09:00:00Z", "2026-03-02T09:00:40Z",
                                         "2026-03-02T09:03:00+01:00", "2026-03-02T10:15:00"]})
    times.to_csv(tmp_path / "arrivals.csv", index=False)
    replayed = simulate(tmp_path, "plain", "--arrivals-from", str(tmp_path / "arrivals.csv"),
                        "--agents", "1")
    assert sorted(replayed["entered_at"].dt.strftime("%H:%M:%S")) == [
        "08:03:00", "09:00:00", "09:00:40", "10:15:00"]
    refused = CliRunner().invoke(cli, [*BASE, "--arrivals-from",
                                       str(tmp_path / "arrivals.csv"), "--arrivals-policy",
                                       "silence"])
    assert refused.exit_code != 0 and "no policies to pick from" in refused.output
    (tmp_path / "nothing.csv").write_text("when\n2026-03-02T09:00:00Z\n")
    neither = CliRunner().invoke(cli, [*BASE, "--arrivals-from", str(tmp_path / "nothing.csv")])
    assert neither.exit_code != 0 and "an entered_at column of ISO-8601 times" in neither.output
    (tmp_path / "bad.csv").write_text("entered_at\nyesterday\n")
    bad = CliRunner().invoke(cli, [*BASE, "--arrivals-from", str(tmp_path / "bad.csv")])
    assert bad.exit_code != 0 and "not ISO-8601 times" in bad.output
