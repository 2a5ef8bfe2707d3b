"""Write a config dict back as TOML, so `config export` and version diffs read like the file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _key(name: str) -> str:
    bare = name.replace("_", "").replace("-", "").isalnum() and name.isascii()
    return name if bare else json.dumps(name)


def dumps(data: Mapping[str, Any], _path: tuple[str, ...] = ()) -> str:
    """TOML text for nested dicts of scalars; None values are left out (TOML has no null)."""
    scalars = {k: v for k, v in data.items() if v is not None and not isinstance(v, Mapping)}
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    lines = []
    if _path and (scalars or not tables):
        lines.append("[" + ".".join(_key(part) for part in _path) + "]")
    lines += [f"{_key(k)} = {_value(v)}" for k, v in scalars.items()]
    text = "\n".join(lines)
    for name, table in tables.items():
        inner = dumps(table, (*_path, name))
        text = f"{text}\n\n{inner}" if text else inner
    return text + ("\n" if not _path else "")
