"""Characters a reader of the text does not see: Unicode's formatting characters (category
Cf: zero-width spaces and joiners, direction marks, overrides and isolates). A reason made
of them reads as nothing, and a direction override shows words other than those read out."""

from __future__ import annotations

import unicodedata


def shown(text: str) -> str:
    """`text` without its formatting characters: what counting characters a reader sees
    should count."""
    return "".join(char for char in text if unicodedata.category(char) != "Cf")
