"""The Twin page's and API's models: what an analyst asks of the twin fitted from the live
log, and what comes back. The console's form validates with `TwinAsk` too."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from analytics.promises import PROMISE_KEPT_RATE
from app.api.models import Model
from hold_policies.config import ARM_NAME_PATTERN, POLICY_NAMES
from hold_policies.records import SERVICE_LEVEL_S
from simulator.fit_results import BORROWED

WHATIF_ORDER = ("music_ads", "silence", "checkin", "callback")
"""The status quo first: every other policy is compared with it, paired by replication."""
MOST_POLICIES = 8
"""Policies and variants in one what-if: its cost grows with each."""
VARIANTS = "variants"
"""The validation context's key for the configured variants' names (what `policies` may
name beside the four policies): the config is the running app's, not the model's."""
PolicyOrVariant = Annotated[str, Field(
    pattern=ARM_NAME_PATTERN,
    description=f"one of {', '.join(WHATIF_ORDER)}, or a variant of the queue the twin "
                "simulates ([queues.NAME.variants]: its words and knobs)")]

Fraction = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
"""A share in (0, 1); "nan" is refused as no number (it had been "should be less than 1")."""
Day = Literal["all", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WindowDays = Annotated[int, Field(
    ge=1, le=90, description="fit the calls of the log's last N days (back from its newest call)")]


class TwinWindow(Model):
    window_days: WindowDays = 28


def one_or_48_items(schema: dict[str, Any]) -> None:
    """`one_or_48`, stated in the document: a client (or a fuzzer) sending 2 to 47 numbers
    learns it is refused before asking (the list branch becomes a 1-item and a 48-item one)."""
    branches = []
    for branch in schema["anyOf"]:
        lengths = [1, 48] if branch.get("type") == "array" else [None]
        branches += [branch if n is None else {**branch, "minItems": n, "maxItems": n}
                     for n in lengths]
    schema["anyOf"] = branches


NOT_BOTH_TARGETS: dict[str, Any] = {"not": {
    "required": ["target_unserved", "target_service_level"],
    "properties": {"target_unserved": {"type": "number"},
                   "target_service_level": {"type": "number"}}}}
"""`one_target`, stated in the document."""


class TwinAsk(Model):
    """A what-if on the fitted day: policies, replications, agents or a staffing target."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=NOT_BOTH_TARGETS)

    window_days: WindowDays = 28
    day: Day = Field("all", description="the fitted weekday's arrivals, or all days'")
    policies: Annotated[list[PolicyOrVariant], Field(
        min_length=1, max_length=MOST_POLICIES, json_schema_extra={"uniqueItems": True},
        description="the first is the one every other is compared with")] = list(WHATIF_ORDER)
    replications: Annotated[int, Field(ge=2, le=20)] = 10
    agents: Annotated[list[Annotated[int, Field(ge=0, le=1000)]] | None, Field(
        json_schema_extra=one_or_48_items,
        description="agents per half-hour instead of the fitted ones: one number for every "
                    "half-hour the line is open, or 48 (00:00 to 23:30)")] = None
    target_unserved: Fraction | None = Field(None, description="staffing: most unserved per "
                                                               "half-hour, e.g. 0.05")
    target_service_level: Fraction | None = Field(
        None, description="staffing: least (answered + called back) within sl_seconds of "
                          "entering / entered (the report's served_in_time_rate), e.g. 0.8")
    sl_seconds: Annotated[float, Field(ge=1, le=3600, allow_inf_nan=False, description=(
        "service level threshold, seconds; the one the report and the wallboard use by "
        "default"))] = SERVICE_LEVEL_S
    backtest_days: Annotated[int, Field(ge=1, le=14)] | None = Field(
        None, description="also fit on all but the last N days and predict those")
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0

    @field_validator("policies")
    @classmethod
    def each_once_and_known(cls, names: list[str], info: ValidationInfo) -> list[str]:
        if len(set(names)) != len(names):
            raise ValueError("name each policy once")
        variants = (info.context or {}).get(VARIANTS, ())
        unknown = [name for name in names if name not in POLICY_NAMES and name not in variants]
        if unknown:
            raise ValueError(f"unknown {unknown[0]!r}: choose from {', '.join(WHATIF_ORDER)}"
                             + (f" or a variant ({', '.join(sorted(variants))})" if variants
                                else " (the config names no variants)"))
        return names

    @field_validator("agents")
    @classmethod
    def one_or_48(cls, agents: list[int] | None) -> list[int] | None:
        if agents is not None and len(agents) not in (1, 48):
            raise ValueError(f"give one number, or 48 (one per half-hour); got {len(agents)}")
        return agents

    @model_validator(mode="after")
    def one_target(self) -> TwinAsk:
        if self.target_unserved is not None and self.target_service_level is not None:
            raise ValueError("give one staffing target: `target_unserved` or "
                             "`target_service_level`, not both")
        return self


class Estimate(Model):
    value: float | None
    se: float | None = Field(description="standard error")


class Interval(Model):
    mean: float | None = Field(description="the mean over replications (a share as a fraction, "
                               "a time in seconds)")
    half_width: float | None = Field(description="95% half-width over the replications; for "
                                     "a share every replication put at 0 or 1, the one-sided "
                                     "95% Clopper-Pearson bound over all their calls (the "
                                     "interval runs one way only); a staffing figure's is "
                                     "never narrower than the 95% Wilson interval of the "
                                     "calls pooled over the replications")


