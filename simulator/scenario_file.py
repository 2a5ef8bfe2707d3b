"""The fitted twin as a TOML scenario file: what `holdwell fit` writes and `--scenario` reads.

Every key names its unit (`_per_min`, `_s`); every fitted number sits beside its standard
error (`_se`). Sections: [fit] (the log), [arrivals] (48 half-hour rates over all days and per
weekday), [talk], [patience.<policy>] (one per policy in the log; `base_policy` drives the
simulation), [callbacks], [agents] (48 half-hours) and [warnings] (what the log is too thin
to support). The README's "Simulate before switching" shows a whole file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from simulator.distributions import Distribution, Empirical, Exponential, Lognormal, Weibull
from simulator.fit_results import AgentsFit, CallbackFit, PatienceFit, SlotRates, TalkFit
from simulator.scenario import ScenarioError
from simulator.twin import Twin

HEADER = """\
# holdwell scenario fitted from a call log (`holdwell fit`); read by `--scenario FILE`.
# Units are in the key names (_per_min = calls per minute, _s = seconds); *_se = standard
# error. Lists of 48 values are the half-hours of the day (UTC) from 00:00. Edit with care:
# a file that does not validate is refused with the key at fault.
"""


def _rates(rates: SlotRates) -> dict[str, Any]:
    return {"days": rates.days, "per_min": _round(rates.per_min),
            "se_per_min": _round(rates.se_per_min)}


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
        "fit": {"calls": twin.calls, "first_day": twin.first_day, "last_day": twin.last_day},
        "arrivals": {"slot_min": 30, **_rates(twin.arrivals),
                     "weekday": {d: _rates(r) for d, r in twin.by_weekday.items()}},
        "talk": {**_law(talk.chosen), "mean_se_s": round(talk.mean_se_s, 3),
                 "calls": talk.calls, "aic": {k: round(v, 2) for k, v in talk.aic.items()}},
        "patience": patience,
        "callbacks": {"requested": cb.requested, "acceptance": cb.acceptance,
                      "answer_p": cb.answer_p, "answer_p_se": cb.answer_p_se,
                      "answer_p_method": cb.method, "retries": twin.retries,
                      "retry_spacing_s": twin.retry_spacing_s},
        "agents": {"slot_min": 30, "per_slot": list(agents.per_slot),
                   "lower_bound": list(agents.lower_bound),
                   "waited_answers": list(agents.waited_answers)},
        "warnings": {"thin": list(twin.warnings)},
    }


def _distribution(table: dict[str, Any], where: str) -> Distribution:
    kind = table.get("kind")
    try:
        if kind == "exponential":
            return Exponential(float(table["mean_s"]))
        if kind == "weibull":
            return Weibull(float(table["mean_s"]), float(table["k"]))
        if kind == "lognormal":
            return Lognormal(float(table["mean_s"]), float(table["sigma"]))
        if kind == "empirical":
            return Empirical(tuple(table["times_s"]), tuple(table["survival"]))
    except KeyError as missing:
        raise ScenarioError(f"{where}: {kind} needs {missing}") from None
    raise ScenarioError(f"{where}.kind: {kind!r}; write exponential, weibull, lognormal or "
                        "empirical")


def _slot_rates(table: dict[str, Any], where: str) -> SlotRates:
    per_min, se = table.get("per_min", []), table.get("se_per_min", [])
    if len(per_min) != 48 or len(se) != 48:
        raise ScenarioError(f"{where}: per_min and se_per_min need 48 half-hour values")
    return SlotRates(tuple(map(float, per_min)), tuple(map(float, se)), int(table.get("days", 1)))


def twin_from_dict(data: dict[str, Any]) -> Twin:
    """The twin back from a scenario file's tables; a bad key raises ScenarioError."""
    try:
        patience_tables = {k: v for k, v in data["patience"].items() if isinstance(v, dict)}
        patience = {name: PatienceFit(_distribution(t, f"patience.{name}"), t["kind"],
                                      float(t["mean_s"]), float(t.get("mean_se_s", 0.0)),
                                      t.get("k", t.get("sigma")), t.get("shape_se"),
                                      int(t.get("calls_waited", 0)), int(t.get("abandoned", 0)),
                                      dict(t.get("aic", {})), float(t.get("km_max_gap", 0.0)))
                    for name, t in patience_tables.items()}
        base = data["patience"]["base_policy"]
        if base not in patience:
            raise ScenarioError(f"patience.base_policy: {base!r} has no [patience.{base}] table")
        talk_t, cb, agents = data["talk"], data["callbacks"], data["agents"]
        per_slot = tuple(int(n) for n in agents["per_slot"])
        if len(per_slot) != 48 or min(per_slot) < 0:
            raise ScenarioError("agents.per_slot: needs 48 whole numbers >= 0")
        return Twin(
            arrivals=_slot_rates(data["arrivals"], "arrivals"),
            by_weekday={d: _slot_rates(t, f"arrivals.weekday.{d}")
                        for d, t in data["arrivals"].get("weekday", {}).items()},
            talk=TalkFit(_distribution(talk_t, "talk"), talk_t["kind"], float(talk_t["mean_s"]),
                         float(talk_t.get("mean_se_s", 0.0)), talk_t.get("sigma"),
                         int(talk_t.get("calls", 0)), dict(talk_t.get("aic", {}))),
            patience=patience, base_policy=base,
            callbacks=CallbackFit(int(cb.get("requested", 0)), cb.get("acceptance"),
                                  cb.get("answer_p"), cb.get("answer_p_se"),
                                  str(cb.get("answer_p_method", ""))),
            agents=AgentsFit(per_slot, tuple(agents.get("lower_bound", [False] * 48)),
                             tuple(agents.get("waited_answers", [0] * 48))),
            calls=int(data["fit"]["calls"]), first_day=str(data["fit"]["first_day"]),
            last_day=str(data["fit"]["last_day"]), retries=int(cb.get("retries", 2)),
            retry_spacing_s=float(cb.get("retry_spacing_s", 300.0)),
            warnings=tuple(data.get("warnings", {}).get("thin", [])),
        )
    except KeyError as missing:
        raise ScenarioError(f"scenario file: missing key {missing}") from None


def load_twin(path: str | Path) -> Twin:
    """Read a scenario file written by `holdwell fit`."""
    try:
        with open(path, "rb") as handle:
            return twin_from_dict(tomllib.load(handle))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError(f"--scenario: cannot read {path}: {error}") from None
