"""The call-log vocabulary shared by the live app, the simulator and analytics.

One record type and one set of event names, so every analysis runs unchanged on real and
simulated calls (DESIGN.md, "The call log").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class Outcome(StrEnum):
    """How a call's wait ended."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    CALLBACK_CONNECTED = "callback_connected"
    CALLBACK_FAILED = "callback_failed"
    LEFT = "left"
    ERROR = "error"
    CLOSED = "closed"  # rang outside opening hours: never queued (not a queue call record)
    KEPT_CALLBACK = "kept_callback"  # rang back and kept their pending callback: never queued
    VOICEMAIL = "voicemail"  # left a message (a callback task) that is not called back yet
    OVERFLOW = "overflow"  # past the queue's maximum wait, or the queue was full: offered a
    # callback or a message, took neither, and the call ended (never an abandon)


ANSWERED_AT_ONCE_POSITION = 1
"""The place of a caller answered before Twilio's first poll said one: an agent took them at
once, so they were at the head of the line. The call log's rows and both queue_log exports
(from records, and from events) give it as the caller's original position."""

NOT_QUEUED = (Outcome.CLOSED, Outcome.KEPT_CALLBACK)
"""Outcomes of calls that never joined a queue: rang while closed, or rang back and kept a
pending callback (the person is counted once, by the call that booked it). No queue's calls:
every reader of records leaves them out (the database's query, the record files' readers), as
counting them would dilute every queue rate."""


UNSERVED = (Outcome.ABANDONED, Outcome.CALLBACK_FAILED, Outcome.ERROR, Outcome.OVERFLOW)
"""Callers the queue lost: hung up, a callback never reached, thrown out by a Twilio error, or
past the maximum wait with no offer taken. The one definition of "unserved" (reports, the
simulator's summaries, the console's list): counting errors or overflows as served would let a
policy win by losing callers to errors, or by holding them until they overflow."""

UNSERVED_FORMULA = "(" + " + ".join(o.value.replace("_", " ") for o in UNSERVED) + ") / calls"
"""UNSERVED in words, "(abandoned + callback failed + error + overflow) / calls", for every
text that states the unserved rate: built from the tuple the numbers count, it cannot drift."""


SERVICE_LEVEL_S = 20.0
"""The T of "answered within T seconds" wherever no other is asked for: the report, the
simulator and its CLI, the twin and the wallboard, so one day's service level is one number
everywhere (T = 20 s, as in the common 80/20 target)."""


class Event(StrEnum):
    """Call-log event names, modelled on Asterisk's queue_log."""

    ENTERQUEUE = "ENTERQUEUE"
    ANNOUNCE = "ANNOUNCE"
    KEYPRESS = "KEYPRESS"
    CALLBACK_REQUESTED = "CALLBACK_REQUESTED"
    CONNECT = "CONNECT"
    ABANDON = "ABANDON"
    EXITWITHKEY = "EXITWITHKEY"
    CALLBACK_ATTEMPT = "CALLBACK_ATTEMPT"
    CALLBACK_CONNECT = "CALLBACK_CONNECT"
    CALLBACK_FAILED = "CALLBACK_FAILED"
    COMPLETE = "COMPLETE"
    CALLBACK_AT_RISK = "CALLBACK_AT_RISK"  # the promised window is about to pass
    ERROR = "ERROR"
    CLOSED = "CLOSED"  # rang outside opening hours: told when the line opens, not queued
    CALLBACK_KEPT = "CALLBACK_KEPT"  # rang back while a callback was pending and kept it
    RESUMED = "RESUMED"  # rang back after a dropped line: the new leg continues this call
    REASON = "REASON"  # said what the call is about: data.transcript (private), confidence
    AGENT_BRIEFED = "AGENT_BRIEFED"  # an agent was told this caller's reason (agent_call_id)
    OVERFLOW = "OVERFLOW"  # offered a callback or a message instead of a drop (data.reason)
    VOICEMAIL = "VOICEMAIL"  # left a message: data.recording_url, recording_sid, duration_s
    CALLBACK_CANCELLED = "CALLBACK_CANCELLED"  # the pending callback was withdrawn: data.by
    # "operator" (console/API) or "caller" (rang back and chose to wait instead)


class CallRecord(NamedTuple):
    """One call, as analysts read it (DESIGN.md record columns, same names and units)."""

    call_id: str
    queue: str
    policy: str
    arm: str  # "" outside experiments
    entered_at: datetime  # UTC
    outcome: Outcome
    wait_s: float  # to answer, hang-up or leave
    orig_position: int | None
    announcements: int
    first_announced_wait_s: float | None
    callback_wait_s: float | None  # callbacks: entering the queue -> connected
    # Extra columns (DESIGN.md allows them): who chose a callback, and what we promised them.
    callback_requested: bool = False
    callback_promised_wait_s: float | None = None  # the announced band we promised, seconds
    first_announced_at_s: float | None = None  # seconds in queue when the first wait was told
    callback_cancelled: bool = False  # its callback was withdrawn before it was rung
    # (CALLBACK_CANCELLED: by an operator, or the caller rang again and chose to wait); record
    # files written before this column read as False


RECORD_COLUMNS: tuple[str, ...] = CallRecord._fields