class SlotFit(Model):
    start: str = Field(description="half-hour, HH:MM on the line's clock (`timezone`)")
    calls_per_min: Estimate
    agents: int
    agents_lower_bound: bool = Field(description="no caller was answered after waiting in "
                                     "this half-hour: at least this many on duty")


class TalkFitView(Model):
    law: str
    mean_s: Estimate
    sigma: float | None
    calls: int
    aic: dict[str, float | None]


class PatienceFitView(Model):
    policy: str
    law: str
    mean_s: Estimate
    shape: Estimate = Field(description="Weibull k or log-normal sigma (none: exponential)")
    hang_ups: int
    waited: int
    km_gap: float | None = Field(description="largest |S_KM - S_fit|")
    aic: dict[str, float | None]
    drives_simulation: bool


class CallbacksFitView(Model):
    requested: int
    acceptance: float | None = Field(
        description="requested / callers who heard an announcement under callback (measured)")
    answer_p: Estimate
    method: str
    take_up_status: str = Field(
        "assumed", description="fitted: the reactions' callback_p and callback_if_too_long_p "
        "make a simulation of the twin reproduce the measured acceptance; nearest: they come "
        "as near as the model can; assumed: the behaviour model's defaults, not fitted")
    take_up: str = Field("", description="Where a simulation's callback take-up comes from, "
                         "in words, with the simulated acceptance when fitted")


class TwinFitView(Model):
    calls: int
    first_day: str
    last_day: str
    days: int = Field(description="dates (the line's clock) from first_day to last_day with "
                      "calls, the days a backtest holds out and trains on; not the dates "
                      "spanned")
    window_days: int
    daily_calls: float
    weekdays: list[str]
    timezone: str = Field(default="UTC", description="the line's clock (the default queue's "
                          "opening-hours zone, else UTC) its half-hours, dates and weekdays "
                          "are read on")
    slots: list[SlotFit] = Field(description="half-hours with calls or agents")
    talk: TalkFitView
    patience: list[PatienceFitView]
    callbacks: CallbacksFitView
    too_thin: list[str] = Field(description="what the log is too thin to support")
    backtest_days_max: int = Field(description="most days a backtest can hold out (0: none)")


class PolicyOutcome(Model):
    policy: str
    unserved_rate: Interval = Field(description="(abandoned + callback failed + error + "
                                    "overflow) / calls")
    abandonment_rate: Interval = Field(description="abandoned / (calls - callback takers)")
    asa_s: Interval = Field(description="mean wait of answered calls (answered in line only)")
    service_level: Interval = Field(description="answered within the threshold / answered "
                                    "(answered in line only)")
    time_to_serve_s: Interval = Field(description="mean time from entering the queue to an "
                                      "agent of callers served, a callback at its real wait")
    served_in_time_rate: Interval = Field(description="(answered + called back) within the "
                                          "threshold of entering / calls")
    promise_kept: Interval = Field(description=PROMISE_KEPT_RATE)
    unserved_vs_first: Interval | None = Field(description=(
        "paired difference of unserved_rate from the first policy's (this minus the first, "
        "same callers); null for the first itself, as the CLI's '—' (it had read 0 ± 0, "
        "a measured no-difference; null since 2026-12-07)"))


class StaffRow(Model):
    start: str
    calls_per_min: Estimate
    borrowed: bool = Field(default=False, description=BORROWED)
    erlang_a: int
    agents: dict[str, int]
    figure: dict[str, Interval] = Field(description="the target's figure at that staffing")
    met: dict[str, bool] = Field(description="per policy: whether the figure meets the target "
                                 "(false: the search stopped at its round limit short of it)")
    too_few_calls_bound: dict[str, float | None] = Field(
        default_factory=dict, description="per policy: where no simulated call fell short of "
        "the target, yet too few were simulated to show it met, the one-sided 95% "
        "Clopper-Pearson bound on the figure (past the target); null elsewhere")


class StaffingView(Model):
    target: str
    replications: int
    days: int
    rows: list[StaffRow]
    agent_hours: dict[str, float]
    erlang_a_agent_hours: float
    target_met: dict[str, bool] = Field(description="per policy: whether every half-hour meets "
                                        "the target; if not, its agent-hours are a lower bound, "
                                        "not a saving against Erlang-A")
    missed_half_hours: dict[str, list[str]] = Field(description="per policy: the half-hours "
                                                    "(HH:MM) still short of the target")
    too_few_calls_half_hours: dict[str, list[str]] = Field(
        default_factory=dict, description="per policy: the half-hours (HH:MM) met only because "
        "no simulated call fell short, in too few calls to show the target met")
    wide_margins_half_hours: dict[str, list[str]] = Field(
        default_factory=dict, description="per policy: the half-hours (HH:MM) whose 95% "
        "half-width is wider than the target's room (the target for unserved, 100% less it "
        "for service level): the agents there are a guess until more replications narrow it")


class BacktestRow(Model):
    hour: int
    metric: str
    calls: int
    actual: float | None
    predicted: float | None
    low: float | None
    high: float | None


class BacktestView(Model):
    train_days: list[str] = Field(description="first and last training date")
    test_days: list[str]
    replications: int
    rows: list[BacktestRow]
    inside: dict[str, float | None] = Field(description="share of hours whose actual figure "
                                                        "lies inside the 95% interval, of the "
                                                        "hours with both a prediction and an "
                                                        "actual figure")


class TwinAnswer(Model):
    fit: TwinFitView
    day: str
    calls_per_day: int
    agents: list[int] = Field(description="agents per half-hour simulated")
    replications: int
    policies: list[PolicyOutcome]
    staffing: StaffingView | None
    backtest: BacktestView | None
    notes: list[str]
