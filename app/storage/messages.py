"""The messages callers left from the queue, read for the agent and the console.

Every message rides on its number's one callback (app.storage.voicemail_writes), in the order
it was left; the agent hears each before the customer's phone rings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from app.storage.db import as_utc
from app.storage.schema import callback_messages


@dataclass(frozen=True)
class Message:
    left_at: datetime
    url: str  # Twilio's recording
    seconds: int | None
    transcript: str | None  # its words, when Twilio transcribed it


def messages_of(conn: Connection, callback_ids: Iterable[str]) -> dict[str, tuple[Message, ...]]:
    """Each callback's messages, oldest first (callbacks without any are left out)."""
    ids = list(dict.fromkeys(callback_ids))
    if not ids:
        return {}
    rows = conn.execute(select(callback_messages).where(
        callback_messages.c.callback_id.in_(ids)).order_by(
        callback_messages.c.left_at, callback_messages.c.recording_sid)).mappings()
    found: dict[str, list[Message]] = {}
    for row in rows:
        found.setdefault(row["callback_id"], []).append(Message(
            as_utc(row["left_at"]), row["recording_url"], row["recording_s"],
            row["transcript"]))
    return {callback_id: tuple(each) for callback_id, each in found.items()}
