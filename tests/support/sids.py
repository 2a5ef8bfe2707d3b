"""Twilio-shaped SIDs for tests: a readable name becomes a valid, stable `CA` + 32 hex id."""

from __future__ import annotations

import hashlib


def sid(name: str, prefix: str = "CA") -> str:
    """The same name always gives the same SID; different names differ (md5 of the name)."""
    return prefix + hashlib.md5(name.encode()).hexdigest()
