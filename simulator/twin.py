"""The twin: a scenario fitted from a call log, with the uncertainty and the limits of the fit.

`fit_twin(records)` reads a records DataFrame (DESIGN.md columns plus `talk_s`, the agent's
seconds on a connected call from the answer to hanging up) and fits arrivals per half-hour
and weekday, talk time, patience per policy (censored), callbacks and agents on duty;
`twin_scenario(twin, day=...)` turns it into
a `Scenario` for one day. Patience for the simulation is the one fitted under the most
neutral policy in the log (`NEUTRAL_ORDER`): the behaviour model then adds what each policy
makes callers do, so predicting another policy does not count its reactions twice. Callers'
callback take-up (`Twin.take_up`) is the behaviour model's assumption until
`simulator.fit_take_up` fits it to the measured acceptance (`holdwell fit`, the console).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING

from analytics.validation import number_column
from simulator.behaviour import Reactions
from simulator.errors import UnfittableLog
from simulator.fit_results import (
    ASSUMED_TAKE_UP,
    SLOT_MIN,
    WEEKDAYS,
    AgentsFit,
    CallbackFit,
    PatienceFit,
    SlotRates,
    TakeUpFit,
    TalkFit,
    slot_spans,
)
from simulator.line_clock import line_midnight, on_line_clock
from simulator.scenario import (
    DAY_S,
    Callbacks,
    Estimates,
    Handoff,
    RateProfile,
    Scenario,
    ScenarioError,
    Staffing,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

NEUTRAL_ORDER = ("music_ads", "silence", "checkin", "callback")
"""music_ads is about neutral in the behaviour model (apology 0.92 x adverts 1.08 = 0.99)."""
MIN_ABANDONS = 30


@dataclass(frozen=True)
class Twin:
    arrivals: SlotRates
    by_weekday: dict[str, SlotRates]
    talk: TalkFit
    patience: dict[str, PatienceFit]
    base_policy: str
    callbacks: CallbackFit
    agents: AgentsFit
    calls: int
    first_day: str
    last_day: str
    retries: int = Callbacks.retries
    retry_spacing_s: float = Callbacks.retry_spacing_s
    warnings: tuple[str, ...] = field(default=())
    timezone: str = "UTC"
    """The line's clock its slots, days and weekdays were read on (simulator.line_clock)."""
    take_up: TakeUpFit = ASSUMED_TAKE_UP
    """Callers' callback take-up in its simulations: fitted to the measured acceptance by
    `simulator.fit_take_up` (`holdwell fit`), else the behaviour model's assumption."""

    def reactions(self) -> Reactions:
        """The behaviour model with this twin's callback take-up."""
        return Reactions(callback_p=self.take_up.callback_p,
                         callback_if_too_long_p=self.take_up.callback_if_too_long_p)

    def weekdays(self) -> tuple[str, ...]:
        """Weekdays with calls in the log, Monday first: one the log spans without a call is
        taken as shut (simulator.twin_report), and has no day to simulate."""
        return tuple(name for name in WEEKDAYS if name in self.by_weekday
                     and self.by_weekday[name].daily_calls > 0)

    def day_rates(self, day: str) -> SlotRates:
        """The arrivals of one fitted weekday, or of all days ("all"); ScenarioError naming
        the days there are when the log has no such day (a KeyError had reached staffing)."""
        if day == "all":
            return self.arrivals
        if day not in WEEKDAYS:  # "friday" had been told it "is not in the log"
            raise ScenarioError(f"--day: {day!r} is not a valid day: give all, or a weekday "
                                f"written {', '.join(WEEKDAYS)} (not a date); the log has "
                                f"{', '.join(self.weekdays())}")
        if day not in self.by_weekday:
            raise ScenarioError(f"--day: {day!r} is not in the log; choose all or one of "
                                f"{', '.join(self.weekdays())}")
        if day not in self.weekdays():  # the profile's "give a rate > 0" had reached the user
            raise ScenarioError(f"--day: the log has no calls on a {day} (taken as shut); "
                                f"choose all or one of {', '.join(self.weekdays())}")
        return self.by_weekday[day]


LONGEST_TALK_S = 24 * 3600.0
"""The longest conversation a log may hold: past a day a talk time is another unit
(milliseconds) or a placeholder, and one would swamp the fitted mean."""


