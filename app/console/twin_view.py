"""The fitted twin as the API's models: every figure with its standard error, NaN as null."""

from __future__ import annotations

import math

from app.api.twin_models import (
    CallbacksFitView,
    Estimate,
    Interval,
    PatienceFitView,
    SlotFit,
    TalkFitView,
    TwinFitView,
)
from app.console.twin_live import LiveTwin
from simulator.fit_results import hhmm, take_up_said


def num(value: float | None) -> float | None:
    """JSON has no NaN or infinity: an unknown figure is null."""
    return None if value is None or not math.isfinite(value) else float(value)


def estimate(value: float | None, se: float | None) -> Estimate:
    return Estimate(value=num(value), se=num(se))


def interval(pair: tuple[float, float]) -> Interval:
    return Interval(mean=num(pair[0]), half_width=num(pair[1]))


def _aic(aic: dict[str, float]) -> dict[str, float | None]:
    return {law: num(value) for law, value in sorted(aic.items(), key=lambda kv: kv[1])}


def fit_view(live: LiveTwin) -> TwinFitView:
    """What the page shows of the fit (and GET /api/v1/twin returns)."""
    twin = live.twin
    rates, agents = twin.arrivals, twin.agents
    slots = [SlotFit(start=hhmm(s), calls_per_min=estimate(rate, rates.se_per_min[s]),
                     agents=agents.per_slot[s], agents_lower_bound=agents.lower_bound[s])
             for s, rate in enumerate(rates.per_min) if rate > 0 or agents.per_slot[s] > 0]
    talk = twin.talk
    patience = [PatienceFitView(
        policy=name, law=fit.kind, mean_s=estimate(fit.mean_s, fit.mean_se_s),
        shape=estimate(fit.shape, fit.shape_se), hang_ups=fit.abandoned, waited=fit.calls,
        km_gap=num(fit.km_gap), aic=_aic(fit.aic), drives_simulation=name == twin.base_policy)
        for name, fit in twin.patience.items()]
    cb = twin.callbacks
    return TwinFitView(
        calls=twin.calls, first_day=twin.first_day, last_day=twin.last_day, days=live.days,
        window_days=live.window_days, daily_calls=round(rates.daily_calls, 1),
        weekdays=list(twin.weekdays()), timezone=twin.timezone, slots=slots,
        talk=TalkFitView(law=talk.kind, mean_s=estimate(talk.mean_s, talk.mean_se_s),
                         sigma=num(talk.sigma), calls=talk.calls, aic=_aic(talk.aic)),
        patience=patience,
        callbacks=CallbacksFitView(requested=cb.requested, acceptance=num(cb.acceptance),
                                   answer_p=estimate(cb.answer_p, cb.answer_p_se),
                                   method=cb.method, take_up_status=twin.take_up.status,
                                   take_up=take_up_said(twin.take_up, cb.acceptance)),
        too_thin=list(twin.warnings), backtest_days_max=live.backtest_days_max)
