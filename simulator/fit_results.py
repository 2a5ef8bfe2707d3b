"""What a fit finds, as plain frozen values: light to import, so reading a scenario file (and
simulating it) never loads pandas or scipy; the `fit_*` modules compute them."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.distributions import Distribution

SLOT_MIN = 30
SLOTS = 1440 // SLOT_MIN
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SlotRates:
    """Calls per minute for each half-hour of the day, with standard errors, over `days`."""

    per_min: tuple[float, ...]
    se_per_min: tuple[float, ...]
    days: int
    borrowed: tuple[bool, ...] = (False,) * SLOTS
    """A weekday's half-hours the log never covered: their rate (and error) is the all-days
    one (`fit_arrivals`), not a measured zero."""

    @property
    def daily_calls(self) -> float:
        return float(sum(self.per_min)) * SLOT_MIN

    @property
    def borrowed_calls(self) -> float:
        """The calls a day that sit in borrowed half-hours (part of `daily_calls`)."""
        return float(sum(r for r, b in zip(self.per_min, self.borrowed, strict=True) if b)) \
            * SLOT_MIN

    @property
    def borrowed_hours(self) -> str:
        """The borrowed half-hours as wall-clock spans: "00:00-08:00, 18:00-24:00"."""
        return slot_spans(self.borrowed)


BORROWED_MARK = "*"
"""How a table marks a borrowed half-hour's rate (BORROWED says what it means)."""
BORROWED_SHORT = "borrowed: the all-days rate, not measured on the day"
"""BORROWED in a few words, where a mark's hover text has no room for all of it."""
BORROWED = ("borrowed: a half-hour the log never covered on this weekday, so its rate and "
            "error are the all-days ones (`holdwell fit` writes borrowed = true in the "
            "scenario file), not measured on the day")
"""What a borrowed half-hour is, for every table that shows one."""


def hhmm(slot: int) -> str:
    """The half-hour's start, HH:MM (slot 48: 24:00, the day's end)."""
    return f"{slot * SLOT_MIN // 60:02d}:{slot * SLOT_MIN % 60:02d}"


def slot_spans(flags: tuple[bool, ...]) -> str:
    """The flagged half-hours as wall-clock spans: "00:00-08:00, 18:00-24:00"."""
    spans: list[list[int]] = []
    for slot, flag in enumerate(flags):
        if flag and spans and spans[-1][1] == slot:
            spans[-1][1] = slot + 1
        elif flag:
            spans.append([slot, slot + 1])
    return ", ".join(f"{hhmm(start)}-{hhmm(end)}" for start, end in spans)


@dataclass(frozen=True)
class TalkFit:
    chosen: Distribution
    kind: str
    mean_s: float
    mean_se_s: float  # standard error of the sample mean
    sigma: float | None
    calls: int
    aic: dict[str, float]


@dataclass(frozen=True)
class PatienceFit:
    """The chosen patience law and how it was chosen (AIC per family, KM gap, bootstrap SEs)."""

    chosen: Distribution
    kind: str
    mean_s: float
    mean_se_s: float
    shape: float | None  # Weibull k or log-normal sigma
    shape_se: float | None
    calls: int  # calls that waited (answered at once say nothing about patience)
    abandoned: int
    aic: dict[str, float]
    km_gap: float


@dataclass(frozen=True)
class CallbackFit:
    requested: int
    acceptance: float | None
    answer_p: float | None
    answer_p_se: float | None
    method: str


@dataclass(frozen=True)
class AgentsFit:
    per_slot: tuple[int, ...]
    lower_bound: tuple[bool, ...]  # no caller answered after waiting here: at least this many
    waited_answers: tuple[int, ...]  # answers after a wait that the estimate rests on


@dataclass(frozen=True)
class TakeUpFit:
    """The behaviour model's callback take-up (`Reactions.callback_p`, `callback_if_too_long_p`)
    and where it comes from: `simulator.fit_take_up` fits it to the measured acceptance."""

    callback_p: float
    callback_if_too_long_p: float
    status: str = "assumed"
    """fitted (the simulated acceptance meets the measured one), nearest (it cannot: the
    closest the model reaches) or assumed (the behaviour model's defaults, not fitted)."""
    multiplier: float = 1.0  # of the assumed pair (each capped at 1)
    simulated: float | None = None  # the acceptance a simulation of the fitted twin gives
    runs: int = 0  # simulations the fit took
    note: str = "the fit was not asked to fit it (`holdwell fit` does, unless --assume-take-up)"

    @property
    def fitted(self) -> bool:
        return self.status != "assumed"


ASSUMED_TAKE_UP = TakeUpFit(0.2, 0.8)
"""`Reactions()`'s defaults (tests/simulator/test_fit_take_up.py checks they agree)."""

ACCEPTANCE_MEANS = ("acceptance = callers who chose a callback / callers under the callback "
                    "policy who heard at least one announcement")


def take_up_said(fit: TakeUpFit, measured: float | None) -> str:
    """Where a simulation's callback take-up comes from, said beside the measured acceptance
    (`holdwell fit`'s summary, the console's twin page)."""
    pair = (f"callback_p {fit.callback_p:.3g} and callback_if_too_long_p "
            f"{fit.callback_if_too_long_p:.3g}")
    if not fit.fitted:
        return (f"simulations take callers' take-up from the behaviour model's assumptions, "
                f"{pair}; not fitted: {fit.note}")
    simulated = "n/a" if fit.simulated is None else f"{100 * fit.simulated:.1f}%"
    shown = "n/a" if measured is None else f"{100 * measured:.1f}%"
    how = "fitted to" if fit.status == "fitted" else "the nearest the model comes to"
    return (f"simulations take callers' take-up, {pair} (the behaviour model's "
            f"{ASSUMED_TAKE_UP.callback_p:g} and {ASSUMED_TAKE_UP.callback_if_too_long_p:g} "
            f"x {fit.multiplier:.3g}), {how} the measured acceptance {shown} (simulated "
            f"{simulated}; {ACCEPTANCE_MEANS}): {fit.note}")
