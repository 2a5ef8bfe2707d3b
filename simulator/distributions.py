"""Service-time and patience distributions, in seconds, drawn in bulk with numpy.

Each distribution is a frozen value with a `mean_s` and `sample(rng, size)`, so a scenario can
be compared, printed and validated; the engine draws every caller's numbers up front.
`parse_distribution("weibull:1.5", mean_s=120)` reads the CLI's spelling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from analytics.formatting import three_figures


class DistributionError(ValueError):
    """A distribution that cannot be used; the message says what to write instead."""


SPELLINGS = "exponential, weibull:K, lognormal:SIGMA, empirical:FILE or none"


@dataclass(frozen=True)
class Exponential:
    """Memoryless: the Erlang-A (M/M/n+M) assumption for both service and patience."""

    mean_s: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_s, size)

    def describe(self) -> str:
        return f"exponential, mean {three_figures(self.mean_s / 60)} min"


@dataclass(frozen=True)
class Weibull:
    """Shape `k` < 1: impatience fades with waiting; k > 1: it grows. Scale keeps `mean_s`."""

    mean_s: float
    k: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        scale = self.mean_s / math.gamma(1 + 1 / self.k)
        return scale * rng.weibull(self.k, size)

    def describe(self) -> str:
        return f"Weibull k={three_figures(self.k)}, mean {three_figures(self.mean_s / 60)} min"


@dataclass(frozen=True)
class Lognormal:
    """Service times in call centres are close to lognormal (Brown et al. 2005)."""

    mean_s: float
    sigma: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        mu = math.log(self.mean_s) - self.sigma**2 / 2
        return rng.lognormal(mu, self.sigma, size)

    def describe(self) -> str:
        return (f"lognormal sigma={three_figures(self.sigma)}, "
                f"mean {three_figures(self.mean_s / 60)} min")


@dataclass(frozen=True)
class NoPatience:
    """Callers who never hang up: the Erlang-C limit."""

    mean_s: float = math.inf

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, math.inf)

    def describe(self) -> str:
        return "none (callers never hang up)"


@dataclass(frozen=True)
class Empirical:
    """A survival curve S(t) fitted from logs (Kaplan–Meier), sampled by inversion.

    `times_s` are the event times and `survival` S just after each. Beyond the last time the
    curve is extended with an exponential tail at the curve's average hazard, so callers who
    outlast every observed wait still hang up eventually (the tail is an assumption).
    """

    times_s: tuple[float, ...]
    survival: tuple[float, ...]
    mean_s: float = field(init=False)

    def __post_init__(self) -> None:
        times, surv = np.asarray(self.times_s, float), np.asarray(self.survival, float)
        if times.size == 0 or times.size != surv.size:
            raise DistributionError("empirical patience needs matching, non-empty times and S(t)")
        if np.any(np.diff(times) < 0) or np.any(np.diff(surv) > 0) or times[0] < 0:
            raise DistributionError("empirical patience: times must rise and S(t) must not")
        if not (0 <= surv[-1] < 1 and surv[0] <= 1):
            raise DistributionError("empirical patience: S(t) must lie in [0, 1) at the end")
        steps = np.diff(np.concatenate(([0.0], times)))
        before = np.concatenate(([1.0], surv[:-1]))
        tail = 0.0 if surv[-1] == 0 else surv[-1] / self.tail_rate
        object.__setattr__(self, "mean_s", float(np.sum(steps * before) + tail))

    @property
    def tail_rate(self) -> float:
        end, last = self.times_s[-1], self.survival[-1]
        return -math.log(last) / end if end > 0 and last > 0 else 1.0

    @classmethod
    def from_waits(cls, waits_s: np.ndarray, abandoned: np.ndarray) -> Empirical:
        """Kaplan–Meier from logged waits: abandons are events, answers and callbacks censor."""
        waits, events = np.asarray(waits_s, float), np.asarray(abandoned, bool)
        if not events.any():
            raise DistributionError("no abandoned calls in the log: patience cannot be fitted")
        if np.unique(waits[events]).size < 2:  # one step: no tail rate to go on with (a
            # lone hang-up at 0 s had given every caller about a second of patience)
            raise DistributionError(
                f"all {int(events.sum())} hang-ups in the log came after the same wait "
                f"({float(waits[events][0]):g} s): no spread to draw patience from")
        order = np.argsort(waits, kind="stable")
        waits, events = waits[order], events[order]
        times, first = np.unique(waits, return_index=True)
        at_risk = waits.size - first
        deaths = np.add.reduceat(events.astype(float), first)
        survival = np.cumprod(1 - deaths / at_risk)
        keep = deaths > 0
        return cls(tuple(times[keep].tolist()), tuple(survival[keep].tolist()))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        u = rng.random(size)
        surv = np.asarray(self.survival)
        # First time at which S(t) <= u; S is non-increasing, so search on -S.
        index = np.searchsorted(-surv, -u, side="left")
        inside = index < surv.size
        out = np.empty(size)
        out[inside] = np.asarray(self.times_s)[index[inside]]
        # Tail: S(t) = S_end * exp(-rate (t - t_end)) solved for S(t) = u.
        last, end = surv[-1], self.times_s[-1]
        out[~inside] = end + np.log(last / u[~inside]) / self.tail_rate
        return out

    def describe(self) -> str:
        return f"empirical ({len(self.times_s)} steps), mean {three_figures(self.mean_s / 60)} min"


Distribution = Exponential | Weibull | Lognormal | NoPatience | Empirical


WEIBULL_K = (0.3, 1000.0)
LOGNORMAL_SIGMA = (0.0, 2.0)
"""Shapes whose samples average the mean asked for (coefficient of variation at most about
7, so 10,000 draws average within about 7% of it): past them the mean lies in a tail a run
of calls rarely reaches (lognormal:5 talked 36 s on average for the 300 s asked, and every
such run said 0% unserved), and past K 0.001 or SIGMA 1e154 the scale overflowed ("unexpected
error"). Call centres' talk is near lognormal with SIGMA about 1 (Brown et al. 2005), and
fitted patience shapes sit near K 0.5-1.5."""


def _shape(value: str, what: str, bounds: tuple[float, float]) -> float:
    """A positive shape parameter within `bounds`."""
    try:
        number = float(value)
    except ValueError:
        raise DistributionError(f"{what}: {value!r} is not a number") from None
    low, high = bounds
    if not (number > 0 and math.isfinite(number)):
        raise DistributionError(f"{what}: must be a positive number (got {value})")
    if not low <= number <= high:
        raise DistributionError(
            f"{what}: must be from {low:g} to {high:g} (got {value}): past that the times "
            "drawn would not average the mean asked for (a tail a run rarely reaches)")
    return number


PATIENCE_ONLY = ("none", "empirical")
"""Spellings only patience takes: no hang-ups at all, and a curve fitted from a log's
hang-ups (talk times from it would be how long callers waited before hanging up)."""


def parse_distribution(spec: str, mean_s: float, *, what: str = "distribution",
                       patience: bool = True) -> Distribution:
    """Read `exponential`, `weibull:K`, `lognormal:SIGMA`, `empirical:FILE` or `none` (the
    last two only for patience)."""
    kind, _, argument = spec.strip().lower().partition(":")
    if kind in PATIENCE_ONLY and not patience:
        raise DistributionError(f"{what}: {kind} is for patience only (empirical:FILE is the "
                                "curve of a log's hang-ups); write exponential, weibull:K or "
                                "lognormal:SIGMA")
    if kind == "none":
        return NoPatience()
    if kind == "empirical":
        return load_empirical(spec.split(":", 1)[1] if argument else "")
    if not (mean_s > 0 and math.isfinite(mean_s)):
        raise DistributionError(f"{what}: the mean must be a positive number of minutes")
    if kind == "exponential" and not argument:
        return Exponential(mean_s)
    if kind == "weibull" and argument:
        return Weibull(mean_s, _shape(argument, f"{what} weibull shape K", WEIBULL_K))
    if kind == "lognormal" and argument:
        return Lognormal(mean_s, _shape(argument, f"{what} lognormal SIGMA", LOGNORMAL_SIGMA))
    spellings = SPELLINGS if patience else "exponential, weibull:K or lognormal:SIGMA"
    raise DistributionError(f"{what}: unknown {spec!r}; write one of {spellings}")


def load_empirical(path: str) -> Empirical:
    """Fit patience from a call-record file (CSV/Parquet with wait_s and outcome columns),
    read and its waits checked as `report` reads them (analytics: a bad cell named by its
    CSV line or Parquet data row, "nan" no number); callback outcomes are left out."""
    if not path:
        raise DistributionError("empirical patience needs a record file: empirical:calls.csv")
    from analytics.records import read_table, row_numbers  # only this spelling reads files
    from analytics.validation import MOST_SECONDS, RecordsError, number_column, numbered

    try:
        frame = read_table(path, ("outcome",), ("wait_s",))
    except RecordsError as error:
        raise DistributionError(f"empirical patience: {error}") from None
    if not {"wait_s", "outcome"} <= set(frame.columns):
        raise DistributionError(f"empirical patience: {path} needs wait_s and outcome columns")
    problems: list[str] = []
    with numbered(row_numbers(path)):
        waits = number_column(frame["wait_s"].reset_index(drop=True), "wait_s", problems,
                              required=True, integer=False, most=MOST_SECONDS)
    if problems:
        raise DistributionError(f"empirical patience: {path}: " + "; ".join(problems))
    outcome = frame["outcome"].astype(str).reset_index(drop=True)
    kept = ~outcome.str.startswith("callback").to_numpy()
    return Empirical.from_waits(waits.to_numpy(float)[kept],
                                (outcome == "abandoned").to_numpy()[kept])
