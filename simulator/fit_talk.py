"""Talk time of connected calls: exponential or log-normal by AIC (closed-form MLEs).

Brown et al. (2005) find service times close to log-normal; the exponential is the Erlang-A
assumption. Both are fitted to the logged talk times (uncensored) and the lower AIC is kept.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.distributions import Exponential, Lognormal
from simulator.errors import UnfittableLog
from simulator.fit_results import TalkFit


def fit_talk(talk_s: np.ndarray) -> TalkFit:
    """Fit the talk-time law from positive talk times in seconds."""
    t = np.asarray(talk_s, float)
    t = t[np.isfinite(t) & (t > 0)]
    if t.size < 2:
        raise UnfittableLog(f"talk time: {t.size} answered call(s) with a talk time above 0 s "
                            "in the log, fewer than two: wait for more answered calls")
    mean, logs = float(t.mean()), np.log(t)
    mu, sigma = float(logs.mean()), float(logs.std())
    if sigma == 0:
        raise UnfittableLog(f"talk time: all {t.size} talk times are {t[0]:g} s, no spread to "
                            "fit a law to: wait for more answered calls")
    aic = {"exponential": 2 + 2 * (t.size * math.log(mean) + t.size),
           "lognormal": 4 - 2 * float(np.sum(-logs - math.log(sigma * math.sqrt(2 * math.pi))
                                             - (logs - mu) ** 2 / (2 * sigma**2)))}
    kind = min(aic, key=aic.__getitem__)
    chosen = Exponential(mean) if kind == "exponential" else Lognormal(math.exp(
        mu + sigma**2 / 2), sigma)
    return TalkFit(chosen, kind, chosen.mean_s, float(t.std(ddof=1) / math.sqrt(t.size)),
                   sigma if kind == "lognormal" else None, int(t.size), aic)
