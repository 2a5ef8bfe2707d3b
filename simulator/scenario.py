"""A call centre to simulate: who calls when, who answers, how long they talk and wait.

Everything is a frozen value validated on construction; a bad value raises `ScenarioError`
naming the field, the problem and the fix, so a scenario never fails halfway through a run.
Rates and schedules are given per minute of the day and repeat every day.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from hold_policies.base import Voice
from hold_policies.closed_line import ClosedLine
from hold_policies.connecting import THANKS_AFTER_S, connecting_words, waited
from hold_policies.durations import say_duration_s
from hold_policies.hours import start_of_day
from hold_policies.prompts import Prompts, filled
from hold_policies.records import SERVICE_LEVEL_S
from hold_policies.resume import ResumeRule
from simulator.behaviour import Reactions
from simulator.distributions import Distribution, Exponential, NoPatience
from simulator.errors import ScenarioError

DAY_S = 86_400.0
__all__ = ["DAY_S", "Callbacks", "Estimates", "RateProfile", "ReplayedArrivals", "Scenario",
           "ScenarioError", "Staffing", "simple_scenario"]


def _steps(name: str, steps: tuple[tuple[float, float], ...]) -> None:
    """Check (start minute of day, value) steps: start at 0, rise, stay in the day, no negatives."""
    if not steps:
        raise ScenarioError(f"{name}: needs at least one (start_minute, value) step")
    starts = [start for start, _ in steps]
    if starts[0] != 0:
        raise ScenarioError(f"{name}: the first step must start at minute 0 (got {starts[0]})")
    if any(b <= a for a, b in zip(starts, starts[1:], strict=False)) or starts[-1] >= 1440:
        raise ScenarioError(f"{name}: step starts must rise and stay below minute 1440")
    for start, value in steps:
        if not (value >= 0 and math.isfinite(value)):
            raise ScenarioError(f"{name}: value at minute {start:g} must be >= 0 (got {value})")


@dataclass(frozen=True)
class RateProfile:
    """Poisson arrivals at `calls_per_min` from each step's start minute; repeats daily."""

    steps: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        _steps("arrival rate (calls per minute)", self.steps)
        if self.daily_calls <= 0:
            raise ScenarioError("arrival rate: the daily profile has no calls; give a rate > 0")

    @classmethod
    def constant(cls, calls_per_min: float) -> RateProfile:
        return cls(((0.0, float(calls_per_min)),))

    @property
    def daily_calls(self) -> float:
        ends = [start for start, _ in self.steps[1:]] + [1440.0]
        return sum(rate * (end - start) for (start, rate), end in zip(self.steps, ends,
                                                                      strict=True))

    @property
    def mean_per_min(self) -> float:
        return self.daily_calls / 1440


@dataclass(frozen=True)
class ReplayedArrivals:
    """Arrival times replayed from a call log, in seconds from the start of the run
    (`Scenario.replaying` sets both from the log's real moments)."""

    times_s: tuple[float, ...]

    def __post_init__(self) -> None:
        times = self.times_s
        if not times:
            raise ScenarioError("replayed arrivals: no arrival times given")
        if times[0] < 0 or any(b < a for a, b in zip(times, times[1:], strict=False)):
            raise ScenarioError("replayed arrivals: times must be >= 0 and sorted")

def parse_steps(text: str, what: str) -> tuple[tuple[float, float], ...]:
    """'0:0.5,480:2,1080:0.8' -> ((0, 0.5), (480, 2.0), (1080, 0.8)): minute of day:value."""
    steps = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        try:
            minute, value = (float(x) for x in part.split(":"))
        except ValueError:
            raise ScenarioError(f"{what}: {part!r} is not MINUTE:VALUE (e.g. 0:2,480:10)") \
                from None
        steps.append((minute, value))
    if not steps:
        raise ScenarioError(f"{what}: give at least one MINUTE:VALUE step")
    return tuple(steps)


