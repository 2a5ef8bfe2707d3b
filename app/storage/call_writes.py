"""Writes of a caller's webhooks: each appends its facts, then rebuilds the call's row."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Update, select, update

from app.storage import audit
from app.storage import commands as c
from app.storage.callback_admin import cancel_pending
from app.storage.callback_queue import TALK_ENDED
from app.storage.callback_requests import caller_gone, left_the_queue
from app.storage.db import as_utc
from app.storage.events import insert_once, inserted_once, log_event
from app.storage.facts import (
    ANY_FACT,
    append_fact,
    ensure_call,
    entry_data,
    entry_key,
    log_entry,
    project,
    status_key,
)
from app.storage.locks import hold_call
from app.storage.prepared import (
    ANNOUNCE_AT_ONCE,
    CALL,
    COUNT_ANNOUNCEMENT,
    COUNT_FIRST_ESTIMATE,
    COUNT_POLL,
    COUNT_POLL_RETURNING,
    COUNT_POLL_VIEW,
    COUNT_STEADY_POLL,
    COUNT_STEADY_POLL_VIEW,
    THIS_CALL,
    latest,
    param,
)
from app.storage.resume_writes import bare_connect_key, call_of_leg
from app.storage.rows import CallRow, call_row
from app.storage.schema import call_events, callbacks, calls
from hold_policies.call_outcome import HANGUP, LATE_POLL, LEAVE
from hold_policies.records import Event

EPISODE_SPAN_S = 1_000_000.0  # longer than any wait
FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")
LEFT_RESULTS = ("leave", "redirected", "redirected-from-bridged")
ERROR_RESULTS = ("error", "system-error", "queue-full")


def begin_call(conn: Connection, command: c.BeginCall) -> None:
    if not inserted_once(conn, calls, "call_id", {
            "call_id": command.call_id, "queue": command.queue, "policy": command.policy,
            "arm": command.arm, "from_number": command.from_number,
            "arrived_at": command.now}):  # a later webhook overtook this one and made the row
        label_call(conn, command)
        conn.execute(ARRIVED_EARLIER, {"call": command.call_id, "arrived": command.now})
    elif conn.execute(ANY_FACT, {"call": command.call_id}).first() is not None:
        label_call(conn, command)  # a status callback overtook the call's first request:
        project(conn, command.call_id)  # its fact, kept bare, is this call's


ARRIVED_EARLIER = update(calls).where(
    THIS_CALL, calls.c.arrived_at > param("arrived", calls.c.arrived_at),
).values(arrived_at=param("arrived", calls.c.arrived_at))
"""The call's first request is when it arrived: a row an overtaking webhook made guessed
later (a poll of a later time in line, or a QueueTime rounded down)."""


def label_call(conn: Connection, command: c.Labelled) -> None:
    """Fill in who called and which policy they hear where an overtaking webhook, which could
    not know, left them blank: on the row and on the events logged meanwhile."""
    this = calls.c.call_id == command.call_id
    if getattr(command, "from_number", None):
        conn.execute(update(calls).where(this, calls.c.from_number.is_(None))
                     .values(from_number=command.from_number))
    labels = {"policy": command.policy, "arm": command.arm}
    conn.execute(update(calls).where(this, calls.c.policy == "").values(
        queue=command.queue, **labels))
    # Its events too, also when another request labelled the row first (a status callback
    # kept as a bare fact before any row existed would keep no labels).
    conn.execute(update(call_events).where(call_events.c.call_id == command.call_id,
                                           call_events.c.policy == "")
                 .values(queue=command.queue, **labels))


def note_poll(conn: Connection, command: c.NotePoll,
              before_entry: Callable[[CallRow, int | None], object] | None = None) -> CallRow:
    """Count the poll; `before_entry(call, callbacks_ahead)` sees the log as it was before the
    caller's own ENTERQUEUE (a first poll must not start the queue's measuring window 40 s
    back), with the pending callbacks ahead of the caller when the count could read them in
    the same statement (None: not read)."""
    entered = command.now - timedelta(seconds=command.queue_time_s)
    counted = poll_count_params(command)
    viewing = before_entry is not None
    back_in_line = bool(command.episode) if command.put_back is None else command.put_back
    if back_in_line:  # put back in line: at the back of Twilio's queue since then (set
        # before the count, which counts who is ahead from it)
        conn.execute(BACK_IN_LINE, {"call": command.call_id, "since": entered})
    call, ahead = _count_poll(conn, counted, viewing, command.rejoins)
    if call is not None and call.policy == "":  # made by a webhook that overtook this one
        label_call(conn, command)
        call, ahead = _count_poll_read(conn, command.call_id), None
    made_row = call is None
    if made_row:  # /voice/incoming never reached the log: the first poll starts the row
        conn.execute(insert_once(conn, calls, "call_id"), {
            "call_id": command.call_id, "queue": command.queue, "policy": command.policy,
            "arm": command.arm, "arrived_at": entered,
            "in_line_since": entered if back_in_line else None})
        call, ahead = _count_poll(conn, counted, viewing, command.rejoins)
    if before_entry is not None:
        before_entry(call, ahead)
    if call.polls == 1 or command.episode or not command.attempted:  # a late poll may be
        # the one that entered the line (the polls counted first were of a later time)
        log_entry(conn, call, entered, command.position, command.episode,
                  command.queue_time_s)
        if made_row or call.outcome is not None:  # facts may have come first: keep in step
            project(conn, call.call_id)
    if not command.attempted:
        count_late_poll(conn, command, call)
    return call


BACK_IN_LINE = update(calls).where(THIS_CALL).values(
    in_line_since=latest(calls.c.in_line_since, param("since", calls.c.in_line_since)))
"""The start of the caller's latest time in line (app.storage.line_head): every poll of it
shows it (to QueueTime's whole second), in any order, and a replayed earlier one never
moves it back."""
LAST_COUNTED = select(calls.c.last_poll_queue_time_s).where(THIS_CALL)
COUNT_ONE_MORE = update(calls).where(THIS_CALL).values(polls=calls.c.polls + 1)


def count_late_poll(conn: Connection, command: c.NotePoll, call: CallRow) -> None:
    """A poll journaled before its write was tried, now applied. Its POLL fact marks it
    applied, counted in order or not, so a second replay (a crash before the journal's
    cursor moved past it) counts nothing even after the caller's later polls were counted.
    Replayed after those (by another host, whose database was there), the count, which takes
    only a poll newer than the last, skipped it: it was never counted, so it counts now,
    once; and if it came before the poll that gave where the caller entered the line, its
    position is that place."""
    last = conn.execute(LAST_COUNTED, {"call": command.call_id}).scalar()
    in_order = last is None or poll_clock(command) >= last  # or a retry of the last counted
    key = f"{command.call_id}:{LATE_POLL}:{command.episode}:{command.queue_time_s:.0f}"
    if not append_fact(conn, call, command.now, LATE_POLL, key, command.queue_time_s,
                       {"episode": command.episode}, command.position) or in_order:
        return
    conn.execute(COUNT_ONE_MORE, {"call": command.call_id})
    if command.position is not None and earlier_entry(conn, command):
        project(conn, command.call_id)


def earlier_entry(conn: Connection, command: c.NotePoll) -> bool:
    """Give the caller's ENTERQUEUE this poll's position if this poll came before the one
    that gave it (or none did); True if it did."""
    key = entry_key(command.call_id, command.episode)
    row = conn.execute(select(call_events.c.position, call_events.c.data).where(
        call_events.c.dedupe_key == key)).first()
    if row is None:
        return False
    seen_at_s = json.loads(row.data or "{}").get("position_at_s")
    if row.position is not None and (seen_at_s is None or seen_at_s <= command.queue_time_s):
        return False  # given by an earlier poll, or by one we cannot place: keep it
    data = entry_data(command.episode, command.position, command.queue_time_s)
    conn.execute(update(call_events).where(call_events.c.dedupe_key == key).values(
        position=command.position, data=json.dumps(data, sort_keys=True)))
    return True


def count_steady_poll(conn: Connection,
                      command: c.NotePoll) -> tuple[CallRow, int | None] | None:
    """Count a poll of a call already counted and labelled in its first time in line, in one
    statement, with who is ahead of it outside Twilio's count where the database can return
    that too (PostgreSQL; else None: read it separately); None when it is not such a poll
    (nothing written: `note_poll` does the whole of it)."""
    if command.episode:
        return None
    if conn.dialect.name == "postgresql":
        row = COUNT_STEADY_POLL_VIEW[command.rejoins].first(conn, poll_count_params(command))
        return None if row is None else (call_row(row), row["callbacks_ahead"])
    row = COUNT_STEADY_POLL.first(conn, poll_count_params(command))
    return None if row is None else (call_row(row), None)


def poll_count_params(command: c.NotePoll) -> dict[str, Any]:
    """The count statements' parameters for a poll."""
    first_time = command.position if command.episode == 0 else None  # back in line: not it
    return {"call": command.call_id,
            "entered": command.now - timedelta(seconds=command.queue_time_s),
            "position": first_time, "queue_time_s": poll_clock(command), "now": command.now,
            "last_position": command.position}


def poll_clock(command: c.NotePoll) -> float:
    """Orders a call's polls across times in line (QueueTime restarts when put back), so a
    poll counts only if it is newer than the last one counted (a retry is not)."""
    return command.episode * EPISODE_SPAN_S + command.queue_time_s


def _count_poll_read(conn: Connection, call_id: str) -> CallRow:
    return call_row(conn.execute(CALL, {"call": call_id}).mappings().one())


def _count_poll(conn: Connection, counted: dict[str, Any], viewing: bool = False,
                rejoins: bool = False) -> tuple[CallRow | None, int | None]:
    """Count a poll (once per QueueTime: a retried poll counts once) and read the call, and
    with `viewing` the callbacks (and with `rejoins` rejoined callers) ahead of it (None where
    the count cannot return them)."""
    if conn.dialect.update_returning:
        # SQLite renders RETURNING's columns unqualified, which would turn the subquery's
        # `callbacks.queue = calls.queue` into `queue = queue`; its separate read is cheap.
        viewing = viewing and conn.dialect.name == "postgresql"
        statement = COUNT_POLL_VIEW[rejoins] if viewing else COUNT_POLL_RETURNING
        row = conn.execute(statement, counted).mappings().first()
    elif conn.execute(COUNT_POLL, counted).rowcount == 1:
        row = conn.execute(CALL, {"call": counted["call"]}).mappings().one()
    else:
        row = None
    if row is None:
        return None, None
    return call_row(row), row.get("callbacks_ahead")


def announce(conn: Connection, command: c.Announce) -> None:
    key, data = _announced(command)
    if not log_event(conn, dedupe_key=key, time=command.now, call_id=command.call_id,
                     queue=command.queue, event=Event.ANNOUNCE, policy=command.policy,
                     arm=command.arm, position=command.position,
                     wait_s=command.queue_time_s, data=data):
        if command.said_instead:  # the poll's own try stored another check-in after all
            replace_check_in(conn, command, key, data)
        return  # a retried poll's check-in: counted already
    statement, counted = _count_announcement(command)
    if command.episode == 0 and conn.execute(statement, counted).rowcount == 1:
        return
    _announced_elsewhere(conn, command)


def replace_check_in(conn: Connection, command: c.Announce, key: str,
                     data: dict[str, Any]) -> None:
    """The check-in logged for this poll becomes the one the caller heard, and the row is
    rebuilt from the facts (the first wait told, the position said, the count)."""
    conn.execute(update(call_events).where(call_events.c.dedupe_key == key).values(
        position=command.position, data=json.dumps(data, sort_keys=True)))
    project(conn, command.call_id)


def announce_at_once(conn: Connection, command: c.Announce) -> None:
    """`announce` as one statement (PostgreSQL, a first time in line), for a connection in
    autocommit: a check-in's BEGIN and COMMIT were round trips of their own, two of its
    four (issue 11). Anything else takes `announce` in a transaction."""
    if command.episode != 0 or conn.dialect.name != "postgresql":
        with conn.begin() if not conn.in_transaction() else nullcontext():
            announce(conn, command)
        return
    key, data = _announced(command)
    statement, counted = _count_announcement(command)
    counted_on = ANNOUNCE_AT_ONCE[statement].first(conn, {
        **counted, "fact_key": key, "fact_queue": command.queue,
        "fact_event": Event.ANNOUNCE.value, "fact_policy": command.policy,
        "fact_arm": command.arm, "queue_time_s": command.queue_time_s,
        "fact_data": json.dumps(data, sort_keys=True)})
    if counted_on is None and conn.execute(CALL, {"call": command.call_id}).first() is None:
        _announced_elsewhere(conn, command)  # logged, but no row to count it on yet


def announce_key(call_id: str, episode: int, queue_time_s: float) -> str:
    """The dedupe key of the check-in served at one poll (a time in line's QueueTime)."""
    return f"{call_id}:ANNOUNCE:{episode}:{queue_time_s:.0f}"


RETRY_WITHIN_S = 30.0
"""A poll this soon after the call's last check-in may be a retry of the poll that served
it (Twilio repeats a waitUrl request it had no answer to, within its 15 s timeout and a
little more, with the same QueueTime): only then is the log asked whether it is. Polls a
check-in apart (a minute) never pay for the question."""


RETRY_QUEUE_TIME_SLACK_S = 2.0
"""A retry carries the QueueTime of the poll that served the check-in: the time in line when
it was served, give or take Twilio's whole seconds and the entry's own rounding. The next
poll after a check-in comes a document later (seconds at least): only a poll whose QueueTime
is the served one's asks the log, so the steady poll after a check-in pays no query."""


def before_its_check_in(conn: Connection, call: CallRow, command: c.NotePoll) -> CallRow:
    """`call` as it stood before this poll's own check-in, when the poll is a retry of one
    that served a check-in (its ANNOUNCE, keyed by the poll, is logged already): the retry
    then answers the same document, a check-in, rather than the silence after one (which a
    caller had heard instead until the next minute). Any other poll: `call` as it is."""
    last, since = call.last_announced_at, call.line_since
    if last is None or (command.now - last).total_seconds() > RETRY_WITHIN_S:
        return call
    if since is not None and abs((last - since).total_seconds() - command.queue_time_s) > \
            RETRY_QUEUE_TIME_SLACK_S:  # a later poll's QueueTime: not a retry, no question
        return call
    key = announce_key(command.call_id, command.episode, command.queue_time_s)
    if conn.execute(select(call_events.c.id).where(call_events.c.dedupe_key == key)).first() \
            is None:  # by the unique key: one row at most, however long the call
        return call
    earlier = conn.execute(select(call_events.c.time, call_events.c.position).where(
        call_events.c.call_id == command.call_id,
        call_events.c.event == Event.ANNOUNCE.value,
        call_events.c.dedupe_key != key)).all()
    said = [row.position for row in earlier if row.position is not None]
    return replace(call, announcements=max(call.announcements - 1, 0),
                   last_announced_at=max((as_utc(row.time) for row in earlier), default=None),
                   told_position=min(said, default=None))


def _announced(command: c.Announce) -> tuple[str, dict[str, Any]]:
    """A check-in's dedupe key (one per poll) and the data logged with it."""
    key = announce_key(command.call_id, command.episode, command.queue_time_s)
    return key, {"kind": command.kind, "announced_wait_s": command.announced_wait_s,
                 "keys": list(command.keys), "text": command.text, "episode": command.episode}


def _count_announcement(command: c.Announce) -> tuple[Update, dict[str, Any]]:
    """The statement that counts a check-in on its call's row, and its parameters."""
    counted = {"call": command.call_id, "now": command.now, "told": command.position}
    if command.announced_wait_s is None:
        return COUNT_ANNOUNCEMENT, counted
    counted.update(announced_wait_s=command.announced_wait_s,
                   queue_time_s=command.queue_time_s)
    return COUNT_FIRST_ESTIMATE, counted


def _announced_elsewhere(conn: Connection, command: c.Announce) -> None:
    ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    project(conn, command.call_id)  # back in line, or the poll's row is not there yet


def key_press(conn: Connection, command: c.KeyPress) -> None:
    call = ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    when = command.retry_token or f"{command.queue_time_s:.0f}"
    key = f"{call.call_id}:KEYPRESS:{command.episode}:{when}:{command.digit}"
    append_fact(conn, call, command.now, Event.KEYPRESS, key, command.queue_time_s,
                {"digit": command.digit, "choice": command.choice,
                 "episode": command.episode})


def connect(conn: Connection, command: c.Connect) -> float | None:
    """Log the answer; the caller's whole wait as the record now says it (None: unknown),
    which the words before the bridge fit: Twilio's QueueTime restarts when a caller is put
    back in line after an error, their record's wait does not."""
    if command.rejoined:
        continued = on_the_call_it_continues(conn, command)
        if continued is None:  # its Resume, journaled elsewhere, adopts it (resume_writes)
            log_event(conn, dedupe_key=bare_connect_key(command.call_id), time=command.now,
                      call_id=command.call_id, queue=command.queue, event=Event.CONNECT,
                      wait_s=command.queue_time_s,
                      data={"agent_call_id": command.agent_call_id})
            return None
        command = continued
    call = ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    if command.queue_time_s is None:
        command = replace(command, queue_time_s=in_line_so_far_s(call, command.now))
    if command.queue_time_s is not None:
        # The agent's Queue url cannot know whether the caller is back in line after an
        # error: outcome_of matches the answer's QueueTime to the right time in line.
        log_entry(conn, call, command.now - timedelta(seconds=command.queue_time_s), None, 0)
    append_fact(conn, call, command.now, Event.CONNECT, f"{call.call_id}:CONNECT",
                command.queue_time_s, {"agent_call_id": command.agent_call_id})
    decided = project(conn, call.call_id)
    answered_in_line(conn, call, command.now)
    return decided.wait_s


def answered_in_line(conn: Connection, call: CallRow, now: datetime) -> None:
    """Answered in line while (or just after) booking a callback, which the worker may
    already be ringing: the callback is cancelled, so no attempt may count and no retry may
    ring them again (heard as the agent's answer, or as the caller's `bridged` result)."""
    if call.callback_requested and cancel_pending(conn, call.call_id, now,
                                                  ("pending", "claimed")):
        audit.record(conn, actor="system", action="callback.cancel", target=call.call_id,
                     detail={"reason": "answered on their own call"}, now=now)


def in_line_so_far_s(call: CallRow, now: datetime) -> float | None:
    """The QueueTime an answer lacking it would have carried: seconds since this time in
    line began, as the log knows it (its entry, or its return after a Twilio error). None
    while the log knows neither (its polls journaled elsewhere): the CONNECT is then kept
    without one, and outcome_of counts the answer from the first entry logged."""
    since = call.line_since
    return None if since is None else max((now - since).total_seconds(), 0.0)


def on_the_call_it_continues(conn: Connection, command: c.Connect) -> c.Connect | None:
    """A rejoined leg's answer, filed under the call the leg continues (holding that call's
    lock too, as apply() takes it for its commands); None while the log knows no such call
    (the leg's Resume not stored yet: journaled on a host cut off). Filed under the leg as a
    call of its own, it made up a second, answered call."""
    found = call_of_leg(conn, command.call_id)
    if found is None:
        return None
    hold_call(conn, found)
    return replace(command, call_id=found, rejoined=False)


def queue_result(conn: Connection, command: c.QueueResult) -> None:
    call = ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    if command.policy and call.policy == "":  # the call's first request never reached the
        # log: its action URL still names the policy, so the call is counted under it
        label_call(conn, command)
        call = ensure_call(conn, command.call_id, command.queue, command.now, None)
    qt, episode, sid = command.queue_time_s, command.episode, command.call_id
    if qt is None and command.result == "queue-full":  # Twilio sends no QueueTime: turned
        qt = 0.0  # away as they reached the queue, they are its calls, with no wait (without
        # an entry they were in no record: the report left every queue-full caller out)
    if qt is not None and command.result != "bridged":  # sent as the wait ends: it enqueued
        log_entry(conn, call, command.now - timedelta(seconds=qt), None, episode)
    data: dict[str, Any] = {"episode": episode, "queue_result": command.result}
    if command.result == "bridged":
        fact = (Event.COMPLETE, f"{sid}:COMPLETE", data)
    elif command.result == "hangup":
        fact = (HANGUP, f"{sid}:HANGUP:{episode}", {**data, "source": "queue-result"})
    elif command.result in LEFT_RESULTS:
        fact = (LEAVE, f"{sid}:LEAVE:{episode}", data)
    elif command.result in ERROR_RESULTS:
        fact = (Event.ERROR, f"{sid}:ERROR:{episode}", data)
    else:
        return
    event, key, data = fact
    append_fact(conn, call, command.now, event, key, qt, data)
    project(conn, call.call_id)
    if command.result == "bridged":  # their answer's /connect may sit in a cut-off host's
        answered_in_line(conn, call, command.now)  # journal: this says it too
        return
    caller_gone(conn, call.call_id, command.now)  # out of the queue: a callback may ring
    if command.result in ("leave", "hangup"):  # and not answered there
        left_the_queue(conn, call.call_id, command.now)


def call_status(conn: Connection, command: c.CallStatus) -> None:
    if command.status not in FINAL_STATUSES:
        return
    if command.check_claims:  # an agent's call ended: its claim is checked, then freed
        mark_agent_ended(conn, command.call_id, command.now)
    else:  # no REST credentials to check with: freed, rung again once its ring is over
        release_claims_of(conn, command.call_id, command.now + timedelta(seconds=command.ring_s))
    row = conn.execute(CALL, {"call": command.call_id}).mappings().first()
    data: dict[str, object] = {"source": f"status:{command.status}"}
    key = status_key(command.call_id)
    if row is None and (call_id := call_of_leg(conn, command.call_id)) is not None:
        row = conn.execute(CALL, {"call": call_id}).mappings().first()  # a rejoined leg's end
        data["leg"] = command.call_id  # ends its call only while it is the caller's leg
    if row is None:  # an agent's leg, or a caller whose first request is still on its way:
        log_event(conn, dedupe_key=key, time=command.now, call_id=command.call_id, queue="",
                  event=HANGUP, data=data)  # kept as a bare fact; the call picks it up later
        return
    call = call_row(row)
    append_fact(conn, call, command.now, HANGUP, key, None, data)
    if "leg" not in data:  # the caller's own call ended: their callback may ring now
        caller_gone(conn, call.call_id, command.now)
    if call.outcome is None:  # a backstop: it only decides a call nothing else has ended
        project(conn, call.call_id)


RELEASE_CLAIMS = update(callbacks).where(
    callbacks.c.status == "claimed",
    callbacks.c.claimed_by == param("agent", callbacks.c.claimed_by),
    ~TALK_ENDED,  # its customer answered: the answer is journaled on a host cut off
).values(status="pending", claimed_by=None, claimed_at=None, claim_token=None,
         next_attempt_at=param("due", callbacks.c.next_attempt_at))
"""Built once: every final status callback runs it (building it cost 2.5% of an emulated
call's CPU)."""


def release_claims_of(conn: Connection, agent_call_id: str, due: datetime) -> int:
    """Claims held by an agent call that has ended go back to their place in line, due at
    `due` (when the ring their Dial may have started is over)."""
    return conn.execute(RELEASE_CLAIMS, {"agent": agent_call_id, "due": due}).rowcount


MARK_AGENT_ENDED = update(callbacks).where(
    callbacks.c.status == "claimed",
    callbacks.c.claimed_by == param("agent", callbacks.c.claimed_by),
    callbacks.c.agent_ended_at.is_(None),
).values(agent_ended_at=param("now", callbacks.c.agent_ended_at))


def mark_agent_ended(conn: Connection, agent_call_id: str, now: datetime) -> int:
    """Claims held by an agent call that has ended, with no result yet, wait for
    app.claim_checks: the result may be journaled on a host cut off from the database."""
    return conn.execute(MARK_AGENT_ENDED, {"agent": agent_call_id, "now": now}).rowcount


WRITES = {c.BeginCall: begin_call, c.NotePoll: note_poll, c.Announce: announce,
          c.KeyPress: key_press, c.Connect: connect, c.QueueResult: queue_result,
          c.CallStatus: call_status}
