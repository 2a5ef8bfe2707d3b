"""The fit in words and numbers, with its diagnostics and what the log cannot support."""

from __future__ import annotations

import numpy as np

from analytics.formatting import with_standard_error
from simulator.fit_patience import KM_GAP, MIN_HANGUPS_EMPIRICAL
from simulator.fit_results import hhmm, take_up_said
from simulator.twin import Twin


def fit_report(twin: Twin) -> str:
    """What `holdwell fit` prints: every figure with its unit and standard error."""
    rates, se = np.array(twin.arrivals.per_min), np.array(twin.arrivals.se_per_min)
    talk = twin.talk
    shut = [day for day in twin.by_weekday if day not in twin.weekdays()]
    lines = [f"fitted from {twin.calls:,} calls, {twin.first_day} to {twin.last_day} "
             f"(times of day and dates on the line's clock, {twin.timezone})", "",
             f"arrivals: {twin.arrivals.daily_calls:,.0f} calls/day on average over "
             f"{twin.arrivals.days} day(s)"
             + (f" ({', '.join(shut)} left out: no calls on them in the log, taken as shut)"
                if shut else "")
             + f"; busiest half-hour {hhmm(int(rates.argmax()))} at {rates.max():.2f} "
             f"± {se[rates.argmax()]:.2f} calls/min (± = standard error, Poisson)"]
    for day, day_rates in twin.by_weekday.items():
        borrowed = day_rates.borrowed_calls
        lines.append(f"  {day}: {day_rates.daily_calls:,.0f} calls/day over {day_rates.days} "
                     "day(s)" + (f", {borrowed:,.0f} of them borrowed from all days in "
                                 f"{day_rates.borrowed_hours}, which the log never covered"
                                 if any(day_rates.borrowed) else ""))
    lines += ["", f"talk time: {talk.kind}, mean {talk.mean_s:.1f} ± {talk.mean_se_s:.1f} s"
              + (f", sigma {talk.sigma:.3f}" if talk.sigma is not None else "")
              + f" ({talk.calls:,} calls; AIC " + _aic(talk.aic) + ")", "",
              "patience (censored: answered and callback takers did not run out; AIC = "
              "2 parameters - 2 log-likelihood, lower is better; KM gap = largest |S_KM - "
              "S_fit| of the law with the lowest AIC; a gap over "
              f"{KM_GAP:g} with {MIN_HANGUPS_EMPIRICAL} hang-ups or more: no law fits, and "
              "the Kaplan-Meier curve itself is used, 'empirical'):"]
    for name, fit in twin.patience.items():
        shape = "" if fit.shape is None else \
            f", shape {with_standard_error(fit.shape, fit.shape_se, 3)}"
        mark = "  <- drives the simulation" if name == twin.base_policy else ""
        lines.append(f"  {name}: {fit.kind}, mean {fit.mean_s:.1f} ± {fit.mean_se_s:.1f} s"
                     f"{shape}; {fit.abandoned:,} hang-ups of {fit.calls:,} who waited; "
                     f"KM gap {fit.km_gap:.3f}; AIC {_aic(fit.aic)}{mark}")
    cb = twin.callbacks
    lines += ["", "callbacks: " + (
        f"{cb.requested:,} requested; acceptance "
        + ("n/a" if cb.acceptance is None else f"{100 * cb.acceptance:.1f}%")
        + " (requested / callers who heard an announcement under callback); "
        + take_up_said(twin.take_up, cb.acceptance) + "; answer chance "
        + ("n/a (default used)" if cb.answer_p is None
           else f"{100 * cb.answer_p:.1f}% ± {100 * cb.answer_p_se:.1f} ({cb.method})")
        if cb.requested else "none in the log (the answer chance is an assumption); "
        + take_up_said(twin.take_up, cb.acceptance))]
    lines += ["", "agents on duty per half-hour (conversations going on when a waiting caller was "
              "answered: a low quantile per day, median over days; '>=' = no caller answered after "
              "waiting, a lower bound):",
              "  " + "  ".join(f"{hhmm(s)} {'>=' if b else ''}{n}" for s, (n, b) in
                               enumerate(zip(twin.agents.per_slot, twin.agents.lower_bound,
                                             strict=True)) if n or rates[s] > 0)]
    lines += ["", "what the log is too thin to support:"]
    lines += [f"  - {w}" for w in twin.warnings] or ["  nothing flagged"]
    return "\n".join(lines)


def _aic(aic: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:,.1f}" for k, v in sorted(aic.items(), key=lambda kv: kv[1]))
