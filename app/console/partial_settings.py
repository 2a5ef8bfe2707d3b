"""Settings given in part: which fields a client left out (a PUT must give the whole queue,
or it silently resets the rest to defaults) and how a PATCH lays the given ones over the
active queue. Nested models are sections, walked field by field; anything else (a map such
as variants or arms, a list, null) is one value, given whole or not at all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from hold_policies.config import QueueConfig, written


class MissingFields(ValueError):
    """A whole-queue PUT that leaves fields out: saving it would reset them to defaults."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"settings leaves out {', '.join(names)}")
        self.names = names


def left_out(model: BaseModel, prefix: str = "") -> list[str]:
    """Dotted names of the fields not given, in nested sections too ("prompts.welcome"). A
    queue's `voice` may be left out: then it is the language's own, and follows it."""
    missing = []
    for name, value in model:
        if isinstance(model, QueueConfig) and name == "voice":
            continue
        if name not in model.model_fields_set:
            missing.append(f"{prefix}{name}")
        elif isinstance(value, BaseModel):
            missing += left_out(value, f"{prefix}{name}.")
    return missing


def require_whole(model: BaseModel) -> None:
    """MissingFields unless every field, in every section, was given."""
    if missing := left_out(model):
        raise MissingFields(missing)


def laid_over(current: BaseModel, given: Mapping[str, Any]) -> dict[str, Any]:
    """`current` as a version stores it, with the JSON fields `given` over it, section by
    section (an object given for a section changes only the fields it holds; anything else
    is one value): what a PATCH makes, to be checked whole. Checked alone, a section given
    in part had been refused for fields the queue had (an hours table without its
    timezone)."""
    out = written(current)
    for name, value in given.items():
        section = getattr(current, name, None) if name in type(current).model_fields else None
        out[name] = laid_over(section, value) if isinstance(section, BaseModel) and isinstance(
            value, Mapping) else value
    return out


def voice_as_sent_back(sent: QueueConfig, current: QueueConfig) -> QueueConfig:
    """A whole queue PUT back as GET returned it, its voice the one the language chose: that
    voice stays the language's (sent back, it had become the operator's, and a PUT of the
    active settings a new version). A voice sent that differs, or beside another language,
    is the operator's."""
    if "voice" not in sent.model_fields_set or "voice" in current.model_fields_set or \
            (sent.voice, sent.language) != (current.voice, current.language):
        return sent
    return QueueConfig.model_validate({key: value for key, value in written(sent).items()
                                       if key != "voice"})
