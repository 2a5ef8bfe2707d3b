"""One truth per call: its record is a pure function of its logged facts, in any order.

Twilio may deliver, retry and reorder webhooks: a status callback may come before the Enqueue
action, an answer may race a hang-up, a caller thrown out with QueueResult=error may be put
back in line. Whatever order the facts arrive in, `outcome_of` gives the same record, with
one explicit precedence (strongest first):

1. answered — an agent took the caller (CONNECT, or COMPLETE from QueueResult=bridged);
2. callback_connected / callback_failed — a callback taker's promise kept or given up;
3. closed — the caller rang outside opening hours and was never queued (CLOSED), whatever
   hang-up follows and whether or not they booked a callback for the opening;
4. voicemail — the caller left a message (VOICEMAIL), which becomes a callback task: its
   callback connected or failed settles it as in 2;
5. left — the caller left the queue for a callback (EXITWITHKEY);
6. overflow — the caller was offered a callback or a message instead of a drop (OVERFLOW:
   past the queue's maximum wait, or the queue was full), took neither, and the call ended
   (by any of 7-9): never an abandon;
7. left — the caller left the queue on purpose (LEAVE);
8. the queue's own verdict on the caller's last time in line: HANGUP from the Enqueue
   action (abandoned) or ERROR (error) — an ERROR followed by a later time in line is not
   final;
9. abandoned — a HANGUP seen only through the number's status callback (the backstop).

A withdrawn callback (CALLBACK_CANCELLED: an operator cancelled it, or the caller rang again
and chose to wait) decides no outcome: the call stays `left` (or `voicemail`), and
`callback_cancelled` says its promise was withdrawn. Claims take only pending callbacks, so
a cancelled one is never connected or failed; should such a result or an answer be logged
all the same, it is the stronger fact (1-2 above) and `callback_cancelled` is False: the
promise was settled by what happened, not withdrawn.

Waits count from the caller's *first* entry into the queue, so a caller put back in line
after a Twilio error keeps their original place in the record and the estimates.
Facts carry `queue_time_s` (Twilio's QueueTime for that time in line) and `episode`
(0 for the first time in line, 1 after being put back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from hold_policies.records import Event, Outcome

HANGUP = "HANGUP"
"""A hang-up as one source saw it (data.source: queue-result or status:...). Not itself an
ABANDON: whether the call was abandoned is decided here, with every other fact in view."""
LEAVE = "LEAVE"
"""QueueResult=leave (or redirected) without a callback request: the caller left on purpose."""
VOICEMAIL_CHOSEN = "VOICEMAIL_CHOSEN"
"""The caller pressed the message key and is leaving the queue to record: the Enqueue
action (QueueResult=leave) reads it to answer with <Record>. Not an outcome by itself."""
VOICEMAIL_TEXT = "VOICEMAIL_TEXT"
"""Twilio's transcript of a message (kept for the agent; not an outcome)."""
LATE_POLL = "POLL"
"""A poll journaled by one host before it could try the database, and applied: counted then,
or late if another host had counted the caller's later polls first. Kept so a second replay of
it counts nothing; not an outcome."""
LEG_ENDED = "LEG_ENDED"
"""A callback leg's final status that arrived before the leg's answer was stored (the answer
journaled on another host): kept so the answer, applied later, ends the callback at once."""
CALLBACK_ENDED = "CALLBACK_ENDED"
"""A kept callback's conversation ended (the agent's Dial of the customer completed, or the
held customer's bridge did): its time is the agent's talk's end, which the twin's fit reads
(simulator.twin_log); not an outcome."""
RETURNING = "RETURNING"
"""Rang while their callback was pending (data.booked): asked to keep it or wait
(data.choice "asked"), or chose to wait ("wait"). Hung up at the question, the call ends
kept_callback: never queued, and the callback stands."""
FACT_ONLY = frozenset({HANGUP, LEAVE, VOICEMAIL_CHOSEN, VOICEMAIL_TEXT, LATE_POLL, LEG_ENDED,
                       RETURNING, CALLBACK_ENDED})
