"""Patience from waits that end in a hang-up (the event) or otherwise (censored).

Answered callers and callback takers did not run out of patience: their waits only say
patience was longer (right-censoring; Brown et al. 2005). Exponential, Weibull and
log-normal are fitted by maximum likelihood and compared by AIC (2 parameters - 2 log L);
the best is kept unless the Kaplan-Meier curve departs from it by more than `KM_GAP` over
the observed waits, when the empirical curve itself is kept. Uncertainty comes from a
seeded bootstrap of the calls (BOOTSTRAP draws, taken in the calls' sorted order so the rows'
order does not matter), of the estimate that is kept: the law's parameters, or the
Kaplan-Meier mean with its tail.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from simulator.distributions import Distribution, Empirical, Exponential, Lognormal, Weibull
from simulator.errors import UnfittableLog
from simulator.fit_results import PatienceFit

KM_GAP = 0.05
MIN_HANGUPS_EMPIRICAL = 50
"""With a KM gap past KM_GAP and at least this many hang-ups, the Kaplan-Meier curve itself
drives the simulation (no law fits; fewer hang-ups make too rough a curve)."""
BOOTSTRAP = 30
TINY_S = 1e-3  # a hang-up logged at 0 s (whole-second logs) is taken as 1 ms; clipping more
# distorts the near-0 hazard a Weibull shape is fitted from (0.5 s moved k from 0.80 to 0.82)
# Calls answered at once are left out: censored at 0 they carry no information, and kept at
# TINY_S they would bias a Weibull with k < 1 (its hazard is steep near 0).


def _loglik_exponential(t: np.ndarray, event: np.ndarray) -> tuple[float, tuple[float]]:
    rate = event.sum() / t.sum()
    return float(event.sum() * math.log(rate) - rate * t.sum()), (1 / rate,)


def _loglik_weibull(t: np.ndarray, event: np.ndarray) -> tuple[float, tuple[float, float]]:
    from scipy import optimize

    logt, d = np.log(t), event

    def negative(params: np.ndarray) -> float:
        k, scale = np.exp(params)
        z = np.exp(k * (logt - math.log(scale)))
        return -float(np.sum(d * (math.log(k) + (k - 1) * logt - k * math.log(scale))) - z.sum())

    start = np.array([0.0, math.log(t.sum() / max(d.sum(), 1))])
    best = optimize.minimize(negative, start, method="Nelder-Mead",
                             options={"xatol": 1e-6, "fatol": 1e-6, "maxiter": 2000})
    k, scale = np.exp(best.x)
    return -float(best.fun), (float(scale * math.gamma(1 + 1 / k)), float(k))


def _loglik_lognormal(t: np.ndarray, event: np.ndarray) -> tuple[float, tuple[float, float]]:
    from scipy import optimize, special, stats

    logt, d = np.log(t), event

    def negative(params: np.ndarray) -> float:
        mu, sigma = params[0], math.exp(params[1])
        z = (logt - mu) / sigma
        dens = stats.norm.logpdf(z) - params[1] - logt  # log sigma, even where sigma underflows
        return -float(np.sum(np.where(d, dens, special.log_ndtr(-z))))

    start = np.array([float(np.mean(logt)), 0.0])
    best = optimize.minimize(negative, start, method="Nelder-Mead",
                             options={"xatol": 1e-6, "fatol": 1e-6, "maxiter": 2000})
    mu, sigma = best.x[0], math.exp(best.x[1])
    return -float(best.fun), (float(math.exp(mu + sigma**2 / 2)), float(sigma))


FAMILIES = {"exponential": (_loglik_exponential, 1), "weibull": (_loglik_weibull, 2),
            "lognormal": (_loglik_lognormal, 2)}


def _distribution(kind: str, params: tuple[float, ...]) -> Distribution:
    if kind == "exponential":
        return Exponential(params[0])
    if kind == "weibull":
        return Weibull(params[0], params[1])
    return Lognormal(params[0], params[1])


def _survival(dist: Distribution, t: np.ndarray) -> np.ndarray:
    from scipy import stats

    if isinstance(dist, Exponential):
        return np.exp(-t / dist.mean_s)
    if isinstance(dist, Weibull):
        scale = dist.mean_s / math.gamma(1 + 1 / dist.k)
        return np.exp(-((t / scale) ** dist.k))
    mu = math.log(dist.mean_s) - dist.sigma**2 / 2
    return stats.norm.sf((np.log(np.maximum(t, 1e-9)) - mu) / dist.sigma)


def km_gap(km: Empirical, dist: Distribution) -> float:
    """Largest |S_KM(t) - S_fit(t)| at the Kaplan-Meier steps."""
    times = np.asarray(km.times_s)
    return float(np.max(np.abs(np.asarray(km.survival) - _survival(dist, times))))


def _best(t: np.ndarray, event: np.ndarray, progress: Callable[[], None],
          ) -> tuple[str, tuple[float, ...], dict[str, float]]:
    fits = {}
    for kind, (fit, _) in FAMILIES.items():
        progress()
        fits[kind] = fit(t, event)
    aic = {kind: 2 * FAMILIES[kind][1] - 2 * fits[kind][0] for kind in fits}
    kind = min(aic, key=aic.__getitem__)
    return kind, fits[kind][1], aic


def fit_patience(waits_s: np.ndarray, abandoned: np.ndarray, *, seed: int = 0,
                 progress: Callable[[], None] | None = None) -> PatienceFit:
    """Fit patience from waits (seconds) and whether each ended in a hang-up; `progress` is
    called before each maximum-likelihood fit (the costly part: three, then the bootstrap's),
    so a caller with a deadline can stop it by raising."""
    t, event = np.asarray(waits_s, float), np.asarray(abandoned, bool)
    informative = event | (t > 0)  # answered at once: censored at 0, which says nothing
    t, event = np.maximum(t[informative], TINY_S), event[informative]
    if event.sum() < 1:
        raise UnfittableLog("patience: no hang-ups among these calls, nothing to fit it from")
    if np.unique(t[event]).size < 2:
        wait_s = float(t[event][0]) if t[event][0] > TINY_S else 0.0
        raise UnfittableLog(f"patience: all {int(event.sum())} hang-ups came after the same wait "
                            f"({wait_s:g} s), no spread to fit a law to: wait for more calls")
    order = np.lexsort((event, t))  # the bootstrap draws the same calls whatever the rows'
    t, event = t[order], event[order]  # order (it had swung a standard error by 2x)
    step = progress or (lambda: None)
    kind, params, aic = _best(t, event, step)
    chosen = _distribution(kind, params)
    step()
    km = Empirical.from_waits(t, event)
    gap = km_gap(km, chosen)
    empirical = gap > KM_GAP and event.sum() >= MIN_HANGUPS_EMPIRICAL
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(BOOTSTRAP):
        step()
        pick = rng.integers(0, t.size, t.size)
        if empirical and np.unique(t[pick][event[pick]]).size >= 2:
            draws.append((Empirical.from_waits(t[pick], event[pick]).mean_s,))
        elif not empirical and event[pick].any():
            draws.append(FAMILIES[kind][0](t[pick], event[pick])[1])
    spread = np.std(np.array(draws), axis=0, ddof=1) if len(draws) > 2 else [math.nan] * 2
    if empirical:  # its own mean's spread, tail included: the law's had been 6-8x too small
        chosen, kind = km, "empirical"
    return PatienceFit(chosen, kind, float(chosen.mean_s), float(spread[0]),
                       params[1] if len(params) > 1 and kind != "empirical" else None,
                       float(spread[1]) if len(params) > 1 and kind != "empirical" else None,
                       int(t.size), int(event.sum()), aic, gap)
