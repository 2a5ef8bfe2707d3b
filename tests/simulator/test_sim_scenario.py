"""Scenarios: arrivals over the day, staffing, and clear errors for input that cannot run."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.distributions import (
    DistributionError,
    Empirical,
    Exponential,
    Lognormal,
    NoPatience,
    Weibull,
    parse_distribution,
)
from simulator.run import policy_named
from simulator.scenario import (
    Callbacks,
    RateProfile,
    ReplayedArrivals,
    Scenario,
    ScenarioError,
    Staffing,
    simple_scenario,
)
from simulator.streams import arrival_times


def basic(**changes) -> Scenario:
    values = {"calls": 100, "agents": 3, "arrivals_per_min": 1.0, "service_mean_min": 5.0,
              "patience_mean_min": 2.0} | changes
    return simple_scenario(**values)


@pytest.mark.parametrize(("changes", "message"), [
    ({"arrivals_per_min": -2.0}, "arrival rate .* must be >= 0"),
    ({"arrivals_per_min": 0.0}, "no calls"),
    ({"agents": -1}, "agents: value at minute 0 must be >= 0"),
    ({"calls": 0}, "calls: must be a whole number >= 1"),
    ({"service_mean_min": 0.0}, "service: the mean must be a positive"),
    ({"patience_mean_min": -1.0}, "patience mean: must be > 0"),
    ({"agents": 0, "patience": NoPatience()}, "zero agents and callers who never hang up"),
    # 5 calls/min x 5 min = 25 Erlang: 25 agents never catch up with callers who never leave
    ({"agents": 25, "arrivals_per_min": 5.0, "patience": NoPatience()},
     "25 Erlang of work for 25 agent.*never drains.*--patience exponential.*more than 25 agents"
     ".*below 5 calls/min"),
])
def test_bad_input_says_what_is_wrong(changes: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        basic(**changes)


def test_callers_who_never_hang_up_are_fine_where_the_agents_keep_up() -> None:
    assert basic(agents=26, arrivals_per_min=5.0, patience=NoPatience()).agents.mean == 26


def test_other_bad_parts_are_named() -> None:
    with pytest.raises(ScenarioError, match="policy: unknown 'jazz'; choose from silence"):
        policy_named("jazz")
    with pytest.raises(ScenarioError, match="callbacks.answer_p"):
        Callbacks(answer_p=2.0)
    with pytest.raises(ScenarioError, match="sorted"):
        ReplayedArrivals((5.0, 1.0))
    with pytest.raises(ScenarioError, match="first step must start at minute 0"):
        Staffing(((60.0, 3),))
    with pytest.raises(ScenarioError, match="2 arrival times replayed"):
        Scenario(calls=5, arrivals=ReplayedArrivals((1.0, 2.0)), agents=Staffing.constant(1),
                 service=Exponential(60.0), patience=Exponential(60.0))
    with pytest.raises(DistributionError, match="write one of exponential, weibull:K"):
        parse_distribution("gamma:2", 60.0)
    with pytest.raises(DistributionError, match="weibull shape K: must be a positive"):
        parse_distribution("weibull:-1", 60.0)


def test_distributions_keep_their_mean() -> None:
    rng = np.random.default_rng(0)
    for dist in (Exponential(120.0), Weibull(120.0, 0.7), Weibull(120.0, 2.0),
                 Lognormal(120.0, 1.0), parse_distribution("lognormal:0.5", 120.0)):
        assert dist.sample(rng, 200_000).mean() == pytest.approx(120.0, rel=0.02)
    assert np.isinf(NoPatience().sample(rng, 3)).all()


def test_empirical_patience_is_fitted_from_logs_with_censoring() -> None:
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(1)
    patience, answered_at = rng.exponential(100.0, 5000), rng.exponential(150.0, 5000)
    waits, abandoned = np.minimum(patience, answered_at), patience < answered_at
    fitted = Empirical.from_waits(waits, abandoned)
    km = KaplanMeierFitter().fit(waits, abandoned)
    at = np.array([20.0, 80.0, 200.0])
    expected = km.survival_function_at_times(at).to_numpy()
    index = np.searchsorted(fitted.times_s, at, side="right") - 1
    np.testing.assert_allclose(np.asarray(fitted.survival)[index], expected, atol=1e-9)
    assert fitted.mean_s == pytest.approx(100.0, rel=0.1)
    assert fitted.sample(rng, 100_000).mean() == pytest.approx(fitted.mean_s, rel=0.03)


def test_arrivals_follow_the_daily_profile() -> None:
    # nobody calls 0:00-8:00; 2 calls/min 8:00-20:00; 0.5/min after: 1,560 calls a day
    profile = RateProfile(((0.0, 0.0), (480.0, 2.0), (1200.0, 0.5)))
    assert profile.daily_calls == pytest.approx(1560.0)
    times = arrival_times(profile, 15_600, np.random.default_rng(2))
    minute_of_day = (times % 86_400) / 60
    assert not np.any(minute_of_day < 480)
    day_share = np.mean(minute_of_day < 1200)
    assert day_share == pytest.approx(1440 / 1560, abs=0.01)
    per_day = np.bincount((times // 86_400).astype(int))[:9]  # complete days
    assert per_day.mean() == pytest.approx(1560, rel=0.03)


def test_constant_rate_arrivals_are_poisson() -> None:
    gaps = np.diff(arrival_times(RateProfile.constant(3.0), 50_000, np.random.default_rng(3)))
    assert gaps.mean() == pytest.approx(20.0, rel=0.02)
    assert gaps.std() == pytest.approx(20.0, rel=0.03)


@pytest.mark.parametrize("spelling", ["empirical:calls.csv", "none"])
def test_talk_times_refuse_the_spellings_only_patience_takes(spelling) -> None:
    """`--service empirical:FILE` had sampled talk times from the file's curve of hang-ups
    (the header said talk and patience had the same mean), ignoring --service-mean."""
    from simulator.distributions import DistributionError, parse_distribution

    with pytest.raises(DistributionError, match=r"--service: (empirical|none) is for patience"):
        parse_distribution(spelling, 300.0, what="--service", patience=False)


def test_an_empirical_file_with_a_bad_wait_is_named_by_its_line(tmp_path) -> None:
    """By its line in the file, as `report` names a bad cell (it had said "row 3" of the
    cell on line 4)."""
    from simulator.distributions import DistributionError, load_empirical

    path = tmp_path / "calls.csv"
    path.write_text("wait_s,outcome\n10,abandoned\n5,callback_connected\nabc,answered\n"
                    "-3,abandoned\n")
    with pytest.raises(DistributionError, match=r"column 'wait_s': 1 value\(s\) \(line 4: 'abc'\)"
                                                r" are not numbers; column 'wait_s': 1 "
                                                r"value\(s\) \(line 5: '-3'\) are negative"):
        load_empirical(str(path))


def test_an_empirical_parquet_file_with_a_bad_wait_is_named_by_its_row(tmp_path) -> None:
    import pandas as pd

    from simulator.distributions import DistributionError, load_empirical

    path = tmp_path / "calls.parquet"
    pd.DataFrame({"wait_s": [10.0, -3.0], "outcome": ["abandoned", "answered"]}).to_parquet(path)
    with pytest.raises(DistributionError, match=r"\(data row 2: -3\.0\) are negative"):
        load_empirical(str(path))


def test_an_empirical_file_whose_hang_ups_all_came_at_one_wait_is_refused(tmp_path) -> None:
    """One hang-up at 0 s among callers answered after up to 154 s: the curve had one step
    and no tail rate, and simulate gave every caller about a second of patience (a
    reviewer's finding; `holdwell fit` already refused the same log)."""
    from simulator.distributions import DistributionError, load_empirical

    path = tmp_path / "calls.csv"
    path.write_text("wait_s,outcome\n0,abandoned\n" + "".join(
        f"{wait},answered\n" for wait in range(10, 160, 10)))
    with pytest.raises(DistributionError, match=r"all 1 hang-ups in the log came after the "
                                                r"same wait \(0 s\): no spread"):
        load_empirical(str(path))
