"""The wait estimator: honest, conservative, and silent without data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hold_policies.estimate import (
    QueueFlow,
    band_for,
    digamma,
    estimate_wait,
    f_quantile,
    gamma_quantile,
    hang_up_hazard,
    normal_quantile,
    time_to_front,
    trigamma,
)


@pytest.mark.parametrize("p", [0.001, 0.02, 0.1, 0.5, 0.8, 0.9, 0.975, 0.999])
def test_normal_quantile_matches_scipy(p):
    assert normal_quantile(p) == pytest.approx(stats.norm.ppf(p), abs=1e-7)


@pytest.mark.parametrize("shape", [1, 2, 3, 5, 10, 40])
def test_gamma_quantile_is_close_to_exact(shape):
    exact = stats.gamma.ppf(0.9, shape)
    assert gamma_quantile(shape, 0.9) == pytest.approx(exact, rel=0.02)


def test_no_estimate_with_too_few_departures():
    assert estimate_wait(3, QueueFlow(departures=4, window_s=900), min_departures=5) is None
    assert estimate_wait(3, QueueFlow(departures=5, window_s=900), min_departures=5) is not None
    assert estimate_wait(3, QueueFlow(departures=50, window_s=0)) is None


def test_expected_wait_is_position_over_rate_and_upper_is_above_it():
    estimate = estimate_wait(4, QueueFlow(departures=60, window_s=600))  # 0.1 per second
    assert estimate.expected_s == pytest.approx(40.0)
    assert estimate.upper_s > estimate.expected_s


def test_upper_estimate_grows_with_position_and_shrinks_with_more_data():
    few = estimate_wait(5, QueueFlow(departures=6, window_s=60))
    many = estimate_wait(5, QueueFlow(departures=600, window_s=6000))
    assert few.expected_s == pytest.approx(many.expected_s)
    assert few.upper_s > many.upper_s
    positions = [estimate_wait(p, QueueFlow(30, 300)).upper_s for p in range(1, 10)]
    assert positions == sorted(positions)


def test_upper_estimate_covers_the_actual_wait_at_least_as_often_as_promised():
    """Simulate Poisson departures: the real wait exceeds the upper bound < 10% of the time."""
    rng = np.random.default_rng(7)
    rate, position, window = 0.05, 6, 900.0
    exceeded = 0
    for _ in range(2000):
        seen = rng.poisson(rate * window)
        estimate = estimate_wait(position, QueueFlow(int(seen), window))
        actual = rng.gamma(position, 1 / rate)
        exceeded += actual > estimate.upper_s
    assert exceeded / 2000 < 0.10


@pytest.mark.parametrize(("seconds", "minutes"), [(1, 1), (60, 1), (61, 2), (299, 5),
                                                  (301, 7), (3600, 60)])
def test_bands_round_up(seconds, minutes):
    band = band_for(seconds)
    assert band.minutes == minutes and band.seconds >= seconds


def test_band_beyond_an_hour_is_open_ended():
    band = band_for(3601)
    assert band.minutes is None and band.words() == "more than an hour"


@pytest.mark.parametrize("p", [0.6, 0.8, 0.9, 0.95, 0.99])
def test_f_quantile_is_never_more_than_2_percent_under_exact(p):
    for d1 in (2, 2.5, 3, 4, 6, 10, 20, 60, 200, 2000):
        for d2 in (2, 4, 6, 10, 20, 50, 200, 2000):
            exact = stats.f.ppf(p, d1, d2)
            ours = f_quantile(d1, d2, p)
            assert ours >= exact * 0.98, (d1, d2)
            if d2 >= 10:
                assert ours <= exact * 1.02, (d1, d2)


def test_hang_ups_move_a_caller_only_from_those_ahead():
    """100 served and 200 hang-ups in 1000 s, in a line of 40: the caller at the head waits
    for an agent alone (1/s); further back, faster than agents alone and slower than if
    every hang-up were the line moving."""
    flow = QueueFlow(departures=300, window_s=1000, abandons=200)
    head = estimate_wait(1, flow, queue_size=40)
    assert head.expected_s == pytest.approx(10.0)
    for position in (2, 10, 30, 40):
        back = estimate_wait(position, flow, queue_size=40)
        assert position / 0.3 < back.expected_s < position / 0.1
    unknown_size = estimate_wait(30, flow)  # hang-ups cannot be placed: agents alone
    assert unknown_size.expected_s == pytest.approx(300.0)


def test_no_estimate_when_nobody_was_served():
    assert estimate_wait(3, QueueFlow(departures=20, window_s=900, abandons=20),
                         queue_size=10) is None


def test_upper_estimate_covers_a_line_with_hang_ups_as_often_as_promised():
    """Agents serve 0.1/s; each of 40 callers hangs up at 0.005/s (0.2/s in all, twice the
    service). The caller at position 30 reaches the front after at most the bound in 90%+
    of draws; read as if every departure left from the head (the old reading), the bound is
    passed far more often than one time in ten."""
    rng = np.random.default_rng(11)
    serve, hazard, size, position, window = 0.1, 0.005, 40, 30, 900.0
    exceeded = exceeded_old = 0
    draws = 2000
    for _ in range(draws):
        served = int(rng.poisson(serve * window))
        abandons = int(rng.poisson(hazard * size * window))
        flow = QueueFlow(served + abandons, window, abandons=abandons)
        actual = sum(rng.exponential(1 / (serve + ahead * hazard)) for ahead in range(position))
        exceeded += actual > estimate_wait(position, flow, queue_size=size).upper_s
        old = estimate_wait(position, QueueFlow(served + abandons, window), queue_size=size)
        exceeded_old += actual > old.upper_s
    assert exceeded / draws < 0.10
    assert exceeded_old / draws > 0.30


@given(st.integers(1, 10_000), st.floats(60, 86_400), st.integers(1, 5_000))
def test_the_hazard_grid_keeps_each_hang_up_rate_within_12_percent(abandons, window, waiting):
    measured = abandons / window / waiting
    assert 1 / 1.12 <= hang_up_hazard(abandons, window, waiting) / measured <= 1.12
    assert hang_up_hazard(0, window, waiting) == 0.0


def test_callbacks_ahead_never_hang_up():
    """Five callbacks ahead hold their places at the head: the caller at position 6 moves on
    only as agents answer until they are through; callers behind the callbacks still move
    the line by hanging up."""
    flow = QueueFlow(departures=300, window_s=1000, abandons=200)
    all_held = estimate_wait(6, flow, queue_size=10, callbacks_ahead=5)
    assert all_held.expected_s == pytest.approx(60.0)
    some_held = estimate_wait(6, flow, queue_size=10, callbacks_ahead=2)
    none_held = estimate_wait(6, flow, queue_size=10)
    assert none_held.expected_s < some_held.expected_s < all_held.expected_s


@pytest.mark.parametrize("x", [0.01, 0.5, 1.0, 5.9, 6.0, 33.0, 1e6])
def test_digamma_and_trigamma_match_scipy(x):
    from scipy import special

    assert digamma(x) == pytest.approx(special.digamma(x), rel=1e-8, abs=1e-8)
    assert trigamma(x) == pytest.approx(special.polygamma(1, x), rel=1e-7)


@given(st.integers(1, 3000), st.integers(0, 3000), st.floats(1e-4, 1.0),
       st.floats(1e-4, 10.0))
def test_the_closed_form_is_the_sum_of_the_steps(position, held, serve, hazard_share):
    """From place j the caller moves at serve + hazard × (callers ahead who can hang up)."""
    hazard = serve * hazard_share
    mean = variance = 0.0
    for ahead in range(position):
        step = 1 / (serve + max(ahead - held, 0) * hazard)
        mean += step
        variance += step * step
    closed_mean, shape = time_to_front(position, serve, hazard, held)
    assert closed_mean == pytest.approx(mean, rel=1e-7)
    assert shape == pytest.approx(mean * mean / variance, rel=1e-6)


@settings(max_examples=300)
@given(position=st.integers(1, 400), served=st.integers(1, 500), abandons=st.integers(0, 500),
       more_waiting=st.integers(0, 400), held=st.integers(0, 50))
def test_the_bound_grows_with_the_place_and_the_callbacks_ahead_and_shrinks_with_answers(
        position, served, abandons, more_waiting, held):
    """A caller further back, or with more callbacks ahead (who never hang up), is never told
    less; more answers in the same window never tell them more. (The queue itself holds at
    least the live callers up to one place further back, as Twilio's count always does.)"""
    size = max(position + 1 - held, 1) + more_waiting

    def upper(p: int = position, k: int = served, h: int = held) -> float:
        flow = QueueFlow(departures=k + abandons, window_s=900, abandons=abandons)
        return estimate_wait(p, flow, queue_size=size, callbacks_ahead=h,
                             min_departures=1).upper_s

    here = upper()
    assert upper(p=position + 1) >= here * (1 - 1e-9)
    assert upper(h=held + 1) >= here * (1 - 1e-9)
    assert upper(k=served + 1) <= here * (1 + 1e-9)
