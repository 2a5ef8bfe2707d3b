"""What a split's callers hear, as a version stores it: its count runs while this stays the
same (experiments.started_at), and a save that changes it starts a new one
(config_changes.count_restarted); and a split's arms in words (describe_arms)."""

from __future__ import annotations

from hold_policies.experiment import shares as split_shares
from hold_policies.voices import voice_heard


def describe_arms(arms: dict[str, float]) -> str:
    """Weights in words, with each arm's share of callers, by arm name as the config stores
    them (the flash and the version's note had listed them as typed): "checkin 2 (67%),
    silence 1 (33%)"."""
    share = split_shares(arms)
    return ", ".join(f"{name} {weight:g} ({100 * share.get(name, 0.0):.0f}%)"
                     for name, weight in sorted(arms.items()))


def treatments(queue_body: dict) -> dict:
    """What a split's callers hear, as a version stores it: the split (arms, weights and
    salt), each arm's variant, the policy tables the arms are built on, the queue's words,
    voice and language, and what every arm's callers are offered past the maximum wait
    (`overflow`) or when their line drops (`resume`). Not the queue's size or hours: no
    caller in line hears those. The voice is the one heard: one pinned that the language
    had chosen anyway changes nothing callers hear, and had restarted the count."""
    experiment = queue_body.get("experiment") or {}
    arms = experiment.get("arms") or {}
    variants = queue_body.get("variants") or {}
    bases = {(variants.get(arm) or {}).get("policy", arm) for arm in arms}
    return {"experiment": experiment,
            "variants": {arm: variants[arm] for arm in sorted(arms) if arm in variants},
            "tables": {base: queue_body.get(base) for base in sorted(bases)},
            "words": {"prompts": queue_body.get("prompts"), "voice": voice_heard(queue_body),
                      "language": queue_body.get("language")},
            "offers": {key: queue_body.get(key) for key in ("overflow", "resume")}}