QUEUE_TIME_EVENTS = frozenset({
    Event.ENTERQUEUE, Event.ANNOUNCE, Event.KEYPRESS, Event.CONNECT, Event.COMPLETE,
    Event.ERROR, Event.CALLBACK_REQUESTED, Event.EXITWITHKEY, Event.OVERFLOW, HANGUP, LEAVE,
    VOICEMAIL_CHOSEN})
"""Facts whose logged `wait_s` is Twilio's QueueTime for their time in line (the callback
events log seconds since entry instead, and a status callback none)."""
"""Raw facts that exports show only through the decided record (as ABANDON, or not at all)."""


class Fact(NamedTuple):
    """One logged event of a call, as `outcome_of` reads it."""

    time: datetime
    event: str
    queue_time_s: float | None = None  # the QueueTime Twilio sent with it, if any
    position: int | None = None
    data: Mapping[str, Any] = {}

    @classmethod
    def logged(cls, time: datetime, event: str, wait_s: float | None,
               position: int | None, data: Mapping[str, Any]) -> Fact:
        """A row of the log (`call_events`, or an events file) as a fact: its wait_s is the
        QueueTime only for QUEUE_TIME_EVENTS."""
        return cls(time=time, event=event, position=position, data=data,
                   queue_time_s=wait_s if event in QUEUE_TIME_EVENTS else None)

    @property
    def episode(self) -> int:
        return int(self.data.get("episode", 0) or 0)

    @property
    def source(self) -> str:
        return str(self.data.get("source", ""))


@dataclass(frozen=True)
class CallOutcome:
    """Everything the `calls` row says about a call beyond who and where (DESIGN.md columns)."""

    outcome: Outcome | None  # None: still waiting
    entered_at: datetime | None
    wait_s: float | None
    answered_at: datetime | None
    ended_at: datetime | None
    departed_at: datetime | None  # left the head of the line (answer, hang-up, callback served)
    orig_position: int | None
    announcements: int
    first_announced_wait_s: float | None
    first_announced_at_s: float | None
    last_announced_at: datetime | None
    told_position: int | None  # the lowest position any check-in said
    callback_requested: bool
    callback_promised_wait_s: float | None
    callback_wait_s: float | None
    decided_by: Fact | None = None  # the fact that settled the outcome (None while waiting)
    callback_cancelled: bool = False  # the callback was withdrawn, not kept nor given up


SETTLES_CALLBACK = (Outcome.ANSWERED, Outcome.CALLBACK_CONNECTED, Outcome.CALLBACK_FAILED)
"""Outcomes stronger than a cancellation: a call with one of them is no cancelled callback."""


NO_ENTRY_EVENTS = frozenset({Event.CONNECT, Event.COMPLETE})
"""Their QueueTime does not point back to an entry: an agent's Queue url cannot tell which
time in line it ends, and QueueResult=bridged comes when the conversation is over."""


def entries(facts: Iterable[Fact]) -> dict[int, datetime]:
    """When the caller entered the queue in each episode: the earliest time implied by any
    fact's QueueTime (every request in one time in line implies the same moment)."""
    entered: dict[int, datetime] = {}
    for fact in facts:
        if fact.queue_time_s is None or fact.event in NO_ENTRY_EVENTS:
            continue
        moment = fact.time - timedelta(seconds=fact.queue_time_s)
        if fact.episode not in entered or moment < entered[fact.episode]:
            entered[fact.episode] = moment
    return entered


