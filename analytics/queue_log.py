"""Asterisk queue_log export, so existing queue-reporting tools can read holdwell's calls.

Line format `epoch|callid|queue|member|EVENT|data1|data2|...` (Asterisk docs, Queue Logs;
reference/contact-center.md §1). Asterisk events keep Asterisk's fields:
ENTERQUEUE url|callerid|origposition; CONNECT holdtime|bridged-uniqueid|ringtime;
ABANDON position|origposition|waittime; EXITWITHKEY key|position|origposition|waittime;
COMPLETE becomes COMPLETECALLER (or COMPLETEAGENT) holdtime|calltime|origposition.
holdwell-only events (ANNOUNCE, KEYPRESS, CALLBACK_*, ERROR) keep their names with
position|waittime|data-as-JSON. Times are whole epoch seconds; durations whole seconds (rounded).
Event data keys read: caller_id, agent, agent_call_id, ring_s, key, talk_s, ended_by.
Phone numbers in event data (number, caller_id, from, to) never go into the JSON payloads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from analytics.events import event_data
from hold_policies.records import Event, Outcome

NO_MEMBER = "NONE"
PRIVATE_KEYS = frozenset({"number", "caller_id", "from", "to"})
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
    return str(value).replace("|", "/").replace("\r", " ").replace("\n", " ")


def _seconds(value: Any) -> str:
    """A duration as whole seconds, '' when unknown."""
    if value is None or value is pd.NA or pd.isna(value):
        return ""
    return str(int(round(float(value))))


def _epochs(times: pd.Series) -> np.ndarray:
    return ((times - _EPOCH) // pd.Timedelta(seconds=1)).to_numpy(dtype=np.int64)


def queue_log_from_events(events: pd.DataFrame) -> list[str]:
    """queue_log lines for validated events, in time order (ties keep their logged order)."""
    ordered = events.sort_values("time", kind="stable").reset_index(drop=True)
    context = _call_context(ordered)
    epochs = _epochs(ordered["time"])
    lines = []
    for epoch, row in zip(epochs, ordered.itertuples(index=False), strict=True):
        member, name, data = _event_fields(row, int(epoch), context)
        line = QueueLogLine(int(epoch), row.call_id, str(row.queue), member, name, data)
        lines.append(format_queue_log_line(line))
    return lines


def _call_context(events: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per call: entry position, hold time, connect time and agent, which later lines repeat."""
    enters = events[events["event"] == Event.ENTERQUEUE].drop_duplicates("call_id")
    connects = events[events["event"] == Event.CONNECT].drop_duplicates("call_id")
    calls = connects["call_id"].tolist()
    return {
        "orig": dict(zip(enters["call_id"], enters["position"], strict=True)),
        "hold": dict(zip(calls, connects["wait_s"], strict=True)),
        "connected_at": dict(zip(calls, _epochs(connects["time"]), strict=True)),
        "agent": {
            c: event_data(d).get("agent") for c, d in zip(calls, connects["data"], strict=True)
        },
    }


def _event_fields(row: Any, epoch: int, context: dict[str, dict]) -> tuple[str, str, tuple]:
    """Member, event name and data fields of one event, Asterisk-style where Asterisk has it."""
    data = event_data(row.data)
    orig = _field(context["orig"].get(row.call_id))
    position, wait = _field(row.position), _seconds(row.wait_s)
    member = str(data.get("agent") or NO_MEMBER)
    match row.event:
        case Event.ENTERQUEUE:
            return NO_MEMBER, "ENTERQUEUE", ("", data.get("caller_id", ""), position)
        case Event.CONNECT:
            ring = _seconds(data.get("ring_s", 0))
            return member, "CONNECT", (wait, data.get("agent_call_id") or "", ring)
        case Event.ABANDON:
            return NO_MEMBER, "ABANDON", (position, orig, wait)
        case Event.EXITWITHKEY:
            return NO_MEMBER, "EXITWITHKEY", (data.get("key", ""), position, orig, wait)
        case Event.COMPLETE:
            name = "COMPLETEAGENT" if data.get("ended_by") == "agent" else "COMPLETECALLER"
            member = str(data.get("agent") or context["agent"].get(row.call_id) or NO_MEMBER)
            talk = data.get("talk_s")
            if talk is None and row.call_id in context["connected_at"]:
                talk = epoch - context["connected_at"][row.call_id]
            hold = context["hold"].get(row.call_id, row.wait_s)
            return member, name, (_seconds(hold), _seconds(talk), orig)
    public = {k: v for k, v in data.items() if k not in PRIVATE_KEYS}
    payload = json.dumps(public, separators=(",", ":"), sort_keys=True, default=str)
    return member, str(row.event), (position, wait, payload)


def queue_log_from_records(records: pd.DataFrame) -> list[str]:
    """queue_log lines when only records exist: ENTERQUEUE, then how the wait ended.

    answered -> CONNECT; abandoned -> ABANDON; callback takers and `left` -> EXITWITHKEY (key
    unknown: empty); error -> ERROR; plus CALLBACK_CONNECT when callback_wait_s is known.
    Records do not say the position at exit, so that field is left empty.
    """
    records = records.reset_index(drop=True)
    entered = _epochs(records["entered_at"])
    exit_at = entered + np.floor(records["wait_s"].to_numpy(dtype=float)).astype(np.int64)
    head = (records["call_id"].astype(str) + "|" + records["queue"].astype(str)).to_numpy()
    orig = records["orig_position"].astype("string").fillna("").to_numpy(dtype=object)
    wait = _whole(records["wait_s"])
    name, data = _exit_fields(records, orig, wait)
    parts = [
        (entered, head + f"|{NO_MEMBER}|ENTERQUEUE|||" + orig),
        (exit_at, head + f"|{NO_MEMBER}|" + name + "|" + data),
    ]
    called = records["callback_wait_s"].notna().to_numpy()
    if called.any():
        at = entered[called] + np.floor(records["callback_wait_s"].to_numpy()[called])
        cb_wait = _whole(records["callback_wait_s"][called])
        parts.append((at.astype(np.int64), head[called] + f"|{NO_MEMBER}|CALLBACK_CONNECT||" +
                      cb_wait + "|{}"))  # fmt: skip
    epochs = np.concatenate([e for e, _ in parts])
    texts = np.concatenate([t for _, t in parts])
    order = np.argsort(epochs, kind="stable")
    return list(epochs[order].astype(str).astype(object) + "|" + texts[order])


def _whole(seconds: pd.Series) -> np.ndarray:
    """Durations as whole-second text (object array)."""
    return seconds.round().astype(np.int64).astype(str).to_numpy(dtype=object)


def _exit_fields(
    records: pd.DataFrame, orig: np.ndarray, wait: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Event name and data fields of each record's exit line (vectorised)."""
    outcome = records["outcome"].astype(str).to_numpy()
    callback = records["callback_requested"].to_numpy(dtype=bool)
    exits = callback | (outcome == Outcome.LEFT)
    name = np.select(
        [outcome == Outcome.ANSWERED, outcome == Outcome.ERROR, exits],
        ["CONNECT", "ERROR", "EXITWITHKEY"],
        "ABANDON",
    ).astype(object)
    data = np.select(
        [name == "CONNECT", name == "ERROR", name == "EXITWITHKEY"],
        [wait + "||0", "|" + wait + "|{}", "||" + orig + "|" + wait],
        "|" + orig + "|" + wait,
    )
    return name, data
