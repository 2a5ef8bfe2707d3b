"""The Erlang-A calculator against published values, a birth–death solution and its limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import logsumexp

from simulator.erlang import ErlangA, erlang_b, fewest_agents


def birth_death(lam: float, mu: float, theta: float, n: int, extra: int = 4000) -> dict:
    """P(W>0), P(Ab), E[W] from the M/M/n+M chain solved numerically (log space, truncated)."""
    k = np.arange(n + extra + 1)
    rates = np.where(k[1:] <= n, k[1:] * mu, n * mu + (k[1:] - n) * theta)
    log_p = np.concatenate(([0.0], np.cumsum(np.log(lam) - np.log(rates))))
    p = np.exp(log_p - logsumexp(log_p))
    queue = np.maximum(k - n, 0)
    mean_queue = float(np.sum(p * queue))
    return {"p_wait": float(p[n:].sum()), "p_abandon": theta * mean_queue / lam,
            "mean_wait": mean_queue / lam}


def test_published_reference_values() -> None:
    # reference/contact-center.md section 5: lambda=2/min, mu=0.2, theta=0.5, n=9
    q = ErlangA(2.0, 0.2, 0.5, 9)
    assert q.p_wait == pytest.approx(0.547406, abs=1e-6)
    assert q.p_abandon == pytest.approx(0.207861, abs=1e-6)
    assert q.mean_wait == pytest.approx(0.415723, abs=1e-6)


@pytest.mark.parametrize(("lam", "mu", "theta", "n"), [
    (2.0, 0.2, 0.5, 9), (20.0, 0.2, 0.5, 100), (4.0, 0.2, 0.05, 15), (30.0, 0.2, 1.0, 100),
    (0.5, 1.0, 2.0, 1), (5.0, 0.2, 0.3, 30),
])
def test_matches_the_birth_death_chain(lam: float, mu: float, theta: float, n: int) -> None:
    q, chain = ErlangA(lam, mu, theta, n), birth_death(lam, mu, theta, n)
    assert q.p_wait == pytest.approx(chain["p_wait"], rel=1e-7)
    assert q.p_abandon == pytest.approx(chain["p_abandon"], rel=1e-7)
    assert q.mean_wait == pytest.approx(chain["mean_wait"], rel=1e-7)


def test_abandonment_is_theta_times_mean_wait() -> None:
    q = ErlangA(12.0, 0.25, 0.4, 45)
    assert q.p_abandon == pytest.approx(q.patience_rate * q.mean_wait, rel=1e-12)
    assert q.p_abandon == pytest.approx(q.p_abandon_given_wait * q.p_wait, rel=1e-12)


def test_erlang_c_is_the_limit_of_vanishing_abandonment() -> None:
    c = ErlangA(1.0, 1.0, 0.0, 2)  # M/M/2, a = 1: C = B / (1 - rho (1 - B)) = 1/3
    assert c.p_wait == pytest.approx(1 / 3, abs=1e-12)
    assert c.mean_wait == pytest.approx((1 / 3) / (2 - 1), abs=1e-12)
    for lam, mu, n in ((1.0, 1.0, 2), (18.0, 0.2, 100), (0.9, 1.0, 1)):
        limit = ErlangA(lam, mu, 0.0, n)
        nearly = ErlangA(lam, mu, 1e-7, n)
        assert nearly.p_wait == pytest.approx(limit.p_wait, rel=1e-4)
        assert nearly.mean_wait == pytest.approx(limit.mean_wait, rel=1e-4)
        assert nearly.service_level(0.2) == pytest.approx(limit.service_level(0.2), rel=1e-4)


def test_stays_finite_and_exact_with_a_thousand_agents() -> None:
    for lam, theta in ((190.0, 0.5), (200.0, 0.5), (260.0, 0.5), (200.0, 0.001)):
        q, chain = ErlangA(lam, 0.2, theta, 1000), birth_death(lam, 0.2, theta, 1000, 20000)
        for figure in (q.p_wait, q.p_abandon, q.mean_wait, q.service_level(1 / 3)):
            assert math.isfinite(figure)
        assert q.p_wait == pytest.approx(chain["p_wait"], rel=1e-6, abs=1e-12)
        assert q.p_abandon == pytest.approx(chain["p_abandon"], rel=1e-6, abs=1e-12)
    assert ErlangA(260.0, 0.2, 0.5, 1000).p_abandon == pytest.approx(1 - 200 / 260, abs=0.01)


def test_waiting_time_law_is_consistent() -> None:
    q = ErlangA(4.0, 0.2, 0.5, 20)
    assert q.answered_within(0.0) == pytest.approx(1 - q.p_wait, abs=1e-12)
    assert q.answered_within(1e6) == pytest.approx(1 - q.p_abandon, rel=1e-9)
    levels = [q.service_level(t) for t in (0.1, 0.5, 1.0, 5.0)]
    assert levels == sorted(levels)


def test_erlang_b_recursion() -> None:
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(0, 3.0) == 1.0
    assert 0 < erlang_b(1000, 1000.0) < 0.03


def test_no_agents_means_everyone_hangs_up() -> None:
    q = ErlangA(2.0, 0.2, 0.5, 0)
    assert (q.p_wait, q.p_abandon, q.mean_wait) == (1.0, 1.0, pytest.approx(2.0))


def test_fewest_agents_meets_the_target_and_one_fewer_does_not() -> None:
    n = fewest_agents(20.0, 0.2, 0.5, max_abandon=0.02)
    assert ErlangA(20.0, 0.2, 0.5, n).p_abandon <= 0.02 < ErlangA(20.0, 0.2, 0.5, n - 1).p_abandon
    m = fewest_agents(20.0, 0.2, 0.5, min_service_level=0.8, within=1 / 3)
    # the service level counts abandons as misses: answered within 20 s / all callers
    assert ErlangA(20.0, 0.2, 0.5, m).answered_within(1 / 3) >= 0.8
    assert ErlangA(20.0, 0.2, 0.5, m - 1).answered_within(1 / 3) < 0.8


def test_a_service_level_target_is_not_met_by_letting_callers_hang_up() -> None:
    # very impatient callers: among the answered, almost all are quick even with few agents
    n = fewest_agents(10.0, 0.2, 20.0, min_service_level=0.8, within=1 / 3)
    assert ErlangA(10.0, 0.2, 20.0, n).p_abandon < 0.2
    assert ErlangA(10.0, 0.2, 20.0, 1).service_level(1 / 3) >= 0.8  # the old answer: 1 agent
    assert n >= 40  # offered load is 50 Erlang


def test_heavy_overload_and_overstaffing_stay_finite() -> None:
    over = ErlangA(2000.0, 0.2, 1 / 3, 100)  # issue 15: OverflowError
    assert over.p_abandon == pytest.approx(1 - 100 * 0.2 / 2000, abs=2e-3)
    assert 0 <= over.p_abandon_given_wait <= 1 and over.p_wait == pytest.approx(1.0)
    idle = ErlangA(100.0, 0.2, 0.5, 2000)  # issue 15: math domain error
    assert idle.p_wait == 0.0 and idle.p_abandon == 0.0
    assert idle.service_level(1 / 3) == pytest.approx(1.0)
    n = fewest_agents(2000.0 * 4.75, 0.2, 1 / 3, max_abandon=0.02)  # ~47,500 Erlang offered
    assert ErlangA(9500.0, 0.2, 1 / 3, n).p_abandon <= 0.02


def test_log_erlang_b_matches_the_recursion_where_both_work() -> None:
    for n, load in ((1, 0.5), (10, 8.0), (100, 100.0), (300, 150.0), (50, 400.0)):
        b = 1.0
        for k in range(1, n + 1):
            b = load * b / (k + load * b)
        assert erlang_b(n, load) == pytest.approx(b, rel=1e-9)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"max_abandon": 1.5}, "fraction in"), ({"max_abandon": 0.0}, "fraction in"),
    ({"min_service_level": -0.2}, "fraction in"), ({"min_service_level": 1.0}, "fraction in"),
    ({}, "give max_abandon"),
])
def test_invalid_targets_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fewest_agents(20.0, 0.2, 0.5, **kwargs)


def test_erlang_c_targets_need_a_stable_queue() -> None:
    # rho = 10 at one agent: issue 15 found 1 agent "met" a target without patience
    assert fewest_agents(10.0, 1.0, 0.0, min_service_level=0.8) > 10
    with pytest.raises(ValueError, match="nobody abandons"):
        fewest_agents(10.0, 1.0, 0.0, max_abandon=0.05)
    with pytest.raises(ValueError, match="finite"):
        ErlangA(math.inf, 0.2, 0.5, 3)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="rates"):
        ErlangA(-1.0, 0.2, 0.5, 3)
    with pytest.raises(ValueError, match="never empties"):
        ErlangA(1.0, 0.2, 0.0, 0)


def test_with_no_agents_the_service_level_is_not_a_number_said_n_a() -> None:
    """Answered within T / answered is 0/0 when nobody is answered: `holdwell erlang` had
    said 0.0 where `simulate` says n/a (a reviewer's finding)."""
    import math

    from click.testing import CliRunner

    from cli.main import cli

    assert math.isnan(ErlangA(1.0, 1 / 3, 0.5, 0).service_level(1 / 3))
    said = CliRunner().invoke(cli, ["erlang", "--arrival-rate", "1", "--service-mean", "3",
                                    "--patience-mean", "2", "--agents", "0", "--json"])
    assert said.exit_code == 0 and '"service_level": null' in said.output