@dataclass(frozen=True)
class Staffing:
    """Agents on duty from each step's start minute; repeats daily.

    When the number drops, agents leave as they next become free (a call is never cut).
    """

    steps: tuple[tuple[float, int], ...]

    def __post_init__(self) -> None:
        _steps("agents", tuple((s, float(n)) for s, n in self.steps))
        if any(int(n) != n for _, n in self.steps):
            raise ScenarioError("agents: must be whole numbers")

    @classmethod
    def constant(cls, agents: int) -> Staffing:
        return cls(((0.0, int(agents)),))

    @property
    def initial(self) -> int:
        return int(self.steps[0][1])

    @property
    def most(self) -> int:
        return int(max(n for _, n in self.steps))

    @property
    def mean(self) -> float:
        ends = [s for s, _ in self.steps[1:]] + [1440.0]
        return sum(n * (e - s) for (s, n), e in zip(self.steps, ends, strict=True)) / 1440


@dataclass(frozen=True)
class Callbacks:
    """How callbacks go: the customer answers with `answer_p`; else retried, then failed.

    Defaults are assumptions: Amazon Connect's example retries twice, 10 minutes apart
    (reference/contact-center.md section 4); we use 5 minutes, or `soonest_retry_s` when 5
    minutes would break the promised window (hold_policies.promise.retry_delay_s).
    """

    answer_p: float = 0.85  # assumption: most people answer a call they asked for
    retries: int = 2  # after the first attempt
    retry_spacing_s: float = 300.0
    ring_s: float = 25.0  # an agent's time on an attempt nobody answers
    answer_after_s: float = 8.0  # ringing before the customer picks up
    soonest_retry_s: float = 60.0  # [callbacks] min_retry_after_s: used when the regular
    retry_margin_s: float = 120.0  # spacing would retry within this margin of the promise

    def __post_init__(self) -> None:
        if not 0 <= self.answer_p <= 1:
            raise ScenarioError(f"callbacks.answer_p: must be in [0, 1] (got {self.answer_p})")
        if self.retries < 0 or int(self.retries) != self.retries:
            raise ScenarioError(f"callbacks.retries: must be a whole number >= 0 "
                                f"(got {self.retries})")
        for name in ("retry_spacing_s", "ring_s", "answer_after_s", "soonest_retry_s",
                     "retry_margin_s"):
            if not getattr(self, name) >= 0:
                raise ScenarioError(f"callbacks.{name}: must be >= 0 seconds")


@dataclass(frozen=True)
class Handoff:
    """Agent seconds around a conversation that are not talk: what the live app says then.

    Zero by default (the Erlang-A model); `handoff_for(prompts)` gives the app's real figures,
    so the fast engine and the Twilio emulator time the same call centre.
    """

    connect_s: float = 0.0  # the caller hears "connecting you" before the bridge
    callback_intro_s: float = 0.0  # the agent hears who is being called back, then dials
    callback_greeting_s: float = 0.0  # the customer hears the greeting before the bridge
    missed_s: float = 0.0  # the agent hears that the customer did not answer
    held_greeting_s: float = 0.0  # customer-first: the greeting before they hold for an agent
    connect_at_once_s: float | None = None
    """`connect_s` for a caller answered before THANKS_AFTER_S in line, who is not thanked
    for waiting (hold_policies.connecting); None: as long as `connect_s`."""

    def __post_init__(self) -> None:
        for name in ("connect_s", "callback_intro_s", "callback_greeting_s", "missed_s",
                     "held_greeting_s"):
            if not getattr(self, name) >= 0:
                raise ScenarioError(f"handoff.{name}: must be >= 0 seconds")
        if self.connect_at_once_s is not None and not self.connect_at_once_s >= 0:
            raise ScenarioError("handoff.connect_at_once_s: must be >= 0 seconds")

    def connect_after(self, waited_s: float) -> float:
        """Seconds of words before the bridge for a caller answered after `waited_s` in line:
        the app thanks only those who waited (hold_policies.connecting)."""
        if self.connect_at_once_s is None or waited(waited_s):
            return self.connect_s
        return self.connect_at_once_s

    def connects_after(self, waited_s: np.ndarray) -> np.ndarray:
        """`connect_after` for each of `waited_s`."""
        quick = self.connect_s if self.connect_at_once_s is None else self.connect_at_once_s
        return np.where(waited_s < THANKS_AFTER_S, quick, self.connect_s)

    def without_connect(self) -> Handoff:
        """No words before the bridge are timed (a fitted talk time already holds them)."""
        return replace(self, connect_s=0.0, connect_at_once_s=None)


