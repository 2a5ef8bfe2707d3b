"""queue_log lines from call records alone, batch by batch, in bounded memory.

Asterisk stamps a line with whole epoch seconds and computes a wait as the difference of two such
stamps (`time(NULL) - qe->start`), so a reader that adds the logged wait to the ENTERQUEUE stamp
lands exactly on the exit line. We do the same: enter = floor(entered_at), exit = floor(entered_at
+ wait_s), logged wait = exit − enter.

Per call: ENTERQUEUE url|callerid|origposition, then how the wait ended:
answered   CONNECT holdtime|bridged-uniqueid|ringtime, then COMPLETECALLER (COMPLETEAGENT when an
           `ended_by` column says "agent") holdtime|calltime|origposition at the end of the talk
           (`talk_s` column; without it calltime is empty and the line shares CONNECT's stamp);
abandoned  ABANDON position|origposition|waittime (position at exit is not in a record: empty);
callback   EXITWITHKEY key|position|origposition|waittime, key = the callback key (default "2",
           or a `key` column), then CALLBACK_CONNECT when callback_wait_s is known, or
           CALLBACK_FAILED ||waittime|{} for a callback_failed record (stamped at the exit:
           a record does not say when the last attempt failed), so a failed callback, which is
           unserved, is told apart from one still pending, as the export from events does;
left       EXITWITHKEY with an empty key; error, overflow, voicemail: holdwell's own ERROR,
           OVERFLOW, VOICEMAIL position|waittime|{} (overflow and voicemail are never abandons).
A caller answered in line after asking for a callback is answered (CONNECT), as the outcome says.
Agents come from an `agent` column, caller numbers from `caller_id` (hashed unless asked).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from analytics.pseudonyms import CallerIds
from hold_policies.records import Outcome

NO_MEMBER = "NONE"
CALLBACK_KEY = "2"  # hold_policies' default callback key
FIELD_SAFE = str.maketrans({"|": "/", "\r": " ", "\n": " "})
"""What no queue_log field may hold: a '|' would start a field, a line break a forged line."""


def epoch_ns(times: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch of UTC times, whatever the column's unit (Parquet's: us;
    read as ns, a stamp was a thousand times too small)."""
    if not len(times):
        return np.zeros(0, dtype=np.int64)
    return times.dt.tz_convert("UTC").dt.as_unit("ns").astype("int64").to_numpy()


def floor_epochs(times: pd.Series, plus_s: np.ndarray | float = 0.0) -> np.ndarray:
    """Whole epoch seconds (floored, as Asterisk's time()) of UTC times plus seconds."""
    return np.floor(epoch_ns(times) / 1e9 + np.asarray(plus_s, dtype=float)).astype(np.int64)


def floor_epoch(time: pd.Timestamp, plus_s: float = 0.0) -> int:
    """`floor_epochs` of one time, with the same float arithmetic (the same whole second),
    without building a Series for it (which cost a queue_log export 0.3 ms an exit line)."""
    return math.floor(time.value / 1e9 + float(plus_s))


def _text(column: pd.Series | None, n: int, default: str = "") -> np.ndarray:
    """A column as an object array of queue_log-safe text (FIELD_SAFE; the default for
    missing), or the default everywhere."""
    if column is None:
        return np.full(n, default, dtype=object)
    text = column.astype("string").str.translate(FIELD_SAFE).fillna(default).to_numpy(
        dtype=object)
    return np.where(text == "", default, text)


