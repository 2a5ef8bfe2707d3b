"""A/B splits on a queue: start and stop them (as config versions), and read each arm's counts
and the intention-to-treat comparison from `analytics` (its statistics, not ours)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.api.models import ArmComparison, ArmResult, ExperimentState
from app.console.config_changes import (
    Saved,
    UnknownVersion,
    active_with_number,
    save_queue,
)
from app.console.split_treatments import describe_arms, treatments
from app.services import Services
from app.storage import config_versions
from app.storage.schema import calls
from hold_policies.config import POLICY_NAMES, ExperimentConfig, QueueConfig, VariantConfig

if TYPE_CHECKING:
    import pandas as pd

    from analytics.summary import RecordsSummary

NOT_RUNNING_LOOKBACK = timedelta(days=7)


def set_arms(svc: Services, queue: str, arms: dict[str, float] | None, *, actor: str,
             note: str, base_version: int | None = None) -> Saved:
    """Start (arms) or stop (None) the split on `queue`, as a new config version unless it
    already runs so; only the split changes, whatever else was saved to the queue meanwhile.
    With `base_version` (the version a confirmation page showed): VersionConflict if the
    queue changed since, so nobody stops a split they never saw."""
    experiment = ExperimentConfig(arms=arms) if arms else None
    what = f"start A/B split: {describe_arms(arms)}" if arms else "stop the A/B split"
    return save_queue(svc, queue, lambda current: current.model_copy(
        update={"experiment": experiment}), actor=actor,
        note=note or config_versions.shortened(f"{queue}: {what}"), base_version=base_version)


def started_at(svc: Services, queue: str) -> datetime | None:
    """When the running split began, as its callers hear it: the oldest version in the
    unbroken run where the queue's arms, and what each arm says, are as they are now,
    however many versions (edits to other queues, or to what no arm reads) came since.
    New words for an arm start a new count: their results had been credited with calls
    that heard the old ones."""
    start, current = None, None
    with svc.store.engine.connect() as conn:
        for version in config_versions.newest_first(conn):
            heard = treatments(version.body.get("queues", {}).get(queue, {}))
            if current is None:
                current = heard
            if heard != current or not heard["experiment"]:
                break
            start = version.created_at
    return start


def _finite(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else \
        float(value)


CHUNK_ROWS = 50_000
"""Calls read at a time: a split of months holds hundreds of thousands (read whole, a
worker grew by a gigabyte); in chunks, memory stays near a chunk's and the groups' waits."""


def arm_summary(svc: Services, queue: str, since: datetime) -> RecordsSummary:
    """Finished calls of the queue's experiment arms since `since`, summed chunk by chunk
    (the report's own batched sums: the same numbers as `all_metrics` on them read whole)."""
    from analytics.summary import RecordsSummary
    from app.storage.read import record_chunks, record_query

    query = record_query().where(calls.c.queue == queue, calls.c.arrived_at >= since,
                                 calls.c.arm != "")
    summary = RecordsSummary()
    for chunk in record_chunks(svc.store.engine, query, CHUNK_ROWS):
        summary.add(chunk)
    return summary


def arm_choices(config: QueueConfig) -> tuple[str, ...]:
    """What a split on this queue may name: the policies, then the queue's variants."""
    return (*POLICY_NAMES, *sorted(config.variants))


def describe_variant(variant: VariantConfig) -> str:
    """A variant in one line of words, for operators who never read Python: its policy and
    what it changes ("checkin; announce wait: off; interval: 45 s; apology: (silent)")."""
    changes = {**variant.prompts.model_dump(exclude_unset=True), **variant.settings}
    said = "; ".join(_in_words(key, value) for key, value in changes.items())
    return f"{variant.policy}; {said}" if said else f"{variant.policy} (as the queue's)"


def _in_words(key: str, value: object) -> str:
    """One setting as "name: value": units spelled out, on/off, a silent prompt said so."""
    name, unit = (key[:-2], " s") if key.endswith("_s") else (key, "")
    if isinstance(value, bool):
        shown = "on" if value else "off"
    elif value is None:
        shown = "(the default)"
    elif value == "":
        shown = "(silent)"
    elif isinstance(value, str):
        shown = f"“{value}”"
    elif isinstance(value, float):
        shown = f"{value:g}{unit}"
    else:
        shown = f"{value}{unit}"
    return f"{name.replace('_', ' ')}: {shown}"


def experiment_state(svc: Services, queue: str) -> ExperimentState:
    from analytics.compare import pairwise_differences

    version, active = active_with_number(svc)
    config = active.queues.get(queue)
    if config is None:
        raise UnknownVersion(f"no queue named {queue!r}")
    arms = dict(config.experiment.arms) if config.experiment else {}
    variants = {name: describe_variant(v) for name, v in sorted(config.variants.items())}
    counting = started_at(svc, queue) if arms else None
    since = counting or svc.clock.now() - NOT_RUNNING_LOOKBACK
    summary = arm_summary(svc, queue, since)
    if not summary.calls:
        return ExperimentState(queue=queue, version=version, running=bool(arms), arms=arms,
                               results=[], comparisons=[], variants=variants,
                               counting_since=counting)
    metrics = summary.metrics_table()
    results = [ArmResult(
        arm=str(row["arm"]), calls=int(row["calls"]), answered=int(row["n_answered"]),
        abandoned=int(row["n_abandoned"]), callbacks_failed=int(row["callbacks_failed"]),
        callbacks_connected=int(row["n_callback_connected"]), left=int(row["n_left"]),
        errors=int(row["n_error"]), overflow=int(row["n_overflow"]),
        voicemail=int(row["n_voicemail"]),
        unserved_rate=_finite(row["unserved_rate"]),
        unserved_rate_ci_low=_finite(row["unserved_rate_ci_low"]),
        unserved_rate_ci_high=_finite(row["unserved_rate_ci_high"]))
        for _, row in metrics.iterrows()]
    labels = metrics["arm"].astype(str).to_dict()
    comparisons = [ArmComparison(
        arm=labels[row["a"]], baseline=labels[row["b"]], difference=_finite(row["difference"]),
        ci_low=_finite(row["ci_low"]), ci_high=_finite(row["ci_high"]),
        p_value_holm=(holm := _finite(row["p_value_holm"])), p_value=holm,
        verdict=plain_verdict(row, labels))
        for _, row in pairwise_differences(metrics).iterrows()]
    return ExperimentState(queue=queue, version=version, running=bool(arms), arms=arms,
                           results=results, comparisons=comparisons, variants=variants,
                           counting_since=counting)


def plain_verdict(row: pd.Series, labels: dict[str, str]) -> str:
    """analytics' verdict, in words an operator can act on."""
    from analytics.compare import MIN_VERDICT_CALLS, NO_DIFFERENCE, UNDECIDED, verdict

    said = verdict(row)
    if said == NO_DIFFERENCE:
        return (f"No clear difference yet between {labels[row['a']]} and {labels[row['b']]}: "
                "keep the split running.")
    if said.startswith(UNDECIDED):
        lower, pending = ("a", row["unsettled_a"]) if row["difference"] < 0 else \
            ("b", row["unsettled_b"])
        return (f"Not decided yet: {labels[row[lower]]} leaves fewer callers unserved so far, "
                f"but {pending:,} of its callers still wait for a callback or a call about "
                "their message; if those fail, it does not. Keep the split running.")
    if not said.endswith(" lower"):
        return (f"Too few calls to judge yet (each arm needs at least {MIN_VERDICT_CALLS}): "
                "keep the split running.")
    better = labels[row["a"]] if row["difference"] < 0 else labels[row["b"]]
    return f"{better} leaves fewer callers unserved (Holm-adjusted p < 0.05)."