def handoff_for(prompts: Prompts, typical_wait_min: int = 5,
                voice: Voice | None = None) -> Handoff:
    """The seconds the live app's own words take around each conversation (in `voice`'s
    language, for the words holdwell says in it)."""
    minutes = f"{typical_wait_min} minutes"
    return Handoff(
        connect_s=say_duration_s(connecting_words(prompts, voice or Voice(), None)),
        connect_at_once_s=say_duration_s(connecting_words(prompts, voice or Voice(), 0.0)),
        callback_intro_s=say_duration_s(filled(prompts.agent_callback_context, minutes=minutes)),
        callback_greeting_s=say_duration_s(prompts.callback_greeting),
        missed_s=say_duration_s(prompts.agent_callback_missed),
        held_greeting_s=say_duration_s(prompts.callback_held_greeting),
    )


@dataclass(frozen=True)
class Estimates:
    """How waits are estimated for policies: the app's [estimate] config."""

    window_s: float = 900.0
    min_departures: int = 5
    confidence: float = 0.9

    def __post_init__(self) -> None:
        if not (self.window_s > 0 and self.min_departures >= 1 and 0.5 < self.confidence < 1):
            raise ScenarioError("estimates: window_s > 0, min_departures >= 1 and confidence "
                                f"in (0.5, 1) are needed (got {self})")


MAX_CALLS = 10_000_000
"""Most callers one run holds in memory: beyond it a typo (1e9) would exhaust the machine."""


FIRST_MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
"""Where a simulated run starts by default (a Monday, midnight UTC); a fitted day starts at
the line's own midnight of this week (`simulator.line_clock.line_midnight`)."""


