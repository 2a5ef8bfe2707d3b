"""Exact Erlang-A (M/M/n+M) figures, the Erlang-C limit, and the fewest agents for a target.

Formulas from Mandelbaum & Zeltyn, "The Palm/Erlang-A queue, with applications to call
centers" (2005), sections 4.4–4.6 (reference/contact-center.md section 5):
    E = Erlang-B(n, lambda/mu);  A(x, y) = x e^y y^-x gamma(x, y), x = n mu/theta, y = lambda/theta
    P{W>0} = A E / (1 + (A - 1) E);  P{Ab | W>0} = 1/(rho A) + 1 - 1/rho;  E[W] = P{Ab}/theta.
Erlang-B comes from its stable recursion and A from a log-space incomplete gamma (or its
series when y < x), so 1000 agents and extreme loads stay finite. The waiting-time law uses
that a caller who finds j waiting is served with probability x/(x+j+1), and by time t with
x/(x+j+1) I_p(j+1, x+1), p = 1 - e^(-theta t) (own derivation: with j ahead the line moves at
n mu + k theta, so 1 - e^(-theta V) ~ Beta(j+1, x); checked against simulation in the tests).
Rates may be in any one unit of time (per minute in the CLI); times come out in that unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.special import betainc, gammainc, gammaincc, gammaln, logsumexp


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/n/n with offered load `load` (may underflow to 0)."""
    return math.exp(log_erlang_b(agents, load))


def log_erlang_b(agents: int, load: float) -> float:
    """log Erlang-B, finite however overstaffed: Poisson log pmf minus log cdf at n where the
    cdf is not tiny (n above the load), else the stable recursion (then B is not tiny)."""
    if agents == 0:
        return 0.0
    upper = float(gammaincc(agents + 1, load))  # P{Poisson(load) <= agents}
    if upper > 1e-200:
        return agents * math.log(load) - load - float(gammaln(agents + 1)) - math.log(upper)
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return math.log(b)


def log_a(x: float, y: float) -> float:
    """log A(x, y) = log(x e^y y^-x gamma(x, y)), gamma the lower incomplete gamma."""
    if y >= x:  # the regularised gamma is at least about 1/2 here: no underflow
        return math.log(x) + y - x * math.log(y) + gammaln(x) + math.log(gammainc(x, y))
    total, term, j = 1.0, 1.0, 0  # A = sum_j y^j / prod_{k=1..j} (x + k), terms falling
    while term > 1e-17 * total:
        j += 1
        term *= y / (x + j)
        total += term
    return math.log(total)


def check_rates(arrival_rate: float, service_rate: float, patience_rate: float) -> None:
    """ValueError unless the rates are finite and positive (patience 0: never hang up) and
    their offered load is a number."""
    rates = (arrival_rate, service_rate, patience_rate)
    if not (all(math.isfinite(r) for r in rates) and arrival_rate > 0 and service_rate > 0
            and patience_rate >= 0):
        raise ValueError(f"rates must be finite and positive, patience rate 0 = never hang "
                         f"up (got arrival {rates[0]}, service {rates[1]}, patience "
                         f"{rates[2]})")
    if not math.isfinite(arrival_rate / service_rate):
        raise ValueError(f"the offered load (arrival rate / service rate) is beyond any "
                         f"number (got arrival {rates[0]}, service {rates[1]})")