def outcome_of(facts: Iterable[Fact]) -> CallOutcome:
    """The call's record from its facts, the same for any order of them (the log stores each
    fact once, by its dedupe key, so duplicates never reach here)."""
    facts = sorted(facts, key=_order)
    entered = entries(facts)
    first_entry = entered[min(entered)] if entered else None
    by_event: dict[str, list[Fact]] = {}
    for fact in facts:
        by_event.setdefault(fact.event, []).append(fact)

    def first(event: str) -> Fact | None:
        found = by_event.get(event)
        return found[0] if found else None

    def in_line_s(fact: Fact) -> float | None:
        """Seconds from the first entry to this fact (its own QueueTime where it has one)."""
        if fact.queue_time_s is not None:
            episode = _episode_of(fact, entered)
            if first_entry is None:
                return fact.queue_time_s
            if episode in entered:
                start = entered[episode]
            elif fact.event == Event.CONNECT:  # a time in line never polled (back after an
                # error and answered at once): it began when the answer's QueueTime says
                start = fact.time - timedelta(seconds=fact.queue_time_s)
            else:
                return fact.queue_time_s
            return max((start - first_entry).total_seconds() + fact.queue_time_s, 0.0)
        if first_entry is None:
            return None
        return max((fact.time - first_entry).total_seconds(), 0.0)

    outcome, wait_s, answered_at, ended_at, departed_at, decided_by = _decide(by_event,
                                                                              in_line_s)
    requested = first(Event.CALLBACK_REQUESTED)
    promised = requested.data.get("promised_wait_s") if requested else None
    callback_connect = first(Event.CALLBACK_CONNECT)
    announcements = by_event.get(Event.ANNOUNCE, [])
    first_estimate = next((a for a in announcements
                           if a.data.get("announced_wait_s") is not None), None)
    entry_fact = next((f for f in by_event.get(Event.ENTERQUEUE, []) if f.episode == 0), None)
    return CallOutcome(
        outcome=outcome,
        entered_at=first_entry,
        wait_s=wait_s,
        answered_at=answered_at,
        ended_at=ended_at,
        departed_at=departed_at,
        orig_position=entry_fact.position if entry_fact else None,
        announcements=len(announcements),
        first_announced_wait_s=(float(first_estimate.data["announced_wait_s"])
                                if first_estimate else None),
        first_announced_at_s=in_line_s(first_estimate) if first_estimate else None,
        last_announced_at=announcements[-1].time if announcements else None,
        told_position=min((a.position for a in announcements if a.position is not None),
                          default=None),
        callback_requested=requested is not None,
        callback_promised_wait_s=(in_line_s(requested) + float(promised)
                                  if requested and promised and first_entry else None),
        callback_wait_s=(in_line_s(callback_connect)
                         if callback_connect and outcome is Outcome.CALLBACK_CONNECTED else None),
        decided_by=decided_by,
        callback_cancelled=(first(Event.CALLBACK_CANCELLED) is not None
                            and outcome not in SETTLES_CALLBACK),
    )


def _turned_away(by_event: dict[str, list[Fact]]) -> Fact | None:
    """Twilio's queue-full: where a caller the full queue turned away left it (a message
    taken at its offer came later, after the offer and the recording)."""
    return next((fact for fact in by_event.get(Event.ERROR, [])
                 if fact.data.get("queue_result") == "queue-full"), None)


def _decide(by_event: dict[str, list[Fact]], in_line_s) -> tuple:  # noqa: ANN001
    """(outcome, wait_s, answered_at, ended_at, departed_at, deciding fact) by precedence."""
    answers = by_event.get(Event.CONNECT) or by_event.get(Event.COMPLETE)
    if answers:
        answer = answers[0]
        complete = by_event.get(Event.COMPLETE)
        return (Outcome.ANSWERED, in_line_s(answer), answer.time,
                complete[0].time if complete else None, answer.time, answer)
    closed = (by_event.get(Event.CLOSED) or [None])[0]
    if closed is not None:  # rang outside opening hours: never queued, so never an abandon
        return Outcome.CLOSED, None, None, closed.time, None, closed
    kept = (by_event.get(Event.CALLBACK_KEPT) or [None])[0]
    if kept is not None:  # a repeat call that kept its pending callback: never queued either
        return Outcome.KEPT_CALLBACK, None, None, kept.time, None, kept
    if (asked_only := _hung_up_at_the_question(by_event)) is not None:
        return Outcome.KEPT_CALLBACK, None, None, asked_only.time, None, asked_only
    message = (by_event.get(Event.VOICEMAIL) or [None])[0]
    left = (by_event.get(Event.EXITWITHKEY) or [None])[0]
    leave = (by_event.get(LEAVE) or [None])[0]
    if message is not None and left is None:  # the message's wait ends where they left line
        left = leave or (by_event.get(VOICEMAIL_CHOSEN) or [None])[0] \
            or _turned_away(by_event) or message
    if left is not None:
        connected = (by_event.get(Event.CALLBACK_CONNECT) or [None])[0]
        if connected is not None:
            return (Outcome.CALLBACK_CONNECTED, in_line_s(left), None, left.time,
                    connected.time, connected)
        failed = (by_event.get(Event.CALLBACK_FAILED) or [None])[0]
        if failed is not None:
            return Outcome.CALLBACK_FAILED, in_line_s(left), None, left.time, None, failed
        if message is not None:
            return Outcome.VOICEMAIL, in_line_s(left), None, message.time, None, message
        return Outcome.LEFT, in_line_s(left), None, left.time, None, left
    ended = _ended(by_event, in_line_s, leave)
    overflow = (by_event.get(Event.OVERFLOW) or [None])[0]
    if ended[0] is not None and overflow is not None:  # offered instead of a drop
        return (Outcome.OVERFLOW, *ended[1:])
    return ended