@dataclass(frozen=True)
class Scenario:
    """One call centre to run every policy on: arrivals, agents, talk and patience, reactions."""

    calls: int
    arrivals: RateProfile | ReplayedArrivals
    agents: Staffing
    service: Distribution
    patience: Distribution
    reactions: Reactions = field(default_factory=Reactions)
    callbacks: Callbacks = field(default_factory=Callbacks)
    estimates: Estimates = field(default_factory=Estimates)
    handoff: Handoff = field(default_factory=Handoff)
    queue: str = "support"
    start: datetime = FIRST_MONDAY  # a midnight; a replay's is its first day's (`replaying`)
    zone: str = "UTC"
    """The line's clock (an IANA zone): `start` is a midnight on it, and the rate profile's
    and staffing's minutes are its wall clock's on every day (`wall_clock`), across a
    daylight-saving change too."""
    service_level_s: float = SERVICE_LEVEL_S
    closed_line: ClosedLine | None = None
    """Opening hours (the queue's [hours]): callers outside them do not join the queue; some
    book a callback for the opening (`reactions.closed_callback_p`). None: always open."""
    resume: ResumeRule | None = None
    """Back in your place after a dropped line (the queue's [resume]); None or off: a dropped
    line is an abandon like any other."""
    queue_max_size: int | None = None
    """Twilio's queue size (the queue's max_size): a caller arriving while this many wait
    gets queue-full, the overflow offer where `when_full` asks for it, else an `error` as
    the app logs it. None: no limit."""
    horizon_s: float | None = None
    """Count only the calls entering before it (seconds from `start`): a twin's whole days.
    Arrivals are drawn as `calls` points of a unit Poisson process, so a fixed count ends
    its day at N ± sqrt(N) on the day's rate (an evening cut short, or spilling into the next
    morning); drawing more and counting the first days' is a Poisson day. None: count all."""

    @property
    def expected_calls(self) -> float:
        """The calls a run counts on average: `calls`, or the horizon's share of the rate."""
        if self.horizon_s is None or not isinstance(self.arrivals, RateProfile):
            return float(self.calls)
        return self.arrivals.daily_calls * self.horizon_s / DAY_S

    def __post_init__(self) -> None:
        if isinstance(self.arrivals, ReplayedArrivals) and self.calls != len(
                self.arrivals.times_s):
            raise ScenarioError(f"calls: {self.calls} given but {len(self.arrivals.times_s)} "
                                "arrival times replayed; leave calls to the log's count")
        if self.calls < 1 or int(self.calls) != self.calls:
            raise ScenarioError(f"calls: must be a whole number >= 1 (got {self.calls})")
        if self.calls > MAX_CALLS:
            raise ScenarioError(f"calls: {self.calls:,} is more than one run simulates "
                                f"({MAX_CALLS:,}: every caller is held in memory); simulate "
                                "fewer calls or days, or a lower arrival rate")
        for name in ("service", "patience"):
            mean = getattr(self, name).mean_s
            if not mean > 0 or (name == "service" and not math.isfinite(mean)):
                raise ScenarioError(f"{name}: the mean must be a positive number of minutes")
        if self.agents.most == 0 and isinstance(self.patience, NoPatience):
            raise ScenarioError("agents: zero agents and callers who never hang up: no call "
                                "could ever end; add agents or give callers a patience")
        self._check_the_queue_can_drain()
        if self.service_level_s < 0:
            raise ScenarioError("service_level_s: must be >= 0 seconds")
        if self.horizon_s is not None and not self.horizon_s > 0:
            raise ScenarioError("horizon_s: must be a positive number of seconds")
        if self.start.tzinfo is None:
            raise ScenarioError("start: must be a timezone-aware UTC time")

    def replaying(self, moments: Iterable[datetime], zone: str = "UTC") -> Scenario:
        """This scenario with a call log's arrivals at their real moments, from midnight of
        the first call's day on the line's clock (`zone`): opening hours, closed dates and
        weekdays then apply to the calls' real days, records carry their real dates, and
        the staffing schedule meets them at their time of day. (It had started every replay
        on Monday 2026-01-05, so a Saturday evening's callers rang an open weekday line.)"""
        ordered = sorted(moments)
        if not ordered:
            raise ScenarioError("replayed arrivals: the call log has no calls")
        start = start_of_day(ordered[0], ZoneInfo(zone))
        times = tuple((moment - start).total_seconds() for moment in ordered)
        return replace(self, arrivals=ReplayedArrivals(times), calls=len(times), start=start,
                       zone=zone)

    def _check_the_queue_can_drain(self) -> None:
        """Refuse callers who never hang up on a line with more work than agents: the queue
        then grows without end, every waiter is polled each minute (a run slows to minutes,
        its memory grows) and the waits say only how many calls were asked for."""
        if not isinstance(self.patience, NoPatience) or not isinstance(self.arrivals,
                                                                       RateProfile):
            return
        load = self.arrivals.mean_per_min * self.service.mean_s / 60  # Erlang
        if load < self.agents.mean:
            return
        raise ScenarioError(
            f"patience none: {self.arrivals.mean_per_min:g} calls/min × "
            f"{self.service.mean_s / 60:g} min talk is {load:g} Erlang of work for "
            f"{self.agents.mean:g} agent(s), and callers who never hang up: the queue never "
            f"drains, so the run only slows down and its waits grow with --calls. Give callers "
            f"a patience (--patience exponential), staff more than {load:g} agents, or lower "
            f"the arrival rate below {60 * self.agents.mean / self.service.mean_s:g} calls/min")


def simple_scenario(
    *,
    calls: int,
    agents: int,
    arrivals_per_min: float,
    service_mean_min: float,
    patience_mean_min: float,
    patience: Distribution | None = None,
    service: Distribution | None = None,
    reactions: Reactions | None = None,
    **more: object,
) -> Scenario:
    """The CLI's flat parameters as a Scenario (minutes in, seconds inside)."""
    if patience is None and not patience_mean_min > 0:
        raise ScenarioError(f"patience mean: must be > 0 minutes (got {patience_mean_min})")
    return Scenario(
        calls=calls,
        arrivals=RateProfile.constant(arrivals_per_min),
        agents=Staffing.constant(agents),
        service=service or Exponential(service_mean_min * 60),
        patience=patience or Exponential(patience_mean_min * 60),
        reactions=reactions if reactions is not None else Reactions(),
        **more,  # type: ignore[arg-type]
    )