@dataclass(frozen=True)
class ErlangA:
    """M/M/n+M: Poisson arrivals, exponential talk and patience, n agents, FCFS.

    `patience_rate` = 0 means callers never hang up (Erlang-C, M/M/n).
    """

    arrival_rate: float
    service_rate: float
    patience_rate: float
    agents: int

    def __post_init__(self) -> None:
        check_rates(self.arrival_rate, self.service_rate, self.patience_rate)
        if self.agents < 0 or int(self.agents) != self.agents:
            raise ValueError(f"agents must be a whole number >= 0 (got {self.agents})")
        if self.agents == 0 and self.patience_rate == 0:
            raise ValueError("no agents and callers who never hang up: the queue never empties")
        if self.patience_rate > 0 and self._longest_line() > MAX_LINE_SEEN:
            raise ValueError(
                f"callers who wait could find over {MAX_LINE_SEEN:,} in line (arrival rate "
                f"over patience rate {self.arrival_rate / self.patience_rate:.3g}): beyond "
                f"what the exact figures hold in memory: a lower arrival rate, or for callers "
                f"who (nearly) never hang up an infinite patience (Erlang-C)")

    def _longest_line(self) -> float:
        """The longest line a waiting caller is counted as finding (`_queue_seen`)."""
        x = self.agents * self.service_rate / self.patience_rate
        y = self.arrival_rate / self.patience_rate
        return max(y - x, 0.0) + 40 * math.sqrt(y + 1) + 50

    @property
    def load(self) -> float:
        """Offered load in Erlang: lambda / mu."""
        return self.arrival_rate / self.service_rate

    @property
    def stable(self) -> bool:
        """Whether the queue has a steady state: callers hang up, or agents outpace arrivals
        (an Erlang-C line at rho >= 1 grows without end)."""
        return self.patience_rate > 0 or self.rho < 1

    @property
    def rho(self) -> float:
        """lambda / (n mu); above 1 only abandonment keeps the queue finite."""
        return math.inf if self.agents == 0 else self.load / self.agents

    @cached_property
    def _xy(self) -> tuple[float, float, float]:
        """x = n mu / theta, y = lambda / theta and log A(x, y)."""
        theta = self.patience_rate
        x, y = self.agents * self.service_rate / theta, self.arrival_rate / theta
        return x, y, log_a(x, y)

    @cached_property
    def p_wait(self) -> float:
        """P{W > 0}: an arriving caller finds every agent busy."""
        if self.agents == 0:
            return 1.0
        log_b = log_erlang_b(self.agents, self.load)
        if self.patience_rate == 0:
            if self.rho >= 1:
                return 1.0
            blocking = math.exp(log_b)
            return blocking / (1 - self.rho * (1 - blocking))
        if log_b == 0.0:
            return 1.0
        # A E / (1 + (A - 1) E) = 1 / (1 + (1/E - 1) / A), in logs for huge A and tiny E.
        log_odds = math.log(-math.expm1(log_b)) - log_b - self._xy[2]
        return 0.0 if log_odds > 700 else 1.0 / (1.0 + math.exp(log_odds))

    @cached_property
    def p_abandon_given_wait(self) -> float:
        """P{Ab | W > 0}."""
        if self.patience_rate == 0:
            return 0.0
        if self.agents == 0:
            return 1.0
        rho = self.rho
        inverse = math.exp(max(-math.log(rho) - self._xy[2], -745.0))  # 1/(rho A), no overflow
        return min(max(inverse + 1 - 1 / rho, 0.0), 1.0)

    @property
    def p_abandon(self) -> float:
        """P{Ab}: the share of callers who hang up before an answer."""
        return self.p_abandon_given_wait * self.p_wait

    @property
    def mean_wait(self) -> float:
        """E[W] over all callers (abandoners' time to hang up included)."""
        if self.patience_rate == 0:
            if self.rho >= 1:
                return math.inf
            return self.p_wait / (self.agents * self.service_rate - self.arrival_rate)
        return self.p_abandon / self.patience_rate  # exact in Erlang-A

    def answered_within(self, t: float) -> float:
        """P{answered and waited <= t} over all arriving callers."""
        immediate = 1 - self.p_wait
        if self.patience_rate == 0:
            if self.rho >= 1:
                return immediate
            return 1 - self.p_wait * math.exp(-(self.agents * self.service_rate
                                                - self.arrival_rate) * t)
        if self.agents == 0:
            return 0.0
        x, y, log_a_ = self._xy
        j, log_w = self._queue_seen(x, y, log_a_)
        p = -math.expm1(-self.patience_rate * t)
        served = x / (x + j + 1) * betainc(j + 1, x + 1, p)
        return immediate + self.p_wait * float(np.sum(np.exp(log_w) * served))

    def service_level(self, t: float) -> float:
        """Answered within t / answered (Asterisk's SL); NaN when nobody is answered (no
        agents): 0/0, said n/a, as `simulate` says it (it had said 0.0)."""
        answered = 1 - self.p_abandon
        return self.answered_within(t) / answered if answered > 0 else math.nan

    @staticmethod
    def _queue_seen(x: float, y: float, log_a_: float) -> tuple[np.ndarray, np.ndarray]:
        """Queue lengths j a waiting arrival may find, and log P{j | W > 0}."""
        top = int(max(y - x, 0.0) + 40 * math.sqrt(y + 1) + 50)  # as _longest_line
        j = np.arange(top + 1, dtype=float)
        log_w = j * math.log(y) - (gammaln(x + j + 1) - gammaln(x + 1)) - log_a_
        return j, log_w - logsumexp(log_w)  # renormalise away the truncation


