"""Write a config dict back as TOML, so `config export` and version diffs read like the file."""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping
from typing import Any

MUST_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f\ud800-\udfff]')
"""What a TOML basic string may not hold as itself: the quote, the backslash, every control
character but tab (escaped too, for one rule) and DEL; and lone surrogates, which no TOML
(nor UTF-8) can hold."""
SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
                 "\f": "\\f", "\r": "\\r"}


def _escaped(found: re.Match[str]) -> str:
    """TOML's escape for one character; a lone surrogate (only in a version stored before
    the config check refused it) is written as U+FFFD so the export still reads."""
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return "\\uFFFD"
    return SHORT_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def basic_string(text: str) -> str:
    """`text` as a TOML basic string that tomllib reads back as the same text."""
    return '"' + MUST_ESCAPE.sub(_escaped, text) + '"'


NOT_IN_A_COMMENT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
"""What a TOML comment may not hold: every control character but tab, and lone surrogates."""


def comment(text: str) -> str:
    """`text` as TOML comment lines, each line behind its own "# ": a note with a line break
    written as is had ended the comment, and what followed ("[queues.x]") was read back as
    settings. A character no comment may hold is written as U+FFFD."""
    lines = text.splitlines() or [""]
    return "\n".join(f"# {NOT_IN_A_COMMENT.sub(chr(0xFFFD), line)}".rstrip() for line in lines)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):  # numpy's too: its own repr (`np.float64(1.5)`)
        return repr(int(value))  # is no TOML
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, str):
        return basic_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _key(name: str) -> str:
    bare = name.replace("_", "").replace("-", "").isalnum() and name.isascii()
    return name if bare else basic_string(name)


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
