"""Honest estimated waits: from the caller's position and how fast the queue has been moving.

Queue-length estimators beat averages of past waits (Ibrahim & Whitt 2009), and Twilio's
AvgQueueTime is the age of the current waiters, not a prediction, so it is never used here.
The line moves for the caller at position p when the head is served (answers and callbacks
connected, at rate s) or when someone *ahead* of them gives up. Hang-ups are spread over the
queue, so of n callers in it abandoning at rate a, each hangs up at θ = a / n, and from
position j the caller moves on at s + θ for each of the j − 1 ahead who can hang up (the
queue-length estimator refined for abandonment, as in Ibrahim & Whitt, Management Science
2009); callbacks keeping their place never hang up. Counting every hang-up as the line
moving, as a plain departure rate does, told callers far back in a line many leave a wait
much too short: in a simulated overloaded line (45% abandoning) a third of those past
position 10 were kept past it.

The time to the front is then a sum of exponentials (with no hang-ups exactly Gamma(p, s)),
fitted by the Gamma of its mean and variance. The speed is itself measured, from the k
answers seen: over a rate known only that well the wait is an F-distributed multiple of its
mean, and we announce a high quantile of that predictive wait (tighter than stacking a
cautious rate on a quantile: on a simulated two-agent line the mean wait told fell from 12
to 8 minutes, still passed under 2% of the times), rounded *up* into a band: being kept past
an announced wait raises abandonment sharply (Webb, Yu & Bretthauer 2019). `python
benchmarks/estimate_honesty.py` scores every announcement of simulated days against the
waits that followed.
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
    abandons: int = 0
    """Of the departures, callers who hung up in line (or past the maximum wait, offered
    a callback they did not take) rather than being served."""
    quiet_s: float | None = None
    """How long since the last caller was served (None: not known)."""

    @property
    def served(self) -> int:
        return self.departures - self.abandons


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
        call you back when your turn comes, which may take more than an hour"), in place of
        the language's `within` ("within {wait}", "en un máximo de {wait}")."""
        if self.minutes is None and language.open_ended:
            return template.replace(language.within, language.open_ended)
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
    queue_size: int | None = None,
    callbacks_ahead: int = 0,
    min_departures: int = 5,
    confidence: float = 0.9,
) -> WaitEstimate | None:
    """Estimated remaining wait for the caller at `position` (counting the callbacks ahead
    of them, which keep their place) with `queue_size` callers in the queue itself, over
    whom the hang-ups are spread (unknown: hang-ups are not counted as the line moving).
    Callbacks never hang up: they are taken to be the oldest, at the head of the line, so
    near the front only agents move the caller on. None when data is too thin or nobody was
    served in the window."""
    served = flow.served
    if position < 1 or flow.window_s <= 0 or flow.departures < min_departures or served < 1:
        return None
    if line_stalled(served, flow.window_s, flow.quiet_s):
        return None
    serve_rate = served / flow.window_s
    held, hazard = hang_ups_ahead(position, flow.abandons, flow.window_s, queue_size,
                                  callbacks_ahead)
    expected_s, shape = time_to_front(position, serve_rate, hazard, held)
    # The speed is itself measured from `served` answers: the bound is a quantile of the
    # wait as predicted from them (a Gamma time over a Gamma-distributed rate is an F).
    upper_s = expected_s * f_quantile(2 * shape, 2 * served, confidence)
    return WaitEstimate(
        expected_s=expected_s,
        upper_s=upper_s,
        departures_seen=served,
        cautious_rate_per_s=gamma_quantile(position, confidence) / upper_s,
        callback_attempts=flow.callback_attempts,
        callbacks_answered=flow.callbacks_answered,
    )


STALL_CHANCE = 0.02
"""A pause in serving callers that the line's own answers make likelier than this (one gap
in fifty) is a pause; rarer, the line has stopped (agents on a break, an outage on their
side): its past speed no longer says when anyone will be answered."""
_STALL_LOG = -math.log(STALL_CHANCE)


def line_stalled(served: int, window_s: float, quiet_s: float | None) -> bool:
    """Whether nobody has been served for longer than the line's speed explains: given the
    `served` answers in the rest of the window (the time it was moving), the chance of no
    answer for `quiet_s` is under STALL_CHANCE. That chance is the one predicted from the
    answers seen, as the wait's bound is (a rate known from k answers over time T, so the
    chance of no answer in q is (T / (T + q)) ** k): a thin log needs a longer pause. Counting
    the quiet time into the speed is not enough: a line that stopped still showed its earlier
    answers for most of the window, and its caller at the head was told "within 3 minutes",
    then "within 4", "within 5"... for ten minutes, every band broken (caller audit 34)."""
    if quiet_s is None or served < 1:
        return False
    quiet = max(quiet_s, 0.0)
    moving_s = window_s - quiet
    if moving_s <= 0:
        return True
    ratio = quiet / moving_s
    # log(1 + x) <= x: a pause short for its speed (every poll but a few) needs no logarithm
    return served * ratio > _STALL_LOG and served * math.log1p(ratio) > _STALL_LOG


