"""Honest estimated waits: from the caller's position and how fast the queue has been moving.

Queue-length estimators beat averages of past waits (Ibrahim & Whitt 2009), and Twilio's
AvgQueueTime is the age of the current waiters, not a prediction, so it is never used here.
If departures from the head of the line (answers, abandons, callbacks served) arrive at rate
r, the caller at position p is served after p more departures: a Gamma(p, r) time. We
announce a high quantile of it, computed with a rate lowered for its own sampling error, and
round *up* into a band: being kept past an announced wait raises abandonment sharply
(Webb, Yu & Bretthauer 2019).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hold_policies.languages import ENGLISH, Language
from hold_policies.situation import WaitEstimate

BAND_MINUTES: tuple[int, ...] = (1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 45, 60)
"""Announced bands: coarse granularity is enough for callers (Yu, Allon & Bassamboo 2017)."""


@dataclass(frozen=True)
class QueueFlow:
    """How fast the head of the line moved recently: departures seen in a window; and how
    often called-back customers answered lately (over a longer window: attempts are rare)."""

    departures: int
    window_s: float
    callback_attempts: int = 0
    callbacks_answered: int = 0


@dataclass(frozen=True)
class WaitBand:
    """What the caller is told: 'within N minutes', or 'more than an hour' when open-ended."""

    minutes: int | None  # None: longer than the largest band

    @property
    def seconds(self) -> float | None:
        return None if self.minutes is None else self.minutes * 60.0

    def words(self, language: Language = ENGLISH) -> str:
        """The band as said in `language` (the queue's: hold_policies.languages)."""
        return language.wait_words(self.minutes)

    def fitted(self, template: str, language: Language = ENGLISH) -> str:
        """`template` made to read right with this band. An open-ended one is never "within
        more than an hour" (callers heard that: the default prompts, and most written ones,
        say "within {wait}"), nor "we will call you back in more than an hour", which a
        caller hears as a delay before we even try: it is the language's `open_ended` ("...
        call you back when your turn comes, which may take more than an hour")."""
        if self.minutes is None and language.open_ended:
            return template.replace("within {wait}", language.open_ended)
        return template


def normal_quantile(probability: float) -> float:
    """Inverse standard normal CDF (Acklam's rational approximation; error < 1.2e-9)."""
    if not 0.0 < probability < 1.0:
        raise ValueError(f"probability must be in (0, 1), got {probability}")
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687,
         138.3577518672690, -30.66479806614716, 2.506628277459239)
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866,
         66.80131188771972, -13.28068155288572)
    c = (-0.007784894002430293, -0.3223964580411365, -2.400758277161838,
         -2.549732539343734, 4.374664141464968, 2.938163982698783)
    d = (0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416)
    low = 0.02425
    if probability < low:
        q = math.sqrt(-2 * math.log(probability))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if probability > 1 - low:
        return -normal_quantile(1 - probability)
    q = probability - 0.5
    r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (
        ((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)


def gamma_quantile(shape: float, probability: float) -> float:
    """Quantile of Gamma(shape, 1) by Wilson–Hilferty; exact for shape 1 (exponential)."""
    if shape == 1:
        return -math.log(1 - probability)
    z = normal_quantile(probability)
    cube = 1 - 1 / (9 * shape) + z / (3 * math.sqrt(shape))
    return shape * max(cube, 0.0) ** 3


def estimate_wait(
    position: int,
    flow: QueueFlow,
    *,
    min_departures: int = 5,
    confidence: float = 0.9,
) -> WaitEstimate | None:
    """Estimated remaining wait for the caller at `position`; None when data is too thin."""
    if position < 1 or flow.window_s <= 0 or flow.departures < min_departures:
        return None
    rate = flow.departures / flow.window_s
    z = normal_quantile(confidence)
    # Lower the measured rate by its own sampling error (Poisson count: sd = sqrt(k)).
    cautious_rate = rate * max(1 - z / math.sqrt(flow.departures), 0.5)
    return WaitEstimate(
        expected_s=position / rate,
        upper_s=gamma_quantile(position, confidence) / cautious_rate,
        departures_seen=flow.departures,
        cautious_rate_per_s=cautious_rate,
        callback_attempts=flow.callback_attempts,
        callbacks_answered=flow.callbacks_answered,
    )


def band_for(seconds: float) -> WaitBand:
    """The smallest announced band that is at least `seconds`: always round up."""
    for minutes in BAND_MINUTES:
        if seconds <= minutes * 60:
            return WaitBand(minutes)
    return WaitBand(None)
