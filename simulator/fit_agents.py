"""Agents on duty per half-hour, inferred from when calls were answered and how long they talked.

While a caller waits every agent on duty is busy, so the number of conversations going on
the moment a waiting caller is answered is the number on duty then (plus any agent who went
off duty and is finishing a call, or a hang-up logged a little late). For each half-hour a
low quantile of those counts over a day, then the median over the days, is the estimate.
In a half-hour where nobody waited the log only shows
a lower bound: the most conversations at once; it is flagged. `talk_s` is the agent's time
on the call from the answer (the end of the wait) to hanging up, connect message included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.fit_results import SLOT_MIN, SLOTS, AgentsFit

TIE_S = 0.5
WHOLE_SECOND_TIE_S = 1.0
"""A log of whole-second waits (the Twilio engine's, a live line's) can put an answer up to
a second before the end of the call the agent had just finished: at TIE_S that call still
looked in progress, and sparse half-hours were fitted one agent too many (4 for 3, 6 for 5)."""
LOW_QUANTILE = 0.1
"""Counts only err upwards (an off-duty agent finishing, an end logged late), so a low
quantile of each day's counts, not the median, is the day's estimate."""


def _busy_at(starts: np.ndarray, ends: np.ndarray, moments: np.ndarray,
             tie_s: float = TIE_S) -> np.ndarray:
    """Conversations in progress at each moment: started at or before it, ending more than
    tie_s after it. The agent who takes a waiting caller ended the last call that instant:
    times that differ by rounding (or a whole-second log) must not count that call as still
    going. A call is counted as ended at max(end - tie_s, start), never before it started
    (a call begun after the moment and over within tie_s of it was subtracted without ever
    having been added: "-1 agents")."""
    started = np.searchsorted(np.sort(starts), moments, side="right")
    ended = np.searchsorted(np.sort(np.maximum(ends - tie_s, starts)), moments, side="right")
    return started - ended


def tie_for(waits: np.ndarray) -> float:
    """The tie tolerance the log's resolution calls for: a second when every wait of a call
    answered in line is a whole number of seconds, else TIE_S (a callback taker's wait, to
    leaving the line, is fractional in the same log)."""
    known = waits[np.isfinite(waits)]
    whole = known.size > 0 and bool(np.all(known == np.round(known)))
    return WHOLE_SECOND_TIE_S if whole else TIE_S


def fit_agents(records: pd.DataFrame) -> AgentsFit:
    """Agents per half-hour of the day from records with entered_at, wait_s, outcome, talk_s."""
    entered = records["entered_at"].dt.tz_convert("UTC")
    base = (entered - entered.dt.normalize().min()).dt.total_seconds().to_numpy()
    outcome = records["outcome"].astype(str).to_numpy()
    wait = records["wait_s"].to_numpy(float)
    talk = records["talk_s"].to_numpy(float)
    callback = outcome == "callback_connected"
    start = np.where(callback, base + records["callback_wait_s"].to_numpy(float), base + wait)
    talked = np.isfinite(talk) & ((outcome == "answered") | callback)
    starts, ends = start[talked], start[talked] + talk[talked]
    waited = (outcome == "answered") & (wait > 0) & np.isfinite(talk)
    moments = start[waited]
    tie_s = tie_for(wait[outcome == "answered"])  # the waits that set the moments
    counts = _busy_at(starts, ends, moments, tie_s)
    day, slot = np.divmod(moments // (SLOT_MIN * 60), SLOTS)
    per_slot, bound, support = [], [], []
    for s in range(SLOTS):
        here = slot == s
        if here.any():
            frame = pd.DataFrame({"day": day[here], "n": counts[here]})
            low = frame.groupby("day")["n"].quantile(LOW_QUANTILE)
            per_slot.append(int(round(low.median())))
            bound.append(False)
            support.append(int(here.sum()))
            continue
        in_slot = (np.floor(starts // (SLOT_MIN * 60)) % SLOTS) == s
        peak = int(_busy_at(starts, ends, starts[in_slot], tie_s).max()) if in_slot.any() else 0
        per_slot.append(peak)
        bound.append(True)
        support.append(0)
    return AgentsFit(tuple(per_slot), tuple(bound), tuple(support))
