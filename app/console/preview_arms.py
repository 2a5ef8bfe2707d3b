"""The preview per experiment arm: each variant's words beside the queue's own, and the split.

An operator putting words under test (issue 16 item 8) needs to read what each arm's callers
will hear before any caller does: the same made-up caller, the same moving line, asked of each
arm's real policy object; the lines that differ from the queue's own words are marked.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.api.models import PreviewRequest, PreviewResponse, TimelineEntry
from app.console.experiments import describe_variant
from app.console.preview import timeline
from app.services import Services
from hold_policies.config import QueueConfig
from hold_policies.experiment import shares as split_shares


@dataclass(frozen=True)
class ArmPreview:
    """One arm's column: who hears it, what it changes, and its timeline."""

    name: str
    policy: str  # the policy it is, or is a variant of
    is_variant: bool
    share: float | None  # its share of callers in the running split; None: not in a split
    changes: str  # a variant's changes in one line ("" for a policy)
    result: PreviewResponse
    differs: tuple[bool, ...]  # per timeline row: not what the queue's own policy says there

    @property
    def rows(self) -> list[tuple[TimelineEntry, bool]]:
        return list(zip(self.result.timeline, self.differs, strict=True))


def arm_names(queue: QueueConfig) -> list[str]:
    """The queue's own policy first, then the split's other arms, then variants no split
    names yet (the operator may weigh them on the Experiments page)."""
    split = sorted(queue.experiment.arms) if queue.experiment else []
    names = [queue.policy, *split, *sorted(queue.variants)]
    return list(dict.fromkeys(names))


def shares(queue: QueueConfig) -> dict[str, float]:
    """Each arm's share of callers in the running split (empty without one)."""
    if queue.experiment is None:
        return {}
    return split_shares(dict(sorted(queue.experiment.arms.items())))


def _said(entry: TimelineEntry) -> tuple[str, str]:
    """What a row says; a silence is a silence, whatever its length (a shorter check-in is
    followed by a longer one: that follows from the words, it is not a change to read)."""
    return entry.kind, "" if entry.kind == "silence" else entry.heard


def _differs(base: list[TimelineEntry], other: list[TimelineEntry]) -> tuple[bool, ...]:
    """Rows that do not say what the base says at the same step of the wait."""
    return tuple(i >= len(base) or _said(e) != _said(base[i]) for i, e in enumerate(other))


def arm_previews(svc: Services, req: PreviewRequest) -> list[ArmPreview]:
    """One preview per arm of the queue (one only, when it has no variants and no split)."""
    queue = svc.config.queues.get(req.queue)
    if queue is None:
        raise LookupError(f"no queue named {req.queue!r}")
    split = shares(queue)
    previews: list[ArmPreview] = []
    for name in arm_names(queue):
        result = timeline(svc, req, name)
        base = previews[0].result.timeline if previews else result.timeline
        variant = queue.variants.get(name)
        previews.append(ArmPreview(
            name=name, policy=queue.base_policy(name), is_variant=variant is not None,
            share=split.get(name), changes=describe_variant(variant) if variant else "",
            result=result, differs=_differs(base, result.timeline) if previews
            else (False,) * len(result.timeline)))
    return previews
