"""What `holdwell config import` says about a file before and after it saves it: the version
an exported file was based on (the first line `config export` writes), and each setting the
import changes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI starts without the database layer
    from app.storage.config_versions import ConfigVersion
    from hold_policies.config import HoldwellConfig

EXPORTED_FROM = re.compile(r"# holdwell config version (\d+) by ")
NONE_SAVED = "# no config version saved yet"
SHOWN_CHARS = 60  # a value longer than this is cut: a prompt's change is seen, not reprinted
SHOWN_KEYS = 30  # per queue or section; the rest are counted


def export_header(version: ConfigVersion) -> str:
    """The first line of `config export` (as a comment), which `exported_from` reads back."""
    return f"{exported_by(version)}: {version.note}"


def exported_by(version: ConfigVersion) -> str:
    """What names a version in that line: its number, author and time."""
    return (f"holdwell config version {version.number} by {version.author}, "
            f"{version.created_at:%Y-%m-%d %H:%M} UTC")


def same_export(text: str, version: ConfigVersion) -> bool:
    """Whether `text` was exported from this very `version`: its first line names its
    number, author and time, not only a number another database's version may share (review
    35, R6: staging's version 3 had been taken for production's)."""
    first = text.splitlines()[0] if text else ""
    return first.removeprefix("# ").startswith(exported_by(version))


def exported_from(text: str) -> int | None:
    """The version a file was exported from, by its first line as `config export` writes it:
    0 for an export of a database with none saved; None for a file without that line
    (written by hand, or the line removed), of which nothing can be told."""
    first = text.splitlines()[0] if text else ""
    if found := EXPORTED_FROM.match(first):
        return int(found[1])
    return 0 if first.startswith(NONE_SAVED) else None


def saved_since(versions: Iterable[ConfigVersion], base: int) -> str:
    """Who saved the versions after `base` (newest first in, oldest first out):
    "alice (versions 23, 25), cli (version 27)"."""
    by: dict[str, list[int]] = {}
    for version in versions:
        if version.number <= base:
            break
        by.setdefault(version.author, []).append(version.number)
    return ", ".join(f"{author} ({numbered(sorted(numbers))})"
                     for author, numbers in sorted(by.items(), key=lambda kv: min(kv[1])))


def numbered(numbers: list[int]) -> str:
    """"version 27", "versions 23, 25", or for many "40 versions, 23 to 87"."""
    if len(numbers) > 5:
        return f"{len(numbers)} versions, {numbers[0]} to {numbers[-1]}"
    return f"version{'s' if len(numbers) > 1 else ''} {', '.join(str(n) for n in numbers)}"


def setting_changes(before: HoldwellConfig | None, after: HoldwellConfig) -> list[str]:
    """One line per queue (added, removed, changed or unchanged), under a changed queue each
    setting it changes, old → new; then each section outside the queues ([line],
    [estimate], [callbacks]) that changes, with its settings. A setting is listed when the
    versions store it differently (so a key written out at its default is no change, and a
    table added lists what it sets, not every default in it); shown as it runs."""
    old, new = FlatConfig(before), FlatConfig(after)
    lines = []
    for name in sorted(set(old.queues) | set(new.queues)):
        if name not in old.queues:
            lines.append(f"queue {name}: added")
        elif name not in new.queues:
            lines.append(f"queue {name}: removed")
        else:
            changed = key_changes(old, new, f"queues.{name}.")
            same = not changed and before.queues[name] == after.queues[name]
            lines.append(f"queue {name}: {'unchanged' if same else 'changed'}")
            lines += [f"  {line}" for line in changed]
    for section in (name for name in type(after).model_fields if name != "queues"):
        if before is not None and (changed := key_changes(old, new, f"{section}.")):
            lines += [f"{section}: changed", *(f"  {line}" for line in changed)]
    return lines


class FlatConfig:
    """A config's settings by dotted key: as stored (defaults left out) and as run."""

    def __init__(self, config: HoldwellConfig | None) -> None:
        from app.storage.config_versions import body_of, effective_body

        self.stored = flat(body_of(config)) if config is not None else {}
        self.run = flat(effective_body(config)) if config is not None else {}
        self.queues = set(config.queues) if config is not None else set()

    def value(self, key: str) -> Any:
        """As it runs; a table stored empty (every key at its default) as stored: `{}`."""
        return self.run.get(key, self.stored.get(key))


def key_changes(old: FlatConfig, new: FlatConfig, prefix: str) -> list[str]:
    """`key: old → new` for each setting under `prefix` the two store differently."""
    keys = [key for key in {**new.stored, **old.stored} if key.startswith(prefix)
            and old.stored.get(key) != new.stored.get(key)]
    lines = [f"{key.removeprefix(prefix)}: {shown(old.value(key))} → {shown(new.value(key))}"
             for key in keys]
    if len(lines) > SHOWN_KEYS:
        more = len(lines) - SHOWN_KEYS
        lines = [*lines[:SHOWN_KEYS], f"… and {more} more (compare `holdwell config export "
                                      "--effective` of the two versions)"]
    return lines


def flat(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every setting of `table` by its dotted key; a table with nothing in it is one value."""
    found: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, Mapping) and value:
            found.update(flat(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found


def shown(value: Any) -> str:
    """A value as the file would spell it, cut to SHOWN_CHARS; "(default)" for none."""
    from app.console.toml_writer import basic_string

    if value is None:
        return "(default)"
    text = basic_string(value) if isinstance(value, str) else json.dumps(value,
                                                                          ensure_ascii=False)
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS - 1]}…"
