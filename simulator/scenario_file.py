"""The fitted twin as a TOML scenario file: what `holdwell fit` writes and `--scenario` reads.

Every key names its unit (`_per_min`, `_s`); every fitted number sits beside its standard
error (`_se`). Sections: [fit] (the log), [arrivals] (48 half-hour rates over all days and per
weekday), [talk], [patience.<policy>] (one per policy in the log; `base_policy` drives the
simulation), [callbacks], [reactions] (callers' callback take-up: fitted to the measured
acceptance, or the behaviour model's assumption, `take_up` says which), [agents] (48
half-hours) and [warnings] (what the log is too thin to support). The README's "Simulate
before switching" shows a whole file.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

from hold_policies.toml_file import read_toml
from simulator.distributions import (
    Distribution,
    DistributionError,
    Empirical,
    Exponential,
    Lognormal,
    Weibull,
)
from simulator.fit_results import (
    ASSUMED_TAKE_UP,
    SLOT_MIN,
    SLOTS,
    WEEKDAYS,
    AgentsFit,
    CallbackFit,
    PatienceFit,
    SlotRates,
    TakeUpFit,
    TalkFit,
)
from simulator.line_clock import checked_zone
from simulator.scenario import Callbacks, ScenarioError
from simulator.toml_table import Table, check_number
from simulator.twin import Twin

HEADER = """\
# holdwell scenario fitted from a call log (`holdwell fit`); read by `--scenario FILE`.
# Units are in the key names (_per_min = calls per minute, _s = seconds); *_se = standard
# error. Lists of 48 values are the half-hours of the day from 00:00 on the line's clock
# ([fit] timezone); a weekday's `borrowed = true` marks a half-hour the log never covered
# on that weekday, whose rate is the all-days one. Edit with care: a file that does not
# validate is refused with the key at fault.
"""


def _rates(rates: SlotRates) -> dict[str, Any]:
    borrowed = {"borrowed": list(rates.borrowed)} if any(rates.borrowed) else {}
    return {"days": rates.days, "per_min": _round(rates.per_min),
            "se_per_min": _round(rates.se_per_min), **borrowed}


def _round(values: tuple[float, ...] | list[float]) -> list[float]:
    return [round(float(v), 5) for v in values]


def _law(dist: Distribution) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": type(dist).__name__.lower(), "mean_s": round(dist.mean_s, 3)}
    if isinstance(dist, Weibull):
        out["k"] = round(dist.k, 5)
    elif isinstance(dist, Lognormal):
        out["sigma"] = round(dist.sigma, 5)
    elif isinstance(dist, Empirical):
        out.update(times_s=_round(dist.times_s), survival=_round(dist.survival))
    return out


def twin_to_dict(twin: Twin) -> dict[str, Any]:
    """Nested dicts of scalars and lists (TOML tables), fit figures beside each law."""
    talk, cb, agents = twin.talk, twin.callbacks, twin.agents
    patience = {"base_policy": twin.base_policy}
    for name, fit in twin.patience.items():
        patience[name] = {**_law(fit.chosen), "mean_se_s": round(fit.mean_se_s, 3),
                          "shape_se": None if fit.shape_se is None else round(fit.shape_se, 5),
                          "calls_waited": fit.calls, "abandoned": fit.abandoned,
                          "km_max_gap": round(fit.km_gap, 4),
                          "aic": {k: round(v, 2) for k, v in fit.aic.items()}}
    return {
        "fit": {"calls": twin.calls, "first_day": twin.first_day, "last_day": twin.last_day,
                "timezone": twin.timezone},
        "arrivals": {"slot_min": 30, **_rates(twin.arrivals),
                     "weekday": {d: _rates(r) for d, r in twin.by_weekday.items()}},
        "talk": {**_law(talk.chosen), "mean_se_s": round(talk.mean_se_s, 3),
                 "calls": talk.calls, "aic": {k: round(v, 2) for k, v in talk.aic.items()}},
        "patience": patience,
        "callbacks": {"requested": cb.requested, "acceptance": cb.acceptance,
                      "answer_p": cb.answer_p, "answer_p_se": cb.answer_p_se,
                      "answer_p_method": cb.method, "retries": twin.retries,
                      "retry_spacing_s": twin.retry_spacing_s},
        "reactions": _take_up(twin.take_up),
        "agents": {"slot_min": 30, "per_slot": list(agents.per_slot),
                   "lower_bound": list(agents.lower_bound),
                   "waited_answers": list(agents.waited_answers)},
        "warnings": {"thin": list(twin.warnings)},
    }


def _take_up(fit: TakeUpFit) -> dict[str, Any]:
    out: dict[str, Any] = {"callback_p": round(fit.callback_p, 5),
                           "callback_if_too_long_p": round(fit.callback_if_too_long_p, 5),
                           "take_up": fit.status, "take_up_note": fit.note}
    if fit.fitted:
        out.update(take_up_multiplier=round(fit.multiplier, 5), take_up_runs=fit.runs)
        if fit.simulated is not None:
            out["simulated_acceptance"] = round(fit.simulated, 5)
    return out


TAKE_UP_KEYS = ("callback_p", "callback_if_too_long_p", "take_up", "take_up_note",
                "take_up_multiplier", "take_up_runs", "simulated_acceptance")
TAKE_UP_STATUSES = ("fitted", "nearest", "assumed")


def _reactions(root: Table) -> TakeUpFit:
    """[reactions]: the take-up a simulation of the twin uses (files from before it: the
    assumption)."""
    if not root.has("reactions"):
        return ASSUMED_TAKE_UP
    t = root.table("reactions", TAKE_UP_KEYS)
    status = t.text("take_up", "fitted")
    if status not in TAKE_UP_STATUSES:
        raise ScenarioError(f"{t.where}.take_up: {status!r}; write "
                            + ", ".join(TAKE_UP_STATUSES))
    return TakeUpFit(t.number("callback_p", hi=1.0),
                     t.number("callback_if_too_long_p", hi=1.0), status,
                     t.number("take_up_multiplier", default=1.0),
                     t.optional_number("simulated_acceptance", hi=1.0),
                     t.integer("take_up_runs", default=0),
                     t.text("take_up_note", "not fitted" if status == "assumed" else ""))


LAW_KEYS = ("kind", "mean_s", "k", "sigma", "times_s", "survival")
TALK_KEYS = (*LAW_KEYS, "mean_se_s", "calls", "aic")
PATIENCE_KEYS = (*LAW_KEYS, "mean_se_s", "shape_se", "calls_waited", "abandoned", "km_max_gap",
                 "aic")
RATE_KEYS = ("days", "per_min", "se_per_min")
CALLBACK_KEYS = ("requested", "acceptance", "answer_p", "answer_p_se", "answer_p_method",
                 "retries", "retry_spacing_s")
MAX_RETRIES = 20  # as `holdwell fit --callback-retries` and `simulate --callback-retries`
MAX_CALLS_PER_MIN = 5_000.0  # a day of it is 7.2 M calls, near what one run holds (MAX_CALLS)
MAX_MEAN_S = 7 * 24 * 3600.0
"""The longest mean talk or patience: past a week it is another unit or a typo (1e300 ran a
day where nobody was ever answered)."""
MAX_AGENTS = 100_000  # per half-hour: more is a typo, and each agent is held in memory


def _distribution(table: Table) -> Distribution:
    kind = table.text("kind")
    if kind == "exponential":
        return Exponential(table.number("mean_s", above=True, hi=MAX_MEAN_S))
    if kind == "weibull":
        return Weibull(table.number("mean_s", above=True, hi=MAX_MEAN_S),
                       table.number("k", lo=0.1, hi=20.0))
    if kind == "lognormal":
        return Lognormal(table.number("mean_s", above=True, hi=MAX_MEAN_S),
                         table.number("sigma", above=True, hi=5.0))
    if kind == "empirical":
        try:
            return Empirical(table.numbers("times_s"), table.numbers("survival", hi=1.0))
        except DistributionError as error:
            raise ScenarioError(f"{table.where}: {error}") from None
    raise ScenarioError(f"{table.where}.kind: {kind!r}; write exponential, weibull, lognormal "
                        "or empirical")


def _aic(table: Table) -> dict[str, float]:
    aic = table.table("aic", None, {})
    return {kind: check_number(v, f"{aic.where}.{kind}", -math.inf, math.inf, False)
            for kind, v in aic.data.items()}


def _slot_rates(table: Table) -> SlotRates:
    return SlotRates(table.numbers("per_min", count=SLOTS, hi=MAX_CALLS_PER_MIN),
                     table.numbers("se_per_min", count=SLOTS),
                     table.integer("days", lo=1, default=1),
                     table.flags("borrowed", count=SLOTS, default=[False] * SLOTS))


def _slot_min(table: Table) -> None:
    if table.has("slot_min") and table.integer("slot_min") != SLOT_MIN:
        raise ScenarioError(f"{table.where}.slot_min: only {SLOT_MIN}-minute slots are "
                            f"supported (got {table.raw('slot_min')}); 48 values per day")


def _arrivals(root: Table) -> tuple[SlotRates, dict[str, SlotRates]]:
    table = root.table("arrivals", ("slot_min", *RATE_KEYS, "weekday"))
    _slot_min(table)
    weekday = table.table("weekday", WEEKDAYS, {})
    every_day = _slot_rates(table)
    if not any(every_day.per_min):  # a weekday's may be a closed day's; the whole line's not
        raise ScenarioError(f"{table.where}.per_min: every half-hour has 0 calls a minute, "
                            "and a day without calls cannot be simulated; fit the scenario "
                            "on a log with calls, or give some slot a rate above 0")
    return every_day, {d: _slot_rates(weekday.table(d, (*RATE_KEYS, "borrowed")))
                       for d in weekday.names()}


def _patience(root: Table) -> tuple[dict[str, PatienceFit], str]:
    table = root.table("patience", None)
    for key in table.names():
        if key != "base_policy" and not isinstance(table.raw(key), dict):
            raise ScenarioError(f"patience.{key}: unknown key; [patience] holds base_policy "
                                "and one [patience.<policy>] table per policy")
    fits = {}
    for name in (k for k in table.names() if k != "base_policy"):
        t = table.table(name, PATIENCE_KEYS)
        law = _distribution(t)
        shape = t.optional_number("k") if t.has("k") else t.optional_number("sigma")
        fits[name] = PatienceFit(law, t.text("kind"), law.mean_s,
                                 t.number("mean_se_s", default=0.0), shape,
                                 t.optional_number("shape_se"),
                                 t.integer("calls_waited", default=0),
                                 t.integer("abandoned", default=0), _aic(t),
                                 t.number("km_max_gap", hi=1.0, default=0.0))
    base = table.text("base_policy")
    if base not in fits:
        raise ScenarioError(f"patience.base_policy: {base!r} has no [patience.{base}] table")
    return fits, base


def _talk(root: Table) -> TalkFit:
    t = root.table("talk", TALK_KEYS)
    law = _distribution(t)
    if not math.isfinite(law.mean_s):
        raise ScenarioError("talk.mean_s: talk times must be finite")
    return TalkFit(law, t.text("kind"), law.mean_s, t.number("mean_se_s", default=0.0),
                   t.optional_number("sigma"), t.integer("calls", default=0), _aic(t))


def _callbacks(root: Table) -> tuple[CallbackFit, int, float]:
    cb = root.table("callbacks", CALLBACK_KEYS)
    fit = CallbackFit(cb.integer("requested", default=0),
                      cb.optional_number("acceptance", hi=1.0),
                      cb.optional_number("answer_p", hi=1.0),
                      cb.optional_number("answer_p_se", hi=1.0),
                      cb.text("answer_p_method", default=""))
    return (fit, cb.integer("retries", hi=MAX_RETRIES, default=Callbacks.retries),
            cb.number("retry_spacing_s", above=True, default=Callbacks.retry_spacing_s))


def _agents(root: Table) -> AgentsFit:
    table = root.table("agents", ("slot_min", "per_slot", "lower_bound", "waited_answers"))
    _slot_min(table)
    return AgentsFit(table.integers("per_slot", count=SLOTS, hi=MAX_AGENTS),
                     table.flags("lower_bound", count=SLOTS, default=[False] * SLOTS),
                     table.integers("waited_answers", count=SLOTS, default=[0] * SLOTS))


def twin_from_dict(data: dict[str, Any]) -> Twin:
    """The twin back from a scenario file's tables; a bad or unknown key raises ScenarioError
    naming it (dotted, e.g. `callbacks.retries`)."""
    root = Table(data, "", ("fit", "arrivals", "talk", "patience", "callbacks",
                                         "reactions", "agents", "warnings"))
    fit = root.table("fit", ("calls", "first_day", "last_day", "timezone"))
    arrivals, by_weekday = _arrivals(root)
    patience, base = _patience(root)
    callbacks, retries, spacing_s = _callbacks(root)
    return Twin(
        arrivals=arrivals, by_weekday=by_weekday, talk=_talk(root), patience=patience,
        base_policy=base, callbacks=callbacks, agents=_agents(root),
        calls=fit.integer("calls"), first_day=fit.text("first_day"),
        last_day=fit.text("last_day"), retries=retries, retry_spacing_s=spacing_s,
        warnings=root.table("warnings", ("thin",), {}).texts("thin", []),
        timezone=_zone(fit.text("timezone", "UTC")),  # files from before it: UTC
        take_up=_reactions(root),
    )


def as_stored(twin: Twin) -> Twin:
    """The twin as its scenario file holds it (figures rounded as `twin_to_dict` writes
    them): what `holdwell whatif --scenario` simulates, so a twin fitted elsewhere (the
    console's) gives the CLI's figures for the same log and seed, not ones a rounding apart."""
    return twin_from_dict(twin_to_dict(twin))


def _zone(name: str) -> str:
    """A scenario file's `fit.timezone`, checked as `holdwell fit --timezone` checks it."""
    try:
        return checked_zone(name)
    except ScenarioError as error:
        raise ScenarioError(f"fit.{error}") from None


def load_twin(path: str | Path) -> Twin:
    """Read a scenario file written by `holdwell fit`."""
    try:
        data = read_toml(path)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError(f"--scenario: cannot read {path}: {error}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"--scenario: {path} is not UTF-8 text (a TOML file from "
                            "`holdwell fit` is)") from None
    if "fit" not in data:  # an empty file, or another TOML (a holdwell.toml given by mistake)
        raise ScenarioError(f"--scenario {path}: not a scenario from `holdwell fit` (it has "
                            "no [fit] table); write one with `holdwell fit --out FILE`")
    try:
        return twin_from_dict(data)
    except ScenarioError as error:
        raise ScenarioError(f"--scenario {path}: {error}") from None
