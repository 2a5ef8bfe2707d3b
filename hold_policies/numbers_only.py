"""A number key given true/false, or a yes/no key given anything but true/false, is refused
by name, in config files and in API bodies.

pydantic reads `true` as 1 wherever a number is expected (lax mode), so `max_size = true`
held one caller and an API `{"max_size": true}` was saved as 1; and it reads 0, "no", "off"
or "f" as false where a yes/no is expected, which the API's document declares boolean.
Strict mode would refuse these too, but also the strings the console's forms send (numbers
as text, a tick box as "true" or "false"); this refuses only the mix-ups.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ValidationInfo, field_validator

NUMBERS = (int, float)
CONTAINERS = (list, tuple, dict, set, frozenset)


def _kinds(annotation: Any) -> list[Any]:
    """The kinds a field may hold: a union's members (None left out), each with its
    constraints unwrapped; a container is one kind."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds(get_args(annotation)[0])
    if origin is None or origin in CONTAINERS:
        return [annotation]
    return [kind for member in get_args(annotation) if member is not type(None)
            for kind in _kinds(member)]


def _numeric(annotation: Any) -> bool:
    kinds = _kinds(annotation)
    return bool(kinds) and all(kind in NUMBERS for kind in kinds)


def _numbers_inside(annotation: Any) -> bool:
    """A list, tuple or set of numbers, or a map to numbers."""
    kinds = _kinds(annotation)
    return len(kinds) == 1 and get_origin(kinds[0]) in CONTAINERS \
        and bool(get_args(kinds[0])) and _numeric(get_args(kinds[0])[-1])


STORED_LAX = "switches_coerced_when_stored"
"""Validation context key: a variant's settings in a version stored before switches were
checked, whose 0 or "no" was read as false then and loads as it did."""
FORM_SWITCHES = frozenset({"true", "false"})
"""What a console form's tick box posts (a hidden "false", then "true" when ticked)."""


@cache
def _checked_fields(
    cls: type[BaseModel],
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The fields of `cls` that take a number, those that hold numbers, and the switches."""
    fields = cls.model_fields
    own_reading = {n for n, f in fields.items()  # reads its input itself: `false` may be
                   if any(isinstance(m, BeforeValidator) for m in f.metadata)}  # its "none"
    return (frozenset(n for n, f in fields.items()
                      if _numeric(f.annotation) and n not in own_reading),
            frozenset(n for n, f in fields.items() if _numbers_inside(f.annotation)),
            frozenset(n for n, f in fields.items()
                      if _kinds(f.annotation) == [bool] and n not in own_reading))


class NumbersAreNotSwitches(BaseModel):
    """A base model whose number fields refuse true/false, and whose yes/no fields refuse
    anything else (see the module)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_switch_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        numbers, holders, switches = _checked_fields(cls)
        name = info.field_name
        if name in numbers and isinstance(value, bool):
            raise ValueError(f"must be a number, not {str(value).lower()}")
        if name in switches and value is not None and not isinstance(value, bool) \
                and not (isinstance(value, str) and value in FORM_SWITCHES) \
                and not (info.context and info.context.get(STORED_LAX)):
            raise ValueError(f"must be true or false, not {value!r}")
        if name in holders:
            items = value.values() if isinstance(value, dict) else \
                value if isinstance(value, CONTAINERS) else ()
            if any(isinstance(item, bool) for item in items):
                raise ValueError("must hold numbers, not true/false")
        return value
