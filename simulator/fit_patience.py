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
LONGEST_WAIT_S = 7 * 86_400.0
"""The longest wait a log can honestly hold: the webhooks cap Twilio's QueueTime here
(app.voice.forms.LARGEST). A longer one is a corrupt or mistyped row, and left out of the
fit: one wait of 1e308 s had overflowed every law (a 500, or a mean of 1e306 s)."""
TINY_S = 1e-3  # a hang-up logged at 0 s (whole-second logs) is taken as 1 ms; clipping more
# distorts the near-0 hazard a Weibull shape is fitted from (0.5 s moved k from 0.80 to 0.82)
# Calls answered at once are left out: censored at 0 they carry no information, and kept at
# TINY_S they would bias a Weibull with k < 1 (its hazard is steep near 0).


def _loglik_exponential(t: np.ndarray, event: np.ndarray) -> tuple[float, tuple[float]]:
    with np.errstate(over="ignore"):
        total = float(t.sum())
    if not math.isfinite(total):
        return -math.inf, (math.nan,)
    rate = event.sum() / total
    return float(event.sum() * math.log(rate) - rate * total), (1 / rate,)


def _loglik_weibull(t: np.ndarray, event: np.ndarray) -> tuple[float, tuple[float, float]]:
    from scipy import optimize

    logt, d = np.log(t), event

    def negative(params: np.ndarray) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            k, scale = np.exp(params)
            if not (0 < k < math.inf and 0 < scale < math.inf):
                return math.inf
            z = np.exp(k * (logt - math.log(scale)))
            value = -float(np.sum(d * (math.log(k) + (k - 1) * logt - k * math.log(scale)))
                           - z.sum())
        return value if math.isfinite(value) else math.inf

    start = np.array([0.0, math.log(t.sum() / max(d.sum(), 1))])
    best = optimize.minimize(negative, start, method="Nelder-Mead",
                             options={"xatol": 1e-6, "fatol": 1e-6, "maxiter": 2000})
    with np.errstate(over="ignore"):
        k, scale = np.exp(best.x)
    mean = _finite_exp(math.log(scale) + math.lgamma(1 + 1 / k)) if 0 < k < math.inf \
        and 0 < scale < math.inf else math.inf
    return _fitted(best.fun, mean, float(k))


def _loglik_lognormal(t: np.ndarray, event: np.ndarray) -> tuple[float, tuple[float, float]]:
    from scipy import optimize, special, stats

    logt, d = np.log(t), event

    def negative(params: np.ndarray) -> float:
        if params[1] > LOG_SIGMA_MAX:
            return math.inf
        mu, sigma = params[0], math.exp(params[1])
        z = (logt - mu) / sigma
        dens = stats.norm.logpdf(z) - params[1] - logt  # log sigma, even where sigma underflows
        value = -float(np.sum(np.where(d, dens, special.log_ndtr(-z))))
        return value if math.isfinite(value) else math.inf

    start = np.array([float(np.mean(logt)), 0.0])
    best = optimize.minimize(negative, start, method="Nelder-Mead",
                             options={"xatol": 1e-6, "fatol": 1e-6, "maxiter": 2000})
    mu, sigma = best.x[0], math.exp(min(best.x[1], LOG_SIGMA_MAX))
    return _fitted(best.fun, _finite_exp(mu + sigma**2 / 2), float(sigma))


LOG_SIGMA_MAX = 30.0
"""A lognormal's log sigma past which its mean is no number (exp(sigma^2 / 2) overflows)."""


def _finite_exp(power: float) -> float:
    """exp(power), or inf where it overflows a float."""
    return math.exp(power) if power < 709 else math.inf


def _fitted(negative_loglik: float, mean_s: float, shape: float
            ) -> tuple[float, tuple[float, float]]:
    """A family's fit as _best reads it: a law whose mean is no finite number (a corrupt wait
    of 1e308 s pulled its scale past any float) has log-likelihood -inf, so the AIC never
    picks it; it had raised OverflowError, or warned and picked a law of infinite mean."""
    if not (math.isfinite(mean_s) and math.isfinite(negative_loglik)):
        return -math.inf, (math.nan, shape)
    return -float(negative_loglik), (float(mean_s), shape)


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
    if not math.isfinite(aic[kind]):
        raise UnfittableLog(f"patience: no law fits these waits (the longest is "
                            f"{float(t.max()):,.0f} s: is a wait in the log corrupt?)")
    return kind, fits[kind][1], aic


def fit_patience(waits_s: np.ndarray, abandoned: np.ndarray, *, seed: int = 0,
                 progress: Callable[[], None] | None = None) -> PatienceFit:
    """Fit patience from waits (seconds) and whether each ended in a hang-up; `progress` is
    called before each maximum-likelihood fit (the costly part: three, then the bootstrap's),
    so a caller with a deadline can stop it by raising."""
    t, event = np.asarray(waits_s, float), np.asarray(abandoned, bool)
    informative = (event | (t > 0)) & (t <= LONGEST_WAIT_S)  # answered at once: censored at
    # 0, which says nothing; past LONGEST_WAIT_S (or NaN): corrupt
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
            drawn = FAMILIES[kind][0](t[pick], event[pick])
            if math.isfinite(drawn[0]):  # a resample the law cannot fit says nothing
                draws.append(drawn[1])
    spread = np.std(np.array(draws), axis=0, ddof=1) if len(draws) > 2 else [math.nan] * 2
    if empirical:  # its own mean's spread, tail included: the law's had been 6-8x too small
        chosen, kind = km, "empirical"
    return PatienceFit(chosen, kind, float(chosen.mean_s), float(spread[0]),
                       params[1] if len(params) > 1 and kind != "empirical" else None,
                       float(spread[1]) if len(params) > 1 and kind != "empirical" else None,
                       int(t.size), int(event.sum()), aic, gap)