def fit_twin(records: pd.DataFrame, *, retries: int = Callbacks.retries, seed: int = 0,
             progress: Callable[[], None] | None = None, timezone: str = "UTC") -> Twin:
    """Fit every part of the twin; thin parts are fitted anyway and named in `warnings`.
    `timezone`: the line's IANA zone, whose wall clock the slots and days are read on.
    `progress` is called between parts and inside the patience bootstrap: a web request
    passes a deadline that raises, since a fit on a long log can take many seconds."""
    import pandas as pd

    from simulator.fit_agents import fit_agents
    from simulator.fit_arrivals import MIN_COVERED, fit_arrivals, never_covered
    from simulator.fit_callbacks import fit_callbacks
    from simulator.fit_patience import LONGEST_WAIT_S, fit_patience
    from simulator.fit_talk import fit_talk

    if "talk_s" not in records:
        raise ScenarioError("the log has no talk_s column (agent seconds from answer to hang-up): "
                            "fit from DATABASE_URL, which reads it from CONNECT/COMPLETE "
                            "events, or add the column")
    problems: list[str] = []
    records = records.assign(talk_s=number_column(records["talk_s"], "talk_s", problems,
                                                  required=False, integer=False,
                                                  most=LONGEST_TALK_S))
    if problems:  # a text cell was an unexpected error, milliseconds a fitted 3-day talk
        raise ScenarioError("; ".join(problems) + " (talk_s: agent seconds from answer to "
                            "hang-up)")
    if not records["talk_s"].notna().any():
        raise UnfittableLog("talk time: no call in the log has a talk time (talk_s): nobody "
                            "was answered, or the answered calls have not ended yet")
    step = progress or (lambda: None)
    step()
    moments = pd.to_datetime(records["entered_at"], utc=True)
    overall, by_day = fit_arrivals(moments, timezone)
    records = on_line_clock(records, timezone)  # slots and days as the line keeps them
    entered = records["entered_at"]
    if overall.daily_calls <= 0:  # every half-hour touched was seen too briefly to count
        span_min = (entered.max() - entered.min()).total_seconds() / 60
        raise UnfittableLog(
            f"arrival rates: the log's {len(entered):,} calls came within {span_min:.0f} "
            f"min, and a half-hour counts only when the log covers at least half of it "
            f"({MIN_COVERED * SLOT_MIN:g} min): the twin needs calls that span at least "
            "half an hour")
    outcome = records["outcome"].astype(str).to_numpy()
    patience, warnings = {}, []
    for policy in sorted(records["policy"].astype(str).unique()):
        mine = (records["policy"].astype(str) == policy).to_numpy()
        abandoned = mine & (outcome == "abandoned")
        if abandoned.sum() == 0:
            warnings.append(f"patience under {policy}: no hang-ups, not fitted")
            continue
        waits = records["wait_s"].to_numpy(float)[mine]
        if (corrupt := int((waits > LONGEST_WAIT_S).sum())):
            warnings.append(f"patience under {policy}: {corrupt:,} "
                            f"wait{'s' if corrupt != 1 else ''} longer than "
                            f"{LONGEST_WAIT_S / 86_400:g} days left out as corrupt")
        if abandoned.sum() < MIN_ABANDONS:
            warnings.append(f"patience under {policy}: only {abandoned.sum()} hang-ups "
                            f"(fewer than {MIN_ABANDONS}): wide uncertainty")
        try:
            patience[policy] = fit_patience(waits, abandoned[mine], seed=seed, progress=step)
        except UnfittableLog as error:
            reason = str(error).removeprefix("patience: ")
            warnings.append(f"patience under {policy}: {reason}; not fitted")
    if not patience:
        raise UnfittableLog("patience cannot be fitted under any policy in the log: "
                            + "; ".join(w for w in warnings if w.startswith("patience")))
    base = next(p for p in (*NEUTRAL_ORDER, *sorted(patience)) if p in patience)
    if base not in ("music_ads", "silence"):
        warnings.append(f"patience: the log has no neutral policy; patience under {base} is "
                        "used as neutral, so its own effect on callers is counted twice")
    step()
    agents = fit_agents(records.assign(entered_at=entered))
    step()
    warnings += never_logged(never_covered(moments, timezone))
    warnings += thin_parts(overall, by_day, agents)
    days = pd.DatetimeIndex(entered.dt.normalize().unique()).sort_values()
    warnings += sparse_days(len(days), (days[-1] - days[0]).days + 1)
    warnings += same_callers_twice(records)
    return Twin(overall, by_day, fit_talk(records["talk_s"].to_numpy(float)), patience, base,
                fit_callbacks(records, retries), agents, len(records),
                str(days[0].date()), str(days[-1].date()), retries, Callbacks.retry_spacing_s,
                tuple(warnings), timezone)


def thin_parts(overall: SlotRates, by_day: dict[str, SlotRates], agents: AgentsFit) -> list[str]:
    """What the log is too thin to support, in words."""
    import numpy as np

    out = []
    rates, se = np.array(overall.per_min), np.array(overall.se_per_min)
    loose = int(np.count_nonzero((rates > 0) & (se > 0.3 * rates)))
    if loose:
        out.append(f"arrivals: {loose} half-hour(s) with a standard error above 30% of the "
                   "rate (fewer than about 11 calls); rates there are rough")
    out += [f"arrivals by weekday: {name} {rates_.borrowed_hours} never in the log: the "
            "all-days rates are used there (borrowed = true in the scenario file)"
            for name, rates_ in by_day.items() if any(rates_.borrowed)]
    few = [name for name, rates_ in by_day.items() if rates_.days < 2]
    if few:
        out.append(f"arrivals by weekday: only one {', '.join(few)} in the log; simulate all "
                   "days (day: all; --day all on the command line) or fit a longer log")
    bounds = sum(agents.lower_bound[s] and agents.per_slot[s] > 0 for s in range(len(
        agents.per_slot)))
    if bounds:
        out.append(f"agents: in {bounds} half-hour(s) with calls no caller was answered after "
                   "waiting in line (nobody waited, or those who did hung up or took a "
                   "callback), so the log only shows a lower bound on agents there")
    return out


