"""When a queue changed while someone edited it: keep their edits, take the other person's
changes for the fields they left alone, and say which fields changed meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from app.console import config_changes, policy_form
from app.services import Services
from app.storage import config_versions
from hold_policies.config import ExperimentConfig, QueueConfig, written


@dataclass(frozen=True)
class ChangedMeanwhile:
    name: str  # the form field, e.g. "silence.segment_s"
    theirs: str  # its value in the active version
    yours: str | None  # what the form posted, when it differs from both (a real clash)


def _shown(value: Any) -> str:
    """A value as the form shows and posts it (a checkbox's last posted value wins)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def form_values(queue: QueueConfig | None) -> dict[str, str]:
    if queue is None:
        return {}
    fields = [f for section in policy_form.describe(queue).values() for f in section]
    shown = {f.name: _shown(f.value) for f in fields}
    shown |= {f.name + policy_form.EMPTY: _shown(f.empty_set) for f in fields if f.empty_label}
    return shown


def base_settings(svc: Services, queue: str, base_version: int | None) -> QueueConfig | None:
    """The queue as the editor saw it, or None when that version is unknown or unusable."""
    version = config_versions.get(svc.store.engine, base_version) if base_version else None
    try:
        return config_changes.config_of(version).queues.get(queue) if version else None
    except config_changes.StoredVersionInvalid:
        return None


def merge(posted: MultiDict, base: dict[str, str],
          active: dict[str, str]) -> tuple[MultiDict, list[ChangedMeanwhile]]:
    """The form to show again: posted values the editor changed, the active version's values
    for those they left as they found them; and the fields someone else changed."""
    kept: MultiDict = MultiDict()
    for name in posted:
        yours = posted.getlist(name)[-1]
        left_alone = name in base and policy_form.same_text(yours, base[name]) \
            and name in active
        kept.add(name, active[name] if left_alone else yours)
    changed = [ChangedMeanwhile(name, theirs, _clash(posted, name, base, theirs))
               for name, theirs in active.items() if base.get(name, theirs) != theirs]
    return kept, changed


def _clash(posted: MultiDict, name: str, base: dict[str, str], theirs: str) -> str | None:
    """What the editor typed in a field someone else changed, when it is neither what they
    found nor what is there now (line breaks as the browser sends them aside: a box left
    alone had counted as an edit and put the old words back)."""
    yours = posted.getlist(name)[-1] if name in posted else None
    if yours is None or any(policy_form.same_text(yours, text)
                            for text in (base.get(name), theirs)):
        return None
    return yours


ELSEWHERE = ("language_menu", "hours", "overflow", "resume", "variants", "experiment")
"""A queue's tables the form does not edit: shown as they run, with where they are edited."""


def changed_elsewhere(base: QueueConfig | None, active: QueueConfig | None) -> list[str]:
    """The tables the form does not hold that changed meanwhile, in words: a split started
    or stopped had been a conflict that listed nothing to review (console audit 34, D8)."""
    if base is None or active is None:
        return []
    before, now = written(base), written(active)
    said = [f"{key}: changed (it is edited elsewhere; shown below as it runs now)"
            for key in ELSEWHERE if key != "experiment" and before.get(key) != now.get(key)]
    if before.get("experiment") != now.get("experiment"):
        said.insert(0, _split_change(base.experiment, active.experiment))
    return said


def _split_change(before: ExperimentConfig | None, now: ExperimentConfig | None) -> str:
    if now is None:
        return "experiment: the split was stopped"
    arms = ", ".join(f"{arm} {weight:g}" for arm, weight in now.arms.items())
    return f"experiment: a split was started ({arms})" if before is None else \
        f"experiment: the split was changed (now {arms})"
