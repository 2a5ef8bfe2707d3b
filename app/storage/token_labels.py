"""What an API token's label may be: a few words an admin reads on the People page and in
the audit log ("wallboard", "nightly report"), so it must show as typed and fit its column."""

from __future__ import annotations

from app.storage.person_names import unseen_char

MAX_LABEL_LENGTH = 80
UNLABELLED = "unlabelled"
"""How a token issued before labels (or without one) is listed."""


def clean_label(label: str | None) -> str | None:
    """The label as stored (trimmed; None when blank), or a ValueError saying what is wrong:
    a control or invisible character (a line break split the audit log's lines), or more
    than MAX_LABEL_LENGTH characters (the column's width on PostgreSQL)."""
    label = (label or "").strip()
    if not label:
        return None
    if len(label) > MAX_LABEL_LENGTH:
        raise ValueError(f"a token's label is at most {MAX_LABEL_LENGTH} characters "
                         f"(got {len(label):,})")
    if any(unseen_char(char) for char in label):
        raise ValueError("a token's label may not hold control or invisible characters "
                         "(line breaks, zero-width spaces)")
    return label
