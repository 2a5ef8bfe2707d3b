"""Which database a command works on, and how to name it in messages without its password."""

from __future__ import annotations

import os
import re

from app.settings import DEFAULT_DATABASE_URL


def database_url(given: str | None = None) -> str:
    """--db if given, else $DATABASE_URL, else the local SQLite file."""
    return given or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    return re.sub(r"(//[^:/@]+):[^@/]*@", r"\1:***@", url)