MAX_AGENTS = 1_000_000
"""The staffing search stops here: beyond any real queue (the largest centres seat thousands),
and the exact figures below it take well under a second."""
MAX_LINE_SEEN = 2_000_000
"""The longest line ErlangA sums over: about 16 MB a row and 3 s (ten million took 6 s and
700 MB; a patience of 1e300 minutes asked numpy for an array past any memory)."""


def fewest_agents(
    arrival_rate: float,
    service_rate: float,
    patience_rate: float,
    *,
    max_abandon: float | None = None,
    min_service_level: float | None = None,
    within: float = 20 / 60,
) -> int:
    """The fewest agents whose Erlang-A abandonment (and/or service level) meets the target.

    The service level here counts abandons as misses: answered within `within` / all callers
    (Asterisk's SL2 family), since a level among answered callers alone is met by letting
    callers hang up. `within` is in the rates' time unit (20 s in minutes: 1/3). Without
    patience (Erlang-C) a queue at rho >= 1 never meets any target.
    """
    check_targets(patience_rate, max_abandon, min_service_level, within)
    check_rates(arrival_rate, service_rate, patience_rate)
    # n agents answer at most n mu per unit time, so at most n mu / lambda of the callers:
    # a cheap necessary condition that skips the costly exact figures far below the load
    least_answered = max(0.0 if max_abandon is None else 1 - max_abandon,
                         min_service_level or 0.0)

    def meets(n: int) -> bool:
        if n == 0 and patience_rate == 0:
            return False
        if n * service_rate < least_answered * arrival_rate:
            return False
        q = ErlangA(arrival_rate, service_rate, patience_rate, n)
        if patience_rate == 0 and q.rho >= 1:
            return False
        ok = max_abandon is None or q.p_abandon <= max_abandon
        return ok and (min_service_level is None or q.answered_within(within) >= min_service_level)

    if not meets(MAX_AGENTS):
        raise ValueError(f"the target needs more than {MAX_AGENTS:,} agents at that load "
                         f"({arrival_rate / service_rate:,.6g} Erlang offered)")
    high = min(max(1, math.ceil(arrival_rate / service_rate)), MAX_AGENTS)
    while not meets(high):
        high = min(2 * high, MAX_AGENTS)
    low = -1  # does not meet (or n = 0 is the answer below)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if meets(middle) else (middle, high)
    return high


def check_targets(patience_rate: float, max_abandon: float | None,
                  min_service_level: float | None, within: float) -> None:
    """A clear error for a target no staffing can or need meet."""
    if max_abandon is None and min_service_level is None:
        raise ValueError("give max_abandon and/or min_service_level")
    if max_abandon is not None:
        if not 0 < max_abandon < 1:
            raise ValueError(f"abandonment target must be a fraction in (0, 1), e.g. 0.05 "
                             f"(got {max_abandon})")
        if patience_rate == 0:
            raise ValueError("without patience (Erlang-C) nobody abandons: give a service-level "
                             "target instead, or a patience mean")
    if min_service_level is not None and not 0 < min_service_level < 1:
        raise ValueError(f"service-level target must be a fraction in (0, 1), e.g. 0.8 "
                         f"(got {min_service_level})")
    if not (within >= 0 and math.isfinite(within)):
        raise ValueError(f"service-level threshold must be >= 0 and finite (got {within})")
