"""Reading a TOML file as people save it."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path
from typing import Any, BinaryIO

ENCODING = "utf-8-sig"
"""utf-8-sig: an editor that saves "UTF-8 with BOM" (Notepad) starts the file with U+FEFF,
which TOML does not allow; the mark says only the encoding, so it is skipped."""


def read_toml(path: str | Path) -> dict[str, Any]:
    """The file's TOML. Raises OSError, UnicodeDecodeError or tomllib.TOMLDecodeError for the
    caller to name."""
    return tomllib.loads(toml_text(path))


def toml_text(path: str | Path) -> str:
    """The file's text (ENCODING)."""
    return Path(path).read_text(encoding=ENCODING)


def stream_text(stream: BinaryIO) -> str:
    """An open stream's text, read as toml_text reads a file (ENCODING, newlines made
    "\\n"), so TOML piped to standard input loads as the same file would. The stream is left
    open: standard input belongs to the process, not to this reader."""
    text = io.TextIOWrapper(stream, encoding=ENCODING)
    try:
        return text.read()
    finally:
        text.detach()
