"""Settings given in part: which fields a client left out (a PUT must give the whole queue,
or it silently resets the rest to defaults) and how a PATCH lays the given ones over the
active queue. Nested models are sections, walked field by field; anything else (a map such
as variants or arms, a list, null) is one value, given whole or not at all."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class MissingFields(ValueError):
    """A whole-queue PUT that leaves fields out: saving it would reset them to defaults."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"settings leaves out {', '.join(names)}")
        self.names = names


def left_out(model: BaseModel, prefix: str = "") -> list[str]:
    """Dotted names of the fields not given, in nested sections too ("prompts.welcome")."""
    missing = []
    for name, value in model:
        if name not in model.model_fields_set:
            missing.append(f"{prefix}{name}")
        elif isinstance(value, BaseModel):
            missing += left_out(value, f"{prefix}{name}.")
    return missing


def require_whole(model: BaseModel) -> None:
    """MissingFields unless every field, in every section, was given."""
    if missing := left_out(model):
        raise MissingFields(missing)


def merged(current: M, given: M) -> M:
    """`current` with the fields set in `given` over it, section by section (unvalidated:
    the save validates the whole config)."""
    update = {}
    for name in given.model_fields_set:
        new, old = getattr(given, name), getattr(current, name)
        both_sections = isinstance(new, BaseModel) and type(new) is type(old)
        update[name] = merged(old, new) if both_sections else new
    return current.model_copy(update=update)
