"""Asterisk queue_log export, so existing queue-reporting tools can read holdwell's calls.

Line format `epoch|callid|queue|member|EVENT|data1|data2|...` (Asterisk docs, Queue Logs;
reference/contact-center.md §1). Asterisk events keep Asterisk's fields:
ENTERQUEUE url|callerid|origposition; CONNECT holdtime|bridged-uniqueid|ringtime;
ABANDON position|origposition|waittime; EXITWITHKEY key|position|origposition|waittime;
COMPLETE becomes COMPLETECALLER (or COMPLETEAGENT) holdtime|calltime|origposition.
holdwell-only events (ANNOUNCE, KEYPRESS, CALLBACK_*, ERROR) keep their names with
position|waittime|data-as-JSON. Times are whole epoch seconds. As in Asterisk, an exit line
(CONNECT, ABANDON, EXITWITHKEY) is stamped floor(entered + wait_s) and its wait is that stamp
minus the ENTERQUEUE stamp, so enter + logged wait = exit on every line. ABANDON's position is
the last position the call's events logged. The member is the agent's name, else the agent's
call id, else NONE. Event data keys read: caller_id, agent, agent_call_id, ring_s, key, talk_s,
ended_by. What identifies a caller in event data (hold_policies.personal_data: numbers, their
own words, a message's recording address) never goes into the JSON payloads; ENTERQUEUE's
callerid is hashed unless plain numbers are asked for (`pseudonyms`).
Lines from records alone: `queue_log_records`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from analytics.events import event_data
from analytics.external_sort import sorted_runs
from analytics.pseudonyms import CallerIds
from analytics.queue_log_records import (
    FIELD_SAFE,
    NO_MEMBER,
    epoch_ns,
    floor_epoch,
    floor_epochs,
)
from hold_policies.call_outcome import Fact, outcome_of
from hold_policies.personal_data import personal_keys
from hold_policies.records import ANSWERED_AT_ONCE_POSITION, Event, Outcome

EXIT_EVENTS = (Event.CONNECT, Event.ABANDON, Event.EXITWITHKEY)
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


class QueueLogLine(NamedTuple):
    """One queue_log line, fields as text (what a reader of the file sees)."""

    epoch: int
    call_id: str
    queue: str
    member: str
    event: str
    data: tuple[str, ...]


def format_queue_log_line(line: QueueLogLine) -> str:
    """`epoch|callid|queue|member|EVENT|data...`, with '|' and newlines removed from fields."""
    fields = [line.call_id, line.queue, line.member, line.event, *line.data]
    return "|".join([str(int(line.epoch)), *(_field(f) for f in fields)])


def parse_queue_log_line(text: str) -> QueueLogLine:
    """Parse one queue_log line; raise ValueError saying what is wrong with it."""
    parts = text.rstrip("\r\n").split("|")
    if len(parts) < 5:
        raise ValueError(f"queue_log line needs at least 5 '|' fields, got {len(parts)}: {text!r}")
    try:
        epoch = int(parts[0])
    except ValueError:
        raise ValueError(f"queue_log epoch is not a whole number: {parts[0]!r}") from None
    if not parts[4]:
        raise ValueError(f"queue_log line has no event name: {text!r}")
    return QueueLogLine(epoch, parts[1], parts[2], parts[3], parts[4], tuple(parts[5:]))


def write_queue_log(lines: Iterable[str], path: str | PathLike[str]) -> Path:
    """Write lines (one per event) to a queue_log file; return its path."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            out.write(line + "\n")
    return path


def _field(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).translate(FIELD_SAFE)


def _seconds(value: Any) -> str:
    """A duration as whole seconds, '' when unknown."""
    if value is None or value is pd.NA or pd.isna(value):
        return ""
    return str(int(round(float(value))))


def queue_log_from_events(events: pd.DataFrame, caller_ids: CallerIds | None = None) -> list[str]:
    """queue_log lines for validated events, in time order (ties in their logged order, a
    call's own by phase: `in_time_order`)."""
    every, seq = in_time_order(events, np.arange(len(events)))
    stamped = stamped_lines(every, caller_ids or CallerIds(), seq)
    return [text for *_, text in sorted(stamped)]


