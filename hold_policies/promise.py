"""An honest callback window: the band we can keep, given how often customers answer.

A callback's first attempt comes when the caller's place comes up: after `position` more
departures from the head of the line, a Gamma(position, rate) time, as in the wait estimate
(hold_policies.estimate). Each attempt is answered with probability p (measured from the
log's CALLBACK_ATTEMPT / CALLBACK_CONNECT events, smoothed towards an assumed value while
there are few). A missed attempt costs the ring and the retry spacing, then the callback
waits, at its original place, for the next departure again. So attempt k + 1 (k misses
before it) connects by T with probability

    p (1 - p)^k  P(Gamma(position + k, rate) <= T - answer_s - k (missed_s + retry_s))

and the promise is the smallest announced band whose total over the attempts reaches the
target (issue 16 item 7: the bare wait band kept only ~80% of promises with p = 0.85,
because a missed first attempt waited out a 5-minute retry spacing). The retry spacing the
sizing counts on is the soonest one (`retry_s`); `retry_delay_s` makes the live app and the
engines use it whenever the regular spacing would land a retry too close to the promise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hold_policies.config import CallbacksConfig
from hold_policies.estimate import BAND_MINUTES, WaitBand, band_for
from hold_policies.situation import WaitEstimate

ANSWER_WINDOW_S = 86_400.0
"""The answer rate is measured over the last day's attempts (a queue sees few an hour)."""
HANDOFF_S = 15.0
"""Seconds around an attempt besides the ring: the agent hears who it is before dialling, and
that nobody answered after (app/voice/callback_calls.py's prompts, rounded up)."""


@dataclass(frozen=True)
class AttemptPlan:
    """How callbacks are dialled, as far as keeping a promise goes (the [callbacks] table)."""

    target: float | None = 0.95  # share of promises to keep; None: the bare wait band
    attempts: int = 3  # max_attempts
    retry_s: float = 60.0  # the soonest retry after a miss (min_retry_after_s)
    missed_s: float = 40.0  # an attempt nobody answers: the ring, and the agent told so
    answer_s: float = 20.0  # from the attempt's start to the customer picking up
    assumed_answer_p: float = 0.85  # before the log has shown many attempts
    prior_attempts: int = 20  # how many attempts the assumption weighs

    def answer_p(self, estimate: WaitEstimate) -> float:
        """The measured answer rate, pulled towards the assumption while attempts are few
        (a Beta prior worth `prior_attempts` attempts)."""
        prior = self.prior_attempts
        return ((estimate.callbacks_answered + self.assumed_answer_p * prior)
                / (estimate.callback_attempts + prior))


def plan_of(callbacks: CallbacksConfig) -> AttemptPlan:
    """The plan the live app's [callbacks] settings dial by."""
    return AttemptPlan(
        target=callbacks.promise_target, attempts=callbacks.max_attempts,
        retry_s=float(min(callbacks.min_retry_after_s, callbacks.retry_after_s)),
        missed_s=callbacks.ring_timeout_s + HANDOFF_S, answer_s=HANDOFF_S + 10.0,
        assumed_answer_p=callbacks.assumed_answer_p)


def gamma_cdf(shape: int, x: float) -> float:
    """P(Gamma(shape, 1) <= x): exact for shape 1, else Wilson–Hilferty (within ~0.005,
    cheap enough to run at every offer)."""
    if x <= 0:
        return 0.0
    if shape <= 1:
        return 1.0 - math.exp(-x)
    spread = 1.0 / (9.0 * shape)
    z = ((x / shape) ** (1.0 / 3.0) - (1.0 - spread)) / math.sqrt(spread)
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def kept_probability(window_s: float, position: int, rate_per_s: float, answer_p: float,
                     plan: AttemptPlan) -> float:
    """P(the callback connects within `window_s` of the request), per the model above."""
    total, missed_so_far = 0.0, 1.0
    for k in range(plan.attempts):
        reach = window_s - plan.answer_s - k * (plan.missed_s + plan.retry_s)
        if reach <= 0:
            break
        total += missed_so_far * answer_p * gamma_cdf(position + k, rate_per_s * reach)
        missed_so_far *= 1.0 - answer_p
    return total


def reachable_target(answer_p: float, plan: AttemptPlan) -> float:
    """The target, or a little under what `attempts` tries can ever reach when p is low
    (with p = 0.5 and 3 attempts one callback in 8 fails whatever the window)."""
    ceiling = 1.0 - (1.0 - answer_p) ** plan.attempts
    return min(plan.target or 0.0, 0.99 * ceiling)


def keeps_within(window_s: float, position: int, estimate: WaitEstimate,
                 plan: AttemptPlan) -> bool:
    """Whether a callback requested now connects within `window_s` with the plan's target
    probability (with no target: whether the wait's upper estimate fits in it)."""
    if plan.target is None:
        return estimate.upper_s <= window_s
    rate = estimate.cautious_rate_per_s or position / max(estimate.expected_s, 1e-9)
    p = plan.answer_p(estimate)
    return kept_probability(window_s, position, rate, p, plan) >= reachable_target(p, plan)


def callback_window(position: int, estimate: WaitEstimate, plan: AttemptPlan) -> WaitBand:
    """The band to promise: the smallest at or above the wait band whose promise is kept
    with the target probability; 'more than an hour' when no band is."""
    wait_band = band_for(estimate.upper_s)
    if plan.target is None or wait_band.minutes is None:
        return wait_band
    for minutes in BAND_MINUTES:
        if minutes >= wait_band.minutes and keeps_within(minutes * 60.0, position, estimate,
                                                         plan):
            return WaitBand(minutes)
    return WaitBand(None)


def retry_delay_s(left_s: float | None, regular_s: float, soonest_s: float,
                  margin_s: float) -> float:
    """Seconds until a missed callback may be tried again.

    `left_s`: seconds from the miss to the promised time (None: nothing promised). The
    regular spacing, unless it would bring the retry within `margin_s` of the promise (or
    past it): then the soonest spacing, which is what the promise was sized for.
    """
    if left_s is None or regular_s + margin_s <= left_s:
        return regular_s
    return min(soonest_s, regular_s)
