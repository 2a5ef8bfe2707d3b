"""Caller numbers in exports: hashed unless someone asks, explicitly, for the numbers themselves.

A queue_log file travels to other tools and other people; a phone number in it is personal data.
By default a number becomes a keyed hash (HMAC-SHA256, first 16 hex digits, prefixed "h:"):
the same caller gets the same pseudonym throughout one export, so repeat callers can still be
counted, but a plain hash of a phone number is reversible by trying every number, so the key is
random per export unless one is given (`HOLDWELL_EXPORT_KEY` or `--caller-id-key`) to link exports.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class CallerIdMode(StrEnum):
    """What an export writes in the caller-id field."""

    HASHED = "hashed"
    PLAIN = "plain"  # only with an explicit flag
    NONE = "none"


@dataclass(frozen=True)
class CallerIds:
    """Turns caller numbers into what an export may show."""

    mode: CallerIdMode = CallerIdMode.HASHED
    key: bytes = field(default_factory=lambda: os.urandom(32), repr=False)

    @classmethod
    def from_key_text(cls, mode: str, key_text: str | None) -> CallerIds:
        """A mode and an optional key given as text (random key when none)."""
        if key_text:
            return cls(CallerIdMode(mode), key_text.encode("utf-8"))
        return cls(CallerIdMode(mode))

    def show(self, number: object) -> str:
        """One number as exported: '' when unknown or mode none."""
        if number is None or self.mode == CallerIdMode.NONE:
            return ""
        text = str(number).strip()
        if not text or text.lower() in {"nan", "<na>", "none"}:
            return ""
        if self.mode == CallerIdMode.PLAIN:
            return text
        digest = hmac.new(self.key, text.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"h:{digest[:16]}"

    def show_all(self, numbers: Iterable[object]) -> np.ndarray:
        """Many numbers (an object array), each distinct number hashed once."""
        values = np.asarray(list(numbers), dtype=object)
        if values.size == 0:
            return values
        unique, inverse = np.unique(values.astype(str), return_inverse=True)
        shown = np.array([self.show(u) for u in unique], dtype=object)
        return shown[inverse]