def never_logged(unseen: tuple[bool, ...]) -> list[str]:
    """A warning naming the half-hours no day of the log covered (`never_covered`): their
    rate is 0 because nothing was measured, and a log of a night had fitted "1,009 calls/day"
    and a staffing plan of no agents from 07:30 to 21:00 without a word."""
    if not any(unseen):
        return []
    return [f"arrivals: {slot_spans(unseen)} never in the log on any day: taken as no calls "
            "(not measured), so a what-if or staffing plan there has nobody ringing and no "
            "agents; fit a log of whole days"]


SPARSE_DAYS = 0.5
"""A log with calls on fewer than this share of the days it spans (a line open five days a
week has 5/7) is more likely to hold a stray entry time than a quiet line."""


def sparse_days(with_calls: int, spanned: int) -> list[str]:
    """A warning when the days with calls are few among the days the log spans: the arrival
    rates average over every spanned day of the weekdays that had calls, so one row dated
    1900 made a busy line 0 calls/day."""
    if spanned <= 7 or with_calls >= SPARSE_DAYS * spanned:
        return []
    return [f"arrivals: calls on only {with_calls:,} of the {spanned:,} days the log spans, "
            "and the rates count every spanned day of those weekdays: a stray entry time, or "
            "weeks the line was shut? Fit a log of the days the line ran"]


SHARED_ENTRIES = 0.5
"""Two policies whose calls share at least this share of the smaller one's entry moments ran
the same callers; an A/B split's callers enter at moments of their own."""


def shared_entries(records: pd.DataFrame) -> tuple[str, str, int] | None:
    """Two policies whose calls entered at the very same moments, and how many they share:
    the same callers run under each policy (`compare --out`); None if no two did."""
    by_policy = {str(policy): set(part["entered_at"])
                 for policy, part in records.groupby("policy", observed=True)}
    for first, second in combinations(sorted(by_policy), 2):
        shared = len(by_policy[first] & by_policy[second])
        if shared >= SHARED_ENTRIES * min(len(by_policy[first]), len(by_policy[second])):
            return first, second, shared
    return None


def same_callers_twice(records: pd.DataFrame) -> list[str]:
    """A warning when the same callers ran under two policies (`shared_entries`): every rate
    fitted counts them once per policy."""
    if (found := shared_entries(records)) is None:
        return []
    first, second, shared = found
    return [f"arrivals: {first} and {second} share {shared:,} entry times: the same callers "
            "run under each policy (a compare output?), so arrivals and agents count them "
            "once per policy; fit one policy's rows"]


def staffing_of(per_slot: tuple[int, ...]) -> Staffing:
    """Per-half-hour agents as schedule steps (consecutive equal slots merged)."""
    steps = [(0.0, int(per_slot[0]))]
    for slot, n in enumerate(per_slot[1:], start=1):
        if n != steps[-1][1]:
            steps.append((float(slot * SLOT_MIN), int(n)))
    return Staffing(tuple(steps))


def profile_of(rates: SlotRates) -> RateProfile:
    """Per-half-hour rates as a rate profile."""
    return RateProfile(tuple((float(slot * SLOT_MIN), float(rate))
                             for slot, rate in enumerate(rates.per_min)))


def whole_days_calls(daily_calls: float, days: int) -> int:
    """Calls to draw so the first `days` days are a complete Poisson stream (the draw is n
    arrivals, not a time span): the mean plus 6 standard deviations and 10; a consumer keeps
    only calls entering before `days` x 24 h."""
    mean = daily_calls * days
    return int(math.ceil(mean + 6 * math.sqrt(mean) + 10))


def twin_scenario(twin: Twin, *, day: str = "all", days: int = 1,
                  agents: tuple[int, ...] | None = None, reactions: Reactions | None = None,
                  handoff: Handoff | None = None, estimates: Estimates | None = None) -> Scenario:
    """One fitted day (`day`: all or mon..sun) repeated `days` times, as a Scenario: a
    Poisson stream of calls, counted over those whole days (`Scenario.horizon_s`)."""
    rates = twin.day_rates(day)
    cb = twin.callbacks
    return Scenario(
        start=line_midnight(twin.timezone, day), zone=twin.timezone,
        calls=whole_days_calls(rates.daily_calls, days), horizon_s=days * DAY_S,
        arrivals=profile_of(rates),
        agents=staffing_of(agents or twin.agents.per_slot), service=twin.talk.chosen,
        patience=twin.patience[twin.base_policy].chosen,
        reactions=reactions if reactions is not None else twin.reactions(),
        callbacks=Callbacks(answer_p=cb.answer_p if cb.answer_p is not None
                            else Callbacks.answer_p, retries=twin.retries,
                            retry_spacing_s=twin.retry_spacing_s),
        estimates=estimates or Estimates(),
        # fitted talk runs from the answer, so it already holds the spoken connect message
        handoff=(handoff or Handoff()).without_connect(),
    )