def _hung_up_at_the_question(by_event: dict[str, list[Fact]]) -> Fact | None:
    """The hang-up of a caller asked to keep their pending callback or wait, who chose
    neither and never joined the line (None otherwise): their callback stands."""
    returning = by_event.get(RETURNING, [])
    if not returning or any(f.data.get("choice") == "wait" for f in returning) \
            or by_event.get(Event.ENTERQUEUE):
        return None
    return (by_event.get(HANGUP) or [None])[0]


def _ended(by_event: dict[str, list[Fact]], in_line_s, leave: Fact | None) -> tuple:  # noqa: ANN001
    """How a wait ended without an answer, a callback or a message (left, abandoned, error)."""
    if leave is not None:
        return Outcome.LEFT, in_line_s(leave), None, leave.time, None, leave
    hangups = by_event.get(HANGUP, [])
    verdicts = [f for f in hangups if f.source == "queue-result"] + by_event.get(Event.ERROR, [])
    latest_episode = max((f.episode for facts in by_event.values() for f in facts), default=0)
    final = [f for f in verdicts if f.episode == latest_episode]
    if final:
        verdict = min(final, key=_order)
        if verdict.event == HANGUP:
            return (Outcome.ABANDONED, in_line_s(verdict), None, verdict.time, verdict.time,
                    verdict)
        return Outcome.ERROR, in_line_s(verdict), None, verdict.time, None, verdict
    leg = current_leg(by_event.get(Event.RESUMED, []))
    backstop = [f for f in hangups if f.source != "queue-result"  # an earlier leg's own end
                and f.data.get("leg") == leg]  # (however late it comes) is not the call's
    if backstop:
        hangup = backstop[0]
        return Outcome.ABANDONED, in_line_s(hangup), None, hangup.time, hangup.time, hangup
    return None, None, None, None, None, None


def current_leg(resumed: Iterable[Fact]) -> str | None:
    """The leg the caller is on now: the latest one they rang back on (None: the call's own
    first leg). A status callback ends the call only for this leg (its data's `leg`)."""
    latest = max(resumed, key=lambda f: (f.episode, f.time), default=None)
    return str(latest.data.get("leg")) if latest is not None else None


ENTRY_MATCH_S = 5.0
"""How close an answer's implied entry must be to a known entry to be counted from it."""


def _episode_of(fact: Fact, entered: dict[int, datetime]) -> int | None:
    """A fact's time in line; for an answer (whose url cannot know it), the one whose entry
    its QueueTime points back to."""
    if fact.event != Event.CONNECT or fact.queue_time_s is None:
        return fact.episode
    implied = fact.time - timedelta(seconds=fact.queue_time_s)
    close = [(abs((moment - implied).total_seconds()), episode)
             for episode, moment in entered.items()]
    best = min(close, default=None)
    return best[1] if best is not None and best[0] <= ENTRY_MATCH_S else None


def _order(fact: Fact) -> tuple:
    """A total order independent of arrival: time, then name, then the rest."""
    return (fact.time, fact.event, fact.episode, fact.queue_time_s or 0.0, fact.position or 0,
            sorted((k, str(v)) for k, v in fact.data.items()))
