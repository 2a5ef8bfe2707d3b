"""A TOML table read with checks: every value's type and range, every key accounted for.

What a scenario file promises (README, "Simulate before switching"): a file that does not
validate is refused with the key at fault. So an unknown key is refused by name (a typo would
otherwise be a silent default), numbers must be finite and in range, whole numbers must be
whole (TOML `true` is not a number), and lists have their length checked.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from simulator.errors import ScenarioError

MISSING: Any = object()


def _kind(value: object) -> str:
    return {bool: "true/false", str: "text", list: "a list", dict: "a table"}.get(
        type(value), type(value).__name__)


class Table:
    """One table of the file (`where` is its dotted name, for messages; "" for the root)."""

    def __init__(self, data: object, where: str, allowed: Collection[str] | None) -> None:
        if not isinstance(data, dict):
            raise ScenarioError(f"{where}: must be a table ([{where}]), not {_kind(data)}")
        unknown = sorted(set(data) - set(allowed)) if allowed is not None else []
        if unknown:
            raise ScenarioError(f"{where or 'top level'}: unknown key(s) {', '.join(unknown)}; "
                                f"allowed: {', '.join(sorted(allowed))}")
        self.data, self.where = data, where

    def name(self, key: str) -> str:
        """The dotted name of `key` in this table (the root table's keys stand alone)."""
        return f"{self.where}.{key}" if self.where else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def names(self) -> list[str]:
        """The keys as written, in order."""
        return list(self.data)

    def raw(self, key: str, default: Any = MISSING) -> Any:
        """The value as written; a missing key without a default is refused by name (None,
        which TOML cannot write but `twin_to_dict` can, counts as missing)."""
        if self.data.get(key) is not None:
            return self.data[key]
        if default is MISSING:
            raise ScenarioError(f"{self.name(key)}: missing")
        return default

    def table(self, key: str, allowed: Collection[str] | None, default: Any = MISSING) -> Table:
        return Table(self.raw(key, default), f"{self.name(key)}", allowed)

    def number(self, key: str, *, lo: float = 0.0, hi: float = math.inf, above: bool = False,
               default: Any = MISSING) -> float:
        """A finite number in [lo, hi] (or (lo, hi] when `above`)."""
        return check_number(self.raw(key, default), self.name(key), lo, hi, above)

    def optional_number(self, key: str, *, lo: float = 0.0, hi: float = math.inf) -> float | None:
        return None if self.data.get(key) is None else self.number(key, lo=lo, hi=hi)

    def integer(self, key: str, *, lo: int = 0, hi: int | None = None,
                default: Any = MISSING) -> int:
        return check_integer(self.raw(key, default), self.name(key), lo, hi)

    def text(self, key: str, default: Any = MISSING) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str):
            raise ScenarioError(f"{self.name(key)}: must be text, not {_kind(value)}")
        return value

    def numbers(self, key: str, *, count: int | None = None, lo: float = 0.0,
                hi: float = math.inf, default: Any = MISSING) -> tuple[float, ...]:
        values = self._list(key, count, default)
        return tuple(check_number(v, f"{self.name(key)}[{i}]", lo, hi, False)
                     for i, v in enumerate(values))

    def integers(self, key: str, *, count: int, lo: int = 0, hi: int | None = None,
                 default: Any = MISSING) -> tuple[int, ...]:
        values = self._list(key, count, default)
        return tuple(check_integer(v, f"{self.name(key)}[{i}]", lo, hi)
                     for i, v in enumerate(values))

    def flags(self, key: str, *, count: int, default: Any = MISSING) -> tuple[bool, ...]:
        values = self._list(key, count, default)
        for i, value in enumerate(values):
            if not isinstance(value, bool):
                raise ScenarioError(f"{self.name(key)}[{i}]: must be true or false, not "
                                    f"{value!r}")
        return tuple(values)

    def texts(self, key: str, default: Any = MISSING) -> tuple[str, ...]:
        values = self._list(key, None, default)
        if not all(isinstance(v, str) for v in values):
            raise ScenarioError(f"{self.name(key)}: must be a list of text")
        return tuple(values)

    def _list(self, key: str, count: int | None, default: Any) -> list:
        values = self.raw(key, default)
        if not isinstance(values, list):
            raise ScenarioError(f"{self.name(key)}: must be a list, not {_kind(values)}")
        if count is not None and len(values) != count:
            raise ScenarioError(f"{self.name(key)}: needs {count} values (got {len(values)})")
        return values


def check_number(value: object, where: str, lo: float, hi: float, above: bool) -> float:
    """`value` as a float, or a ScenarioError naming `where`, the value and the range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: must be a number, not {_kind(value)} ({value!r})")
    number = float(value)
    too_low = number <= lo if above else number < lo
    if not math.isfinite(number) or too_low or number > hi:
        low = f"> {lo:g}" if above else f">= {lo:g}"
        high = "" if math.isinf(hi) else f" and <= {hi:g}"
        raise ScenarioError(f"{where}: must be a finite number {low}{high} (got {value!r})")
    return number


def check_integer(value: object, where: str, lo: int, hi: int | None) -> int:
    """`value` as an int (a whole number in range), or a ScenarioError naming `where`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{where}: must be a whole number, not {_kind(value)} ({value!r})")
    if value < lo or (hi is not None and value > hi):
        high = "" if hi is None else f" and <= {hi}"
        raise ScenarioError(f"{where}: must be a whole number >= {lo}{high} (got {value})")
    return value
