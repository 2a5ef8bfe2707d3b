"""Writes of the overflow offer and of a message left from the queue (issue 16 items 4-5).

An overflow offer is a fact (OVERFLOW, once per time in line): the call's outcome becomes
`overflow` only if it then ends without an answer, a callback or a message. A message is a
callback task: a `callbacks` row keeping the caller's original place, and a
`callback_messages` row with the recording (and, when Twilio sends it, the transcript) for
the agent to hear before the customer rings. One callback per person: a number that already
has one outstanding in the queue gets the message on that one instead of a second callback,
after the messages it already carries.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, select, update

from app.storage import commands as c
from app.storage.events import insert_once
from app.storage.facts import FACT_BY_KEY, append_fact, ensure_call, project
from app.storage.one_per_person import hold_number, outstanding_for
from app.storage.schema import call_events, callback_messages, callbacks
from hold_policies.call_outcome import VOICEMAIL_CHOSEN, VOICEMAIL_TEXT
from hold_policies.records import Event


def overflowed(conn: Connection, command: c.Overflowed) -> None:
    call = ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    if append_fact(conn, call, command.now, Event.OVERFLOW,
                   f"{call.call_id}:OVERFLOW:{command.episode}", command.queue_time_s,
                   {"episode": command.episode, "reason": command.reason}):
        project(conn, call.call_id)


def choose_voicemail(conn: Connection, command: c.ChooseVoicemail) -> bool:
    """True: the message key is kept for the Enqueue action (as `voicemail_stored` says)."""
    call = ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    append_fact(conn, call, command.now, VOICEMAIL_CHOSEN, _chosen_key(command),
                command.queue_time_s, {"episode": command.episode, "key": command.digit})
    return True


def voicemail_stored(conn: Connection, command: c.ChooseVoicemail) -> bool | None:
    """What `choose_voicemail` did, read back after its COMMIT was cut off (None: nothing)."""
    found = conn.execute(FACT_BY_KEY, {"key": _chosen_key(command)}).first()
    return True if found is not None else None


def _chosen_key(command: c.ChooseVoicemail) -> str:
    return f"{command.call_id}:VOICEMAIL_CHOSEN:{command.episode}"


def chose_voicemail(conn: Connection, call_id: str) -> bool:
    """Whether the caller pressed the message key (read by the Enqueue action on a leave)."""
    found = select(call_events.c.id).where(call_events.c.call_id == call_id,
                                           call_events.c.event == VOICEMAIL_CHOSEN).limit(1)
    return conn.execute(found).first() is not None


def leave_voicemail(conn: Connection, command: c.LeaveVoicemail) -> str | None:
    """The message's callback task (None: no number to call back); returns the call id of
    the callback that carries it (another call's, if that number already had one)."""
    kept = conn.execute(select(callback_messages.c.callback_id).where(
        callback_messages.c.recording_sid == command.recording_sid)).scalar()
    if kept is not None:  # a retried or replayed Record action: this message is stored
        return kept
    call = ensure_call(conn, command.call_id, command.queue, command.now, None)
    recording = {"recording_url": command.recording_url, "recording_sid": command.recording_sid,
                 "recording_s": round(command.duration_s)}
    carrier = None
    if command.number is not None:
        hold_number(conn, call.queue, command.number)
        carrier = outstanding_for(conn, call.queue, command.number, other_than=call.call_id)
        if carrier is None:
            carrier = call.call_id
            conn.execute(insert_once(conn, callbacks, "call_id"), {
                "call_id": call.call_id, "queue": call.queue, "number": command.number,
                "entered_at": call.entered_at or command.now, "requested_at": command.now,
                "promised_by": None, "status": "pending"})
            append_fact(conn, call, command.now, Event.CALLBACK_REQUESTED,  # a callback taken:
                        f"{call.call_id}:CALLBACK_REQUESTED", None,  # not in abandonment
                        {"number": command.number, "voicemail": True})
        conn.execute(insert_once(conn, callback_messages, "recording_sid"), {
            **recording, "callback_id": carrier, "call_id": call.call_id,
            "left_at": command.now, "transcript": _early_transcript(
                conn, call.call_id, command.recording_sid)})
    append_fact(conn, call, command.now, Event.VOICEMAIL, f"{call.call_id}:VOICEMAIL", None,
                {**recording, "number": command.number, "callback": carrier})
    project(conn, call.call_id)
    return carrier


def transcribed(conn: Connection, command: c.VoicemailTranscribed) -> None:
    """The transcript onto its message; kept as a fact too, in case Twilio's
    transcription overtakes the <Record> action (then `leave_voicemail` picks it up)."""
    if command.status != "completed" or not command.text:
        return
    stored_url = conn.execute(select(callback_messages.c.recording_url).where(
        callback_messages.c.recording_sid == command.recording_sid)).scalar()
    text = None if stored_url == "" else command.text  # a message stored always has its
    # recording's URL; only `holdwell privacy redact` empties it: a transcription Twilio
    # sends after the caller's words were erased is not written back (its arrival is)
    call = ensure_call(conn, command.call_id, "", command.now, None)
    append_fact(conn, call, command.now, VOICEMAIL_TEXT, f"{call.call_id}:VOICEMAIL_TEXT",
                None, {"recording_sid": command.recording_sid, "text": text})
    conn.execute(update(callback_messages).where(
        callback_messages.c.recording_sid == command.recording_sid).values(
        transcript=text))


def _early_transcript(conn: Connection, call_id: str, recording_sid: str) -> str | None:
    """The transcript that overtook its message's <Record> action, if one did."""
    rows = conn.execute(select(call_events.c.data).where(
        call_events.c.call_id == call_id, call_events.c.event == VOICEMAIL_TEXT)).scalars()
    return next((data["text"] for data in map(json.loads, rows)
                 if data.get("recording_sid") == recording_sid), None)


STORED = {c.ChooseVoicemail: voicemail_stored}
"""How to read back what a write never journaled did (app.storage.apply.stored)."""
WRITES = {c.Overflowed: overflowed, c.ChooseVoicemail: choose_voicemail,
          c.LeaveVoicemail: leave_voicemail, c.VoicemailTranscribed: transcribed}
