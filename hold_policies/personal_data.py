"""Which fields of a call-log event's data identify a caller: one list for every reader.

An event's data (a JSON object) may carry a caller's number (a callback's `number`; `caller_id`,
`from`, `to` in logs from other systems), their own words (a REASON's `transcript`, a message's
transcription) or the address of their recorded voice (a message's `recording_url`). The
erasure of `holdwell privacy` empties these, and every export leaves them out (the events
export writes them empty, a queue_log line's payload drops them). Two lists had been kept, and
they differed: the queue_log export wrote a message's recording address that erasure removed.
Outcomes, waits, positions, keys pressed and what the app said (an ANNOUNCE's `text`) are not
personal and stay. A recording's SID stays too: it holds no voice and no number, and is how
the recording is deleted on Twilio.
"""

from __future__ import annotations

import json
from typing import Any

from hold_policies.call_outcome import VOICEMAIL_TEXT

PERSONAL_KEYS = frozenset({"number", "caller_id", "from", "to", "transcript",
                           "recording_url"})
"""Keys personal in any event's data."""
PERSONAL_BY_EVENT: dict[str, frozenset[str]] = {VOICEMAIL_TEXT: frozenset({"text"})}
"""Keys personal in one kind of event only: an ANNOUNCE's `text` is what the app said, a
VOICEMAIL_TEXT's is what the caller said."""


def personal_keys(event: str) -> frozenset[str]:
    """The keys of `event`'s data that identify its caller."""
    return PERSONAL_KEYS | PERSONAL_BY_EVENT.get(event, frozenset())


def emptied(event: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with its personal values emptied (None), the keys kept: a reader sees that
    something was there, not what."""
    personal = personal_keys(event)
    return {key: (None if key in personal else value) for key, value in data.items()}


def emptied_text(event: str, data: str | None) -> str | None:
    """An event's data as stored (JSON text), its personal values emptied; None when it held
    none (nothing to rewrite)."""
    fields = json.loads(data or "{}")
    if not isinstance(fields, dict) or not any(fields.get(key)
                                              for key in personal_keys(event)):
        return None
    return json.dumps(emptied(event, fields), sort_keys=True)
