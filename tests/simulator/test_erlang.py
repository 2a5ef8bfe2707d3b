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
    assert ErlangA(20.0, 0.2, 0.5, m).service_level(1 / 3) >= 0.8
    assert ErlangA(20.0, 0.2, 0.5, m - 1).service_level(1 / 3) < 0.8


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="rates"):
        ErlangA(-1.0, 0.2, 0.5, 3)
    with pytest.raises(ValueError, match="never empties"):
        ErlangA(1.0, 0.2, 0.0, 0)
