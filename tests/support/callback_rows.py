"""Pending callbacks written straight into the table, for tests that race agents or watchers
over them (several claim tests seeded the same rows each their own way)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert

from app.storage.schema import callback_messages, callbacks

NUMBER = "+14155550100"


def seed_pending(engine: Engine, call_ids: Sequence[str], start: datetime,
                 queue: str = "support") -> None:
    """One pending callback per call, all requested at `start`, the i-th having entered the
    line i seconds after it (so the order of `call_ids` is the order of their places)."""
    with engine.begin() as conn:
        conn.execute(insert(callbacks), [
            {"call_id": call_id, "queue": queue, "number": NUMBER,
             "entered_at": start + timedelta(seconds=i), "requested_at": start,
             "status": "pending"} for i, call_id in enumerate(call_ids)])


def attach_message(engine: Engine, callback_id: str, url: str,
                   transcript: str | None = None) -> None:
    """A message left from the queue, carried by `callback_id`'s callback (as a Record
    action followed by Twilio's transcription would leave it)."""
    with engine.begin() as conn:
        conn.execute(insert(callback_messages), {
            "recording_sid": "RE" + url.rsplit("/", 1)[-1][-32:].rjust(32, "0"),
            "callback_id": callback_id, "call_id": callback_id,
            "left_at": datetime(2026, 1, 1), "recording_url": url, "recording_s": 9,
            "transcript": transcript})


def rung_callbacks(rows: Sequence[Mapping], outcome_of: Mapping[str, str]) -> list[Mapping]:
    """The callbacks that were rung. A caller at the head of the line may be answered there
    while their confirmation plays (still in Twilio's queue: their callback rings only once
    they are off it); their callback is then cancelled, never rung, and their call answered."""
    rung = []
    for row in rows:
        if row["status"] == "cancelled":
            assert outcome_of[row["call_id"]] == "answered" and row["attempts"] == 0, row
        else:
            rung.append(row)
    return rung
