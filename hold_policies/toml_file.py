"""Reading a TOML file as people save it."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: str | Path) -> dict[str, Any]:
    """The file's TOML. Raises OSError, UnicodeDecodeError or tomllib.TOMLDecodeError for the
    caller to name."""
    return tomllib.loads(toml_text(path))


def toml_text(path: str | Path) -> str:
    """The file's text. utf-8-sig: an editor that saves "UTF-8 with BOM" (Notepad) starts
    the file with U+FEFF, which TOML does not allow; the mark says only the encoding, so it
    is skipped."""
    return Path(path).read_text(encoding="utf-8-sig")