HAZARD_STEP = math.log(1.25)
"""Hang-up hazards are kept on a grid 25% apart (each within 12% of its measure, which a
count of a few dozen hang-ups is not more precise than): a wait moves by less than that,
and the fast engine's estimates and answers are reused (each distinct estimate is a new
situation for the policy: with exact hazards the callback policy was asked 7.8 times as
often as before hang-ups were read apart and the engine ran at half its speed; on this
grid 4.3 times, at three quarters of its speed, benchmarks/bench_simulator.py)."""


def hang_ups_ahead(position: int, abandons: int, window_s: float, queue_size: int | None,
                   callbacks_ahead: int) -> tuple[int, float]:
    """The callbacks held ahead of the caller at `position` (never hanging up), and each
    live caller's hang-up hazard (0 where the queue's size or the window is unknown): all an
    estimate takes from the hang-ups, so the fast engine keys its cache on it."""
    held = min(max(callbacks_ahead, 0), position - 1)
    if not queue_size or window_s <= 0:
        return held, 0.0
    return held, hang_up_hazard(abandons, window_s, max(queue_size, position - held))


def hang_up_hazard(abandons: int, window_s: float, waiting: int) -> float:
    """Each waiting caller's hang-ups per second: `abandons` in the window spread over the
    `waiting` callers, on HAZARD_STEP's grid (0 with none)."""
    if not abandons:
        return 0.0
    return math.exp(round(math.log(abandons / window_s / waiting) / HAZARD_STEP) * HAZARD_STEP)


def time_to_front(position: int, serve_rate: float, hazard: float,
                  held: int = 0) -> tuple[float, float]:
    """Mean time until the caller at `position` is served, and the shape of the Gamma with
    its mean and variance: from place j the line moves at `serve_rate` plus `hazard` for
    each caller ahead who can hang up (the j − 1 ahead but the `held` callbacks at the
    head): one exponential step per place; with no hang-ups, exactly Gamma(position).

    The steps with hang-ups, m = 1..M callers able to hang up ahead, sum in closed form
    (digamma and trigamma), so a caller 5,000 places back costs what one near the front
    does."""
    hanging = position - 1 - held  # the steps where someone ahead can hang up
    if not hazard or hanging <= 0:
        return position / serve_rate, float(position)
    plain = position - hanging  # steps at the agents' speed alone
    start = serve_rate / hazard + 1  # Σ_{m=1..M} 1/(s + mθ) = (ψ(start + M) − ψ(start)) / θ
    mean = plain / serve_rate + (digamma(start + hanging) - digamma(start)) / hazard
    variance = plain / serve_rate**2 + (trigamma(start) - trigamma(start + hanging)) / hazard**2
    return mean, mean * mean / variance


def digamma(x: float) -> float:
    """ψ(x) for x > 0: the recurrence up to 6, then the asymptotic series (within 1e-8)."""
    shift = 0.0
    while x < 6:
        shift -= 1 / x
        x += 1
    inv2 = 1 / (x * x)
    return shift + math.log(x) - 0.5 / x - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 / 252))


def trigamma(x: float) -> float:
    """ψ′(x) for x > 0, as `digamma` (within 1e-7 relative)."""
    shift = 0.0
    while x < 6:
        shift += 1 / (x * x)
        x += 1
    inv = 1 / x
    inv2 = inv * inv
    return shift + inv + inv2 / 2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 / 42))


def f_quantile(d1: float, d2: float, probability: float) -> float:
    """Quantile of the F(d1, d2) distribution by Paulson's normal approximation (1942: the
    Wilson–Hilferty cube roots of both chi-squares). Against scipy's exact quantiles, for
    probabilities 0.6–0.99: never more than 2% under; over by up to 1% with d2 ≥ 10 and more
    with fewer answers (the safe side); infinite where it has no answer (a very high
    `probability` with d2 of 2 or 4: too few answers to bound the wait)."""
    z = normal_quantile(probability)
    c1, c2 = 2 / (9 * d1), 2 / (9 * d2)
    a, b = 1 - c1, 1 - c2
    lead = b * b - z * z * c2
    if lead <= 0:
        return math.inf
    root = (a * b + math.sqrt(max(a * a * b * b - lead * (a * a - z * z * c1), 0.0))) / lead
    return root ** 3


def band_for(seconds: float) -> WaitBand:
    """The smallest announced band that is at least `seconds`: always round up."""
    for minutes in BAND_MINUTES:
        if seconds <= minutes * 60:
            return WaitBand(minutes)
    return WaitBand(None)
