"""Writes of a callback's life after its request (app.storage.callback_requests): each
attempt's result — for its own claim.

Every attempt result carries the claim token it was dialled under (in the URLs Twilio calls
back). A result for a claim that was released (and perhaps taken again by someone else)
never undoes the newer claim: a late no-answer from agent A can never wipe agent B's claim.
It is still a fact, though (reported late when its host, cut off from the database,
journaled it): a late answer is logged and settles the callback — the customer was served,
and the newer claim is fenced out — and a late unanswered attempt is logged and counted.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Connection, RowMapping, and_, case, update

from app.storage import commands as c
from app.storage.callback_admin import CANCELLED
from app.storage.callback_queue import CHECKED_HOLD, REST_CLAIMANT, talk_ended_key
from app.storage.callback_rest import call_for_leg
from app.storage.db import as_utc
from app.storage.facts import FACT_BY_KEY, append_fact, ensure_call, keep_earliest, project
from app.storage.failure_texts import OWED
from app.storage.locks import hold_call
from app.storage.prepared import param
from app.storage.rows import CallRow
from app.storage.schema import callbacks
from hold_policies.call_outcome import CALLBACK_ENDED, LEG_ENDED
from hold_policies.promise import retry_delay_s
from hold_policies.records import Event

CALLBACK_ROW = callbacks.select().where(
    callbacks.c.call_id == param("callback", callbacks.c.call_id))
CALLBACK_ROW_HELD = CALLBACK_ROW.with_for_update()
"""The row locked until the result is written (SQLite: the write transaction holds the file)."""
IN_HAND = ("claimed", "on_line")


def _locked(conn: Connection, call_id: str) -> RowMapping | None:
    """The callback, locked until this transaction ends: a release and another agent's
    claim wait for the result, which could otherwise pass its check, then overwrite the
    newer claim (the customer dialled twice; the kept promise lost)."""
    return conn.execute(CALLBACK_ROW_HELD, {"callback": call_id}).mappings().first()


def _holds(row: RowMapping, claim: str | None) -> bool:
    """Whether this claim (no token: whoever holds it now) still has the callback in hand
    (False: released, and perhaps claimed again, since: this result is late)."""
    return row["status"] in IN_HAND and (claim is None or row["claim_token"] == claim)


def _in_hand(conn: Connection, call_id: str, claim: str | None) -> RowMapping | None:
    """The callback, locked, if this claim still holds it."""
    row = _locked(conn, call_id)
    return row if row is not None and _holds(row, claim) else None


def _call_of(conn: Connection, row: RowMapping, command: c.Command) -> CallRow:
    return ensure_call(conn, row["call_id"], row["queue"], command.now, None)


def _waited_s(row: RowMapping, command: c.Command) -> float:
    return max((command.now - as_utc(row["entered_at"])).total_seconds(), 0.0)


def on_line(conn: Connection, command: c.CallbackOnLine) -> bool:
    """The customer answered the REST call: hold them for an agent (False: this claim no
    longer holds the callback, e.g. they were answered on their own call meanwhile). If the
    leg already ended (its final status came first: this answer was journaled on another
    host), the callback ends as that status said, never held for an agent who would find
    nobody (an `on_line` row sends every agent of its queue to the callback queue)."""
    if _in_hand(conn, command.call_id, command.claim) is None:
        return False
    # claimed_at becomes the moment they answered: the agent who takes them is told so.
    # The same leg's answer again (Twilio's retry, a replay) keeps it: held customers are
    # taken oldest first, and a hold nobody ends is given back an hour after it began.
    answered_before = and_(callbacks.c.status == "on_line",
                           callbacks.c.rest_call_sid == command.leg_sid)
    holder = (case((answered_before, callbacks.c.claimed_by), else_=CHECKED_HOLD)
              if command.by_check else REST_CLAIMANT)  # a heard answer is sure of the hold
    conn.execute(update(callbacks).where(callbacks.c.call_id == command.call_id)
                 .values(status="on_line", rest_call_sid=command.leg_sid, claimed_by=holder,
                         claimed_at=case((answered_before, callbacks.c.claimed_at),
                                         else_=command.now)))
    ended = conn.execute(FACT_BY_KEY, {
        "key": _leg_ended_key(command.call_id, command.leg_sid)}).first()
    if ended is not None:
        said = json.loads(ended.data or "{}")
        unanswered(conn, c.CallbackUnanswered(
            call_id=command.call_id, now=as_utc(ended.time), claim=command.claim,
            result=said.get("result", ""), attempt_key=command.leg_sid, final=True,
            end_unheard=bool(said.get("end_unheard"))))
    return True


def _leg_ended_key(call_id: str, leg: str) -> str:
    return f"{call_id}:{LEG_ENDED}:{leg}"


def _leg_ended(conn: Connection, row: RowMapping, command: c.CallbackUnanswered) -> None:
    """A leg's end whose outcome is not known here: a final status for a leg whose answer is
    not stored yet (kept for `on_line`), or a held customer's leg completed with nobody
    hearing how (the queue's result, a bridge or a hang-up, may be journaled on a host cut
    off). The leg is over, so the row is marked ended: it holds no ring slot of a
    customer-first queue (callback_rest.IN_HAND) and sends no agent to an empty queue
    (callback_rest.HOLDING); not failed yet: `holdwell callbacks` ends an unheard hold after
    END_UNHEARD_S unless its webhooks come (app.claim_checks)."""
    call = _call_of(conn, row, command)
    said: dict[str, object] = {"result": command.result}
    if command.end_unheard:
        said["end_unheard"] = True
    append_fact(conn, call, command.now, LEG_ENDED,
                _leg_ended_key(call.call_id, command.attempt_key), None, said)
    conn.execute(update(callbacks).where(
        callbacks.c.call_id == row["call_id"], callbacks.c.agent_ended_at.is_(None),
    ).values(agent_ended_at=command.now))


def connected(conn: Connection, command: c.CallbackConnected) -> bool:
    """The customer is being bridged to an agent: the promise is kept. False when there is
    nothing to bridge (answered on their own call meanwhile, or already served on another
    claim); a repeat of an answer (a Twilio retry, a replay) changes nothing."""
    row = _locked(conn, command.call_id)
    if row is None:
        return False
    if _holds(row, command.claim):
        return _connect(conn, row, command)
    if row["status"] == "connected" and command.claim in (None, row["claim_token"]):
        return True  # this answer again
    if command.claim is None or row["status"] == CANCELLED:
        return False
    return _answered_late(conn, row, command)


def _connect(conn: Connection, row: RowMapping, command: c.CallbackConnected) -> bool:
    attempt = row["attempts"] + 1
    conn.execute(update(callbacks).where(callbacks.c.call_id == command.call_id).values(
        status="connected", last_result="answered", resolved_at=command.now, attempts=attempt))
    call, waited = _call_of(conn, row, command), _waited_s(row, command)
    append_fact(conn, call, command.now, Event.CALLBACK_ATTEMPT,
                f"{call.call_id}:CALLBACK_ATTEMPT:{attempt}", waited,
                {"result": "answered", "attempt": attempt})
    _log_connect(conn, call, command, waited)
    project(conn, call.call_id)
    return True


def _log_connect(conn: Connection, call: CallRow, command: c.CallbackConnected,
                 waited: float) -> None:
    """CALLBACK_CONNECT, once per call, at the first answer (callback_wait_s counts to it)."""
    held = {} if command.held_s is None else {"held_s": command.held_s}
    if command.agent_call_id:  # compared with AGENT_BRIEFED: was the agent told about them?
        held["agent_call_id"] = command.agent_call_id
    keep_earliest(conn, call, command.now, Event.CALLBACK_CONNECT,
                  f"{call.call_id}:CALLBACK_CONNECT", waited, held)


def _answered_late(conn: Connection, row: RowMapping, command: c.CallbackConnected) -> bool:
    """An answer whose claim was released before it was applied (journaled on a host cut
    off from the database while the claim timed out): the customer was served. It is
    logged, and settles the callback under this claim's token, so a newer claim's results
    find it no longer theirs and nobody dials them again. Unless they are on the line for
    an agent now (a newer claim rang them): held, to be taken, their promise kept all the
    same (`unanswered` ends it connected). False for a second answer: already served."""
    call, waited = _call_of(conn, row, command), _waited_s(row, command)
    attempt = row["attempts"] + 1
    if not append_fact(conn, call, command.now, Event.CALLBACK_ATTEMPT,
                       f"{call.call_id}:CALLBACK_ATTEMPT:answered:{command.claim}", waited,
                       {"result": "answered", "attempt": attempt, "late": True}):
        return False  # this late answer again (the first one said it all)
    values: dict[str, object] = {"attempts": attempt}
    if row["status"] == "connected":  # served twice: resolved at the first
        values["resolved_at"] = min(as_utc(row["resolved_at"]) or command.now, command.now)
    elif row["status"] != "on_line":
        values.update(status="connected", claim_token=command.claim, last_result="answered",
                      resolved_at=command.now, next_attempt_at=None,
                      failure_text=None if row["failure_text"] == OWED else row["failure_text"])
    conn.execute(update(callbacks).where(callbacks.c.call_id == call.call_id).values(values))
    _log_connect(conn, call, command, waited)
    project(conn, call.call_id)
    return row["status"] != "connected"


def leg_connected(conn: Connection, command: c.CallbackLegConnected) -> bool:
    """`connected` for the callback whose REST leg is `command.call_id` (False: no callback
    has that leg, e.g. an agent's own call)."""
    found = call_for_leg(conn, command.call_id)
    if found is None:
        return False
    hold_call(conn, found)  # the callback's own call lock, as apply() takes for its commands
    return connected(conn, c.CallbackConnected(call_id=found, now=command.now,
                                               held_s=command.held_s,
                                               agent_call_id=command.agent_call_id))


def ended(conn: Connection, command: c.CallbackEnded) -> bool:
    """CALLBACK_ENDED, once, for a callback kept under this claim, or still held by it (its
    answer not applied yet, whichever order they come in); False for none: a machine, a
    customer answered on their own call meanwhile, another claim's. The twin reads the
    agent's talk from it (only of a call that ends connected): without it an agent on a
    callback looked free, and a line that calls back was fitted with too few agents."""
    row = _locked(conn, command.call_id)
    if row is None or command.claim not in (None, row["claim_token"]):
        return False
    if row["status"] != "connected" and not _holds(row, command.claim):
        return False  # still held by this claim: its answer may be journaled on a host cut
        # off, applied later (as LEG_ENDED keeps a leg's end): the end is kept for it now
    return append_fact(conn, _call_of(conn, row, command), command.now, CALLBACK_ENDED,
                       talk_ended_key(command.call_id, row["claim_token"]), None, {})


def canceled(conn: Connection, command: c.CallbackCanceled) -> bool:
    """A claim whose Dial was canceled goes back to its place, due as it was, with no attempt:
    the ring is over, so nothing of it can still be reported (False: the claim no longer
    holds it)."""
    row = _locked(conn, command.call_id)
    if row is None or row["status"] != "claimed" or not _holds(row, command.claim):
        return False
    conn.execute(update(callbacks).where(callbacks.c.call_id == command.call_id).values(
        status="pending", claimed_by=None, claimed_at=None, claim_token=None))
    return True


def unanswered(conn: Connection, command: c.CallbackUnanswered) -> str | None:
    """Retry later, or fail after the last attempt; None if this result changed nothing. A
    `final` result (a customer who answered, then hung up before an agent took them) ends
    the callback at once, and only one that was on the line: nobody who answered is dialled
    twice. One whose promise was already kept (an earlier claim's answer, reported late)
    ends connected, never failed nor rung again."""
    row = _locked(conn, command.call_id)
    if row is None:
        return None
    if not _holds(row, command.claim):
        return _attempt_late(conn, row, command)
    if command.final and (row["status"] != "on_line" or command.end_unheard):
        _leg_ended(conn, row, command)  # its answer, or how it ended, may be journaled
        return None  # elsewhere
    call, waited = _call_of(conn, row, command), _waited_s(row, command)
    attempt = row["attempts"] + 1
    if not _log_attempt(conn, call, command, waited, attempt):
        return None
    if (kept := conn.execute(FACT_BY_KEY, {"key": f"{call.call_id}:CALLBACK_CONNECT"}).first()):
        conn.execute(update(callbacks).where(callbacks.c.call_id == call.call_id).values(
            status="connected", attempts=attempt, resolved_at=as_utc(kept.time)))
        return "connected"
    if attempt >= command.max_attempts or command.final:
        return _fail(conn, call, command, attempt, waited)
    conn.execute(update(callbacks).where(callbacks.c.call_id == call.call_id).values(
        status="pending", attempts=attempt, last_result=command.result, claimed_by=None,
        claimed_at=None, claim_token=None,
        next_attempt_at=command.now + timedelta(seconds=_retry_after_s(row, command))))
    return "pending"


def _log_attempt(conn: Connection, call: CallRow, command: c.CallbackUnanswered,
                 waited: float, attempt: int) -> bool:
    """CALLBACK_ATTEMPT of this attempt, once (True if this logged it)."""
    return append_fact(conn, call, command.now, Event.CALLBACK_ATTEMPT,
                       f"{call.call_id}:CALLBACK_ATTEMPT:{command.attempt_key}", waited,
                       {"result": command.result, "attempt": attempt})


def _fail(conn: Connection, call: CallRow, command: c.CallbackUnanswered, attempt: int,
          waited: float) -> str:
    """The last attempt went unanswered: the promise is given up (its text owed, unless
    they were never rung, or answered and hung up before an agent came (`final`): "we
    tried to call you back and could not reach you" would be false)."""
    owed = command.text_if_failed and not command.final
    conn.execute(update(callbacks).where(callbacks.c.call_id == call.call_id).values(
        status="failed", attempts=attempt, last_result=command.result,
        resolved_at=command.now, failure_text=OWED if owed else None))
    append_fact(conn, call, command.now, Event.CALLBACK_FAILED,
                f"{call.call_id}:CALLBACK_FAILED", waited,
                {"attempts": attempt, "last_result": command.result})
    project(conn, call.call_id)
    return "failed"


def _attempt_late(conn: Connection, row: RowMapping, command: c.CallbackUnanswered
                  ) -> str | None:
    """An unanswered attempt whose claim was released before it was applied (journaled on
    a host cut off from the database): still an attempt, logged and counted so max_attempts
    holds, but a newer claim's state is left alone; a pending callback with no attempts
    left fails now (no claim's result will). Not counted: a `final` one (its customer had
    answered; that answer decides), one of a cancelled callback (answered on their own
    call: no attempt counts), one without a claim token, and one of the very claim whose
    answer kept the promise ("connected": the answer heard decides; counted, it had made a
    second attempt of one ring and lowered the answer rate the windows are sized by)."""
    if command.claim is None or command.final or row["status"] == CANCELLED:
        return None
    if row["status"] == "connected" and row["claim_token"] == command.claim:
        return "connected"
    call, waited = _call_of(conn, row, command), _waited_s(row, command)
    attempt = row["attempts"] + 1
    if not _log_attempt(conn, call, command, waited, attempt):
        return None  # this attempt again
    if row["status"] == "pending" and attempt >= command.max_attempts:
        return _fail(conn, call, command, attempt, waited)
    conn.execute(update(callbacks).where(callbacks.c.call_id == call.call_id).values(
        attempts=attempt))
    return "counted"


def _retry_after_s(row: RowMapping, command: c.CallbackUnanswered) -> float:
    """The regular spacing, or the soonest when the promise needs it (as the engines do)."""
    if command.soonest_retry_s is None:
        return command.retry_after_s
    promised = as_utc(row["promised_by"])
    left = None if promised is None else (promised - command.now).total_seconds()
    return retry_delay_s(left, command.retry_after_s, command.soonest_retry_s,
                         command.retry_margin_s)


WRITES = {c.CallbackOnLine: on_line,
          c.CallbackConnected: connected, c.CallbackLegConnected: leg_connected,
          c.CallbackEnded: ended, c.CallbackUnanswered: unanswered,
          c.CallbackCanceled: canceled}
