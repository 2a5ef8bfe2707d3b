"""The fitted patience's standard error belongs to the estimate that is kept, and does not
depend on the order of the log's rows (simulator.fit_patience; a reviewer's findings: the
Kaplan-Meier mean carried the best law's bootstrap spread, 6-8x too small, and shuffled rows
swung a standard error from 2.6 to 5.0 s)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.fit_patience import fit_patience


def two_kinds_of_callers(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Half give up after 5-15 s, half wait about 10 minutes: no one law fits, so the fit
    keeps the Kaplan-Meier curve."""
    patience = np.where(rng.random(n) < 0.5, rng.uniform(5, 15, n), rng.exponential(600, n))
    served = rng.exponential(240, n)
    return np.minimum(patience, served), patience < served


def test_the_kaplan_meier_means_error_is_its_own_spread_across_independent_logs():
    rng = np.random.default_rng(11)
    fits = [fit_patience(*two_kinds_of_callers(rng, 2000), seed=n) for n in range(12)]
    assert {fit.kind for fit in fits} == {"empirical"}
    spread = np.std([fit.mean_s for fit in fits], ddof=1)
    said = np.mean([fit.mean_se_s for fit in fits])
    assert 0.6 * spread < said < 1.6 * spread  # was about a seventh of it


def test_the_rows_order_does_not_change_any_figure():
    rng = np.random.default_rng(4)
    waits = rng.weibull(0.8, 3000) * 200
    served = rng.exponential(120, 3000)
    t, abandoned = np.minimum(waits, served), waits < served
    first = fit_patience(t, abandoned, seed=7)
    for _ in range(3):
        order = rng.permutation(t.size)
        again = fit_patience(t[order], abandoned[order], seed=7)
        assert (again.kind, again.mean_s, again.mean_se_s, again.shape_se) == pytest.approx(
            (first.kind, first.mean_s, first.mean_se_s, first.shape_se))