ENTRY_PHASE, SAID_PHASE, IN_LINE_PHASE, EXIT_PHASE, AFTER_EXIT_PHASE, SETTLED_PHASE = range(6)
PHASES: dict[str, int] = {
    Event.ENTERQUEUE: ENTRY_PHASE,
    Event.ANNOUNCE: SAID_PHASE,
    **dict.fromkeys(EXIT_EVENTS, EXIT_PHASE),
    **dict.fromkeys((Event.COMPLETE, Event.CALLBACK_ATTEMPT), AFTER_EXIT_PHASE),
    **dict.fromkeys((Event.CALLBACK_CONNECT, Event.CALLBACK_FAILED), SETTLED_PHASE),
}
"""Where an event falls in a call, for events logged at the same moment (an answer at the
entry's microsecond): the entry, then the announcement, then what else happened in line
(the key pressed at it, a callback asked for: every other event), then the exit, then what
followed it (the end of the talk, a callback's attempt), then the attempt's result. Rows in
another order (a shuffled file, webhooks applied out of order) had put CONNECT before
ENTERQUEUE."""


def in_time_order(events: pd.DataFrame, seq: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """(events, their places) by time, ties in the log's order (`seq`, their places in it),
    but a call's own events of one moment by phase (PHASES): they take that moment's places
    of the call in phase order, so another call's events keep theirs (one agent's COMPLETE
    of a caller stays before its CONNECT of the next, logged at the same microsecond)."""
    keys = pd.DataFrame({
        "call_id": events["call_id"].astype(str).to_numpy(),
        "time": events["time"].to_numpy("datetime64[ns]"),
        "phase": events["event"].astype(str).map(PHASES).fillna(IN_LINE_PHASE).to_numpy(int),
        "seq": np.asarray(seq, dtype=np.int64)})
    logged = keys.sort_values(["call_id", "time", "seq"], kind="stable").index.to_numpy()
    phased = keys.sort_values(["call_id", "time", "phase", "seq"], kind="stable").index
    places = np.empty(len(keys), dtype=np.int64)
    places[phased.to_numpy()] = keys["seq"].to_numpy()[logged]
    order = np.lexsort((places, keys["time"].to_numpy()))
    return events.iloc[order].reset_index(drop=True), places[order]


def queue_log_from_call_batches(
    batches: Iterable[pd.DataFrame], caller_ids: CallerIds | None = None,
    run_lines: int = 500_000,
) -> Iterator[str]:
    """The lines `queue_log_from_events` gives for all the batches' events together, from
    validated batches of whole calls (every event of a call in one batch, as
    `app.storage.read.call_event_batches` reads them, each with its `seq` in the log's
    order), in bounded memory: a line needs only its own call's events, and the lines are
    put in time order by an external merge sort (`sorted_runs`) of `run_lines` at a time."""
    caller_ids = caller_ids or CallerIds()

    def keyed() -> Iterator[tuple[tuple[int, int, int], str]]:
        for batch in batches:
            every, seq = in_time_order(batch, batch["seq"].to_numpy())
            for epoch, time_ns, place, text in stamped_lines(every, caller_ids, seq):
                yield (epoch, time_ns, place), text

    return sorted_runs(keyed(), run_lines)


def stamped_lines(
    every: pd.DataFrame, caller_ids: CallerIds, seq: np.ndarray
) -> list[tuple[int, int, int, str]]:
    """(epoch, event time in ns, seq, line) of each line of events in time order, `seq`
    their places (`in_time_order`): sorted, the lines in time order, ties in those places."""
    context = _call_context(every)
    written = _written(every).to_numpy()
    ordered = every[written].reset_index(drop=True)
    epochs = floor_epochs(ordered["time"])
    times = epoch_ns(ordered["time"])
    rows = ordered.itertuples(index=False)
    stamped = []
    for epoch, time_ns, place, row in zip(epochs, times, seq[written], rows, strict=True):
        epoch, member, name, data = _event_fields(row, int(epoch), context, caller_ids)
        line = QueueLogLine(epoch, row.call_id, str(row.queue), member, name, data)
        stamped.append((epoch, int(time_ns), int(place), format_queue_log_line(line)))
    return stamped


def _written(events: pd.DataFrame) -> pd.Series:
    """Which events become lines: a call's first ENTERQUEUE only (a caller put back in line
    after a Twilio error waits on as one call, which Asterisk enters once), no ABANDON of
    a call nothing places in line (no ENTERQUEUE, no wait: it hung up before it entered the
    queue, so it has no queue record, as `app.storage.read.record_query` leaves it out), and
    of a call with exits of two kinds (answered: CONNECT or COMPLETE; ABANDON; EXITWITHKEY)
    only those of its outcome (`_exits_kept`), so each call has one exit line, as from
    records: a queue_log reader had counted a caller answered after asking for a callback
    both as a callback taker and as answered, and one logged both answered and abandoned
    twice."""
    entering = events["event"] == Event.ENTERQUEUE
    repeat_entry = entering & events["call_id"].where(entering).duplicated()
    entered = events["call_id"].isin(events.loc[entering, "call_id"])
    never_queued = (events["event"] == Event.ABANDON) & events["wait_s"].isna() & ~entered
    return ~(repeat_entry | never_queued) & _exits_kept(events, ~never_queued)


EXIT_KINDS: dict[str, tuple[str, ...]] = {
    Event.CONNECT: (Event.CONNECT, Event.COMPLETE), Event.ABANDON: (Event.ABANDON,),
    Event.EXITWITHKEY: (Event.EXITWITHKEY,)}
"""The exit lines of a call, by the events that show each way out of the line."""
EXIT_OF: dict[Outcome, str] = {
    Outcome.ANSWERED: Event.CONNECT, Outcome.ABANDONED: Event.ABANDON,
    **dict.fromkeys((Outcome.LEFT, Outcome.CALLBACK_CONNECTED, Outcome.CALLBACK_FAILED,
                     Outcome.VOICEMAIL), Event.EXITWITHKEY)}
"""The exit line that says an outcome."""


def _exits_kept(events: pd.DataFrame, counted: pd.Series) -> pd.Series:
    """False for the exit events (of `counted` ones) a call's outcome contradicts, where it
    has exits of two kinds: the outcome is `hold_policies.call_outcome.outcome_of`'s, the
    one the app's records are decided by (answered before a callback's exit, a callback's
    exit before a hang-up), read from that call's events alone."""
    kinds = {kind: set(events.loc[events["event"].isin(names) & counted, "call_id"])
             for kind, names in EXIT_KINDS.items()}
    calls = list(kinds.values())
    torn = (calls[0] & calls[1]) | (calls[0] & calls[2]) | (calls[1] & calls[2])
    kept = pd.Series(True, index=events.index)
    for call_id in torn:
        own = events[events["call_id"] == call_id]
        exit_kind = EXIT_OF.get(outcome_of(map(_fact, own.itertuples(index=False))).outcome)
        if exit_kind is None or call_id not in kinds[exit_kind]:
            continue  # an outcome no exit line says: written as logged
        others = [name for kind, names in EXIT_KINDS.items() if kind != exit_kind
                  for name in names if name not in EXIT_KINDS[exit_kind]]
        kept[own.index[own["event"].isin(others)]] = False
    return kept


def _fact(row: Any) -> Fact:
    """An event as `outcome_of` reads it (as `app.storage.facts.facts_of` reads the log)."""
    return Fact.logged(row.time.to_pydatetime(), str(row.event),
                       None if pd.isna(row.wait_s) else float(row.wait_s),
                       None if pd.isna(row.position) else int(row.position),
                       event_data(row.data))


def _call_context(events: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per call: entry stamps and position, last known position, hold time, agent, connect
    stamp."""
    every_entry = events[events["event"] == Event.ENTERQUEUE]
    enters = every_entry.drop_duplicates("call_id")
    connects = events[events["event"] == Event.CONNECT].drop_duplicates("call_id")
    positioned = events[events["position"].notna()]
    calls = connects["call_id"].tolist()
    answered = set(calls)
    entries = every_entry.groupby("call_id", sort=False)["time"].agg(list).to_dict()
    connect_at = {
        c: _exit_stamp(entries.get(c), t, w)
        for c, t, w in zip(calls, connects["time"], connects["wait_s"], strict=True)
    }
    positions = positioned.groupby("call_id", sort=False)["position"].agg(list).to_dict()
    return {
        "entries": entries,
        # the entry's position, else the first logged (the app logs ENTERQUEUE before
        # Twilio's first poll says where the caller stands; records take that poll's), else,
        # for a call answered before any poll, the head of the line (as its record says)
        "orig": {call: position if pd.notna(position) else (positions.get(call) or [
            ANSWERED_AT_ONCE_POSITION if call in answered else None])[0]
                 for call, position in zip(enters["call_id"], enters["position"], strict=True)},
        "positions": positions,
        "connect_at": connect_at,
        "agent": {c: _member(event_data(d)) for c, d in zip(calls, connects["data"], strict=True)},
    }


def _member(data: dict[str, Any]) -> str:
    """The agent's name, else the agent's call id, else NONE."""
    return str(data.get("agent") or data.get("agent_call_id") or NO_MEMBER)


def _exit_stamp(
    entries: list[pd.Timestamp] | None, logged: pd.Timestamp, wait_s: Any
) -> tuple[int, str]:
    """(stamp, whole-second wait) of an exit line: floor(start + wait_s) and its distance from
    the first entry's stamp; without an entry the event's own stamp and the rounded wait, and
    without a wait (an answer that came without QueueTime, applied before the log knew its
    entry) the event's own stamp and its distance from the first entry, as a timed one reads.
    `start` is the entry the logged wait counts from, the one nearest logged − wait_s:
    Twilio's QueueTime counts only the current time in line, so after a put-back it is the
    latest entry, while a decided ABANDON counts from the first."""
    if not entries:
        return floor_epoch(logged), _seconds(wait_s)
    if wait_s is None or pd.isna(wait_s):
        leave = floor_epoch(logged)
        return leave, str(max(leave - _entry_stamp(entries), 0))
    implied = logged - pd.Timedelta(seconds=float(wait_s))
    start = min(entries, key=lambda entry: abs(entry - implied))
    leave = floor_epoch(start, wait_s)
    return leave, str(leave - _entry_stamp(entries))


def _entry_stamp(entries: list[pd.Timestamp]) -> int:
    """The whole-second stamp of a call's first ENTERQUEUE, which logged waits count from."""
    return floor_epoch(entries[0])


def _last_position(context: dict[str, dict], call_id: str, orig: str) -> str:
    """The last position a call's events logged before it left (its entry position if none)."""
    positions = context["positions"].get(call_id) or []
    return _field(positions[-1]) if positions else orig


def _event_fields(
    row: Any, epoch: int, context: dict[str, dict], caller_ids: CallerIds
) -> tuple[int, str, str, tuple]:
    """Stamp, member, event name and data fields of one event, Asterisk-style where it can."""
    data = event_data(row.data)
    orig = _field(context["orig"].get(row.call_id))
    position, wait = _field(row.position), _seconds(row.wait_s)
    if row.event in EXIT_EVENTS:
        epoch, wait = _exit_stamp(context["entries"].get(row.call_id), row.time, row.wait_s)
    match row.event:
        case Event.ENTERQUEUE:
            caller = caller_ids.show(  # the app's log keeps it on the call, not the event
                data.get("caller_id") or getattr(row, "from_number", None))
            return epoch, NO_MEMBER, "ENTERQUEUE", ("", caller, position or orig)
        case Event.CONNECT:
            ring = _seconds(data.get("ring_s", 0))
            return epoch, _member(data), "CONNECT", (wait, data.get("agent_call_id") or "", ring)
        case Event.ABANDON:
            position = position or _last_position(context, row.call_id, orig)
            return epoch, NO_MEMBER, "ABANDON", (position, orig, wait)
        case Event.EXITWITHKEY:
            return epoch, NO_MEMBER, "EXITWITHKEY", (data.get("key", ""), position, orig, wait)
        case Event.COMPLETE:
            return (epoch, *_complete_fields(row, data, epoch, context, orig))
    entries = context["entries"].get(row.call_id)
    if row.event == Event.CALLBACK_CONNECT and entries and wait:  # as from records: the
        wait = str(epoch - _entry_stamp(entries))  # stamps' distance
    private = personal_keys(str(row.event))  # numbers, their words, their recorded voice
    public = {k: v for k, v in data.items() if k not in private}
    payload = json.dumps(public, separators=(",", ":"), sort_keys=True, default=str)
    return epoch, str(data.get("agent") or NO_MEMBER), str(row.event), (position, wait, payload)


def _complete_fields(row: Any, data: dict, epoch: int, context: dict, orig: str) -> tuple:
    """COMPLETECALLER/COMPLETEAGENT: member, name, holdtime|calltime|origposition."""
    name = "COMPLETEAGENT" if data.get("ended_by") == "agent" else "COMPLETECALLER"
    member = str(data.get("agent") or context["agent"].get(row.call_id) or NO_MEMBER)
    connected = context["connect_at"].get(row.call_id)
    talk = data.get("talk_s")
    if talk is None and connected is not None:
        talk = epoch - connected[0]
    hold = connected[1] if connected is not None else _seconds(row.wait_s)
    return member, name, (hold, _seconds(talk), orig)
