"""A save that names a clip this app cannot play says so: a mistyped audio name ("hold-music"
for "hold_music", "../x") was saved without a word, and its callers heard silence instead."""

from __future__ import annotations

from app.services import Services
from hold_policies.config import AudioUse, HoldwellConfig, QueueConfig
from hold_policies.steps import is_external_audio


def missing_clips(svc: Services, queue: str, config: QueueConfig) -> list[str]:
    """One warning per clip a caller of `queue` may hear that this app's audio library has
    no playable file for (a URL is Twilio's to fetch, not ours to check)."""
    playable = set(svc.audio.names()) if svc.audio is not None else set()
    return [f"queues.{queue}.{_key(config, use)} = {use.audio!r}: no playable clip of that "
            f"name ({use.audio}.wav in {svc.settings.audio_dir} when the app started), so "
            f"callers hear silence in its place"
            for use in config.audio_uses()
            if not is_external_audio(use.audio) and use.audio not in playable]


def every_missing_clip(svc: Services, config: HoldwellConfig) -> list[str]:
    return [warning for name, queue in config.queues.items()
            for warning in missing_clips(svc, name, queue)]


def _key(config: QueueConfig, use: AudioUse) -> str:
    """Where the clip is named: a variant's setting, else the policy's own table."""
    if use.name in config.variants and use.knob in config.variants[use.name].settings:
        return f"variants.{use.name}.settings.{use.knob}"
    return f"{config.base_policy(use.name)}.{use.knob}"