def record_lines(
    records: pd.DataFrame, callback_key: str = CALLBACK_KEY, caller_ids: CallerIds | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, lines) for validated records, not yet in time order (vectorised)."""
    n = len(records)
    caller_ids = caller_ids or CallerIds()
    enter = floor_epochs(records["entered_at"])
    wait_s = records["wait_s"].to_numpy(dtype=float)
    exit_at = floor_epochs(records["entered_at"], wait_s)
    wait = (exit_at - enter).astype(str).astype(object)
    head = _text(records["call_id"], n) + "|" + _text(records["queue"], n) + "|"
    member = _text(records.get("agent"), n, NO_MEMBER)
    orig = _text(records["orig_position"], n)
    callers = caller_ids.show_all(_text(records.get("caller_id"), n))
    outcome = records["outcome"].astype(str).to_numpy()
    answered = outcome == Outcome.ANSWERED  # answered in line, even after asking for a callback
    callback = records["callback_requested"].to_numpy(dtype=bool) & ~answered
    key = np.where(callback, _text(records.get("key"), n, callback_key), "")
    name = exit_names(outcome, callback)
    data = np.select(
        [name == "CONNECT", name == "EXITWITHKEY", name == "ABANDON"],
        [wait + "||0", key + "||" + orig + "|" + wait, "|" + orig + "|" + wait],
        "|" + wait + "|{}",
    )
    exit_member = np.where(answered, member, NO_MEMBER)
    parts = [
        (enter, head + NO_MEMBER + "|ENTERQUEUE||" + callers + "|" + orig),
        (exit_at, head + exit_member + "|" + name + "|" + data),
        _complete_lines(records, answered, exit_at, head, member, wait, orig),
        _callback_lines(records, enter, head),
        _failed_callback_lines(outcome, exit_at, head, wait),
    ]
    epochs = np.concatenate([e for e, _ in parts])
    return epochs, np.concatenate([t for _, t in parts])


def exit_names(outcome: np.ndarray, callback: np.ndarray) -> np.ndarray:
    """The event ending each call's wait, by outcome: only an abandoned call ABANDONs.

    Overflow (offered a callback or message, took neither) and voicemail are never abandons:
    they get holdwell's own OVERFLOW and VOICEMAIL lines, as the event log has; an error its
    ERROR line; callback takers and callers who left EXITWITHKEY.
    """
    own = np.char.upper(outcome.astype(str)).astype(object)  # closed, kept_callback: own names
    return np.select(
        [outcome == Outcome.ANSWERED, outcome == Outcome.ERROR, outcome == Outcome.OVERFLOW,
         outcome == Outcome.VOICEMAIL, callback | (outcome == Outcome.LEFT),
         outcome == Outcome.ABANDONED],
        ["CONNECT", "ERROR", "OVERFLOW", "VOICEMAIL", "EXITWITHKEY", "ABANDON"],
        own,
    ).astype(object)


def _complete_lines(records, answered, exit_at, head, member, wait, orig):  # noqa: ANN001, ANN202
    """COMPLETECALLER/COMPLETEAGENT holdtime|calltime|origposition for answered calls, at
    the second the talk ended (entry + wait + talk, floored once, as the event export
    stamps the end's own time; floored at the answer too, it could end a second early)."""
    talk = records["talk_s"].to_numpy(dtype=float) if "talk_s" in records else None
    at = exit_at[answered]
    calltime = np.full(at.size, "", dtype=object)
    if talk is not None:
        known = ~np.isnan(talk[answered])
        waited = records["wait_s"].to_numpy(dtype=float)[answered]
        ends = floor_epochs(records["entered_at"][answered],
                            waited + np.nan_to_num(talk[answered]))
        at = np.where(known, ends, at)
        calltime = np.where(known, (at - exit_at[answered]).astype(str), "").astype(object)
    by_agent = _text(records.get("ended_by"), len(records))[answered] == "agent"
    name = np.where(by_agent, "|COMPLETEAGENT|", "|COMPLETECALLER|").astype(object)
    line = head[answered] + member[answered] + name + wait[answered] + "|" + calltime + "|"
    return at, line + orig[answered]


def _callback_lines(records, enter, head):  # noqa: ANN001, ANN202
    """CALLBACK_CONNECT ||waittime|{} when the callback connected (waittime from entering)."""
    called = records["callback_wait_s"].notna().to_numpy()
    at = floor_epochs(records["entered_at"][called], records["callback_wait_s"].to_numpy()[called])
    waited = (at - enter[called]).astype(str).astype(object)
    return at, head[called] + f"{NO_MEMBER}|CALLBACK_CONNECT||" + waited + "|{}"


def _failed_callback_lines(outcome, exit_at, head, wait):  # noqa: ANN001, ANN202
    """CALLBACK_FAILED ||waittime|{} for each callback given up, at its exit stamp."""
    failed = outcome == Outcome.CALLBACK_FAILED
    return exit_at[failed], head[failed] + f"{NO_MEMBER}|CALLBACK_FAILED||" + wait[failed] + "|{}"


def queue_log_from_records(records: pd.DataFrame, **options) -> list[str]:  # noqa: ANN003
    """Every line for records held in memory, in time order (ties in logged order)."""
    epochs, texts = record_lines(records.reset_index(drop=True), **options)
    return list(_joined(epochs, texts))


def stream_queue_log(
    batches: Iterable[pd.DataFrame], **options  # noqa: ANN003
) -> Iterator[str]:
    """Lines in time order from batches of records in entry order, holding only the lines still
    ahead of the latest entry (calls in flight), so memory does not grow with the file.

    Raises ValueError when a batch enters before lines already written (the input is not in
    entry order); sort it first.
    """
    held_epochs, held_texts = np.zeros(0, np.int64), np.zeros(0, object)
    written_up_to = np.iinfo(np.int64).min
    for batch in batches:
        if batch.empty:
            continue
        epochs, texts = record_lines(batch.reset_index(drop=True), **options)
        first_enter = floor_epochs(batch["entered_at"]).min()
        if first_enter < written_up_to:
            raise ValueError("records are not in entry order (entered_at); sort them first")
        epochs = np.concatenate([held_epochs, epochs])
        texts = np.concatenate([held_texts, texts])
        order = np.argsort(epochs, kind="stable")
        epochs, texts = epochs[order], texts[order]
        cut = np.searchsorted(epochs, floor_epochs(batch["entered_at"]).max(), side="left")
        yield from _joined(epochs[:cut], texts[:cut], ordered=True)
        written_up_to = int(epochs[cut - 1]) if cut else written_up_to
        held_epochs, held_texts = epochs[cut:], texts[cut:]
    yield from _joined(held_epochs, held_texts, ordered=True)


def _joined(epochs: np.ndarray, texts: np.ndarray, ordered: bool = False) -> Iterator[str]:
    if not ordered:
        order = np.argsort(epochs, kind="stable")
        epochs, texts = epochs[order], texts[order]
    return iter(epochs.astype(str).astype(object) + "|" + texts)
