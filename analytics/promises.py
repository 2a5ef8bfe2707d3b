"""Whether a callback's promise was kept or broken: the one definition behind the report's
promise-kept rate, the simulator's summaries, its late-callbacks line and `holdwell promise`.

A failed callback had been "not kept" in the kept rate yet "neither kept nor late" in the late
share, so one run printed 97.8% kept beside 0.0% late (analyst audit). Now a promise is broken
when its callback connected late or never connected at all.

A promise still open at the log's end (its callback neither connected nor given up) whose
deadline had not passed then is undecided: it had stayed in the kept rate's denominator,
neither kept nor broken, and understated the rate. It is now counted on its own, as still
pending, and left out of every share; one open past its deadline can only come late: broken.
"""

from __future__ import annotations

from typing import Generic, NamedTuple, TypeVar

import numpy as np

PROMISE_DEADLINE = "the request + the band said, as seconds in line"
"""One wording of a callback promise's deadline for every definition that uses it."""

LOG_END = ("the log's end (the latest moment any of its calls shows: an entry, the end of a "
           "wait, a callback connected)")
"""What "the log's end" means wherever an open promise is judged by it."""

PROMISE_FATES = ("a callback given a band (its caller told a wait before choosing) is kept if "
                 f"connected no later than its deadline ({PROMISE_DEADLINE}), broken if "
                 "connected after it or still open past it at the log's end (late) or never "
                 "reached (failed), and still pending if still open (neither connected nor "
                 f"given up) at {LOG_END} with its deadline not yet passed: undecided, so left "
                 "out of every kept, late and broken share and counted on its own; one given "
                 "no band is neither")
"""The definition every printed promise figure states."""

PROMISE_KEPT_RATE = f"kept / (callbacks given a band - still pending): {PROMISE_FATES}"
"""The promise-kept rate in words: the report's, the simulator's, the what-if's, the console's."""

Mask = TypeVar("Mask")  # a numpy boolean array or a pandas boolean Series


class PromiseFates(NamedTuple, Generic[Mask]):
    """Per call, which promise fate it met (all False for calls given no band)."""

    kept: Mask
    late: Mask
    failed: Mask
    pending: Mask
    open: Mask  # neither connected nor given up: late or pending by the log's end

    @property
    def broken(self) -> Mask:
        return self.late | self.failed

    @property
    def decided(self) -> Mask:
        """Kept or broken: the denominator of every promise share."""
        return self.kept | self.late | self.failed


def promise_fates(given_band: Mask, connected: Mask, failed: Mask, callback_wait_s: Mask,
                  promised_wait_s: Mask, in_log_s: Mask | float) -> PromiseFates[Mask]:
    """Kept, late, failed and still pending among the callbacks given a band (PROMISE_FATES).
    A connected callback with no connect time cannot be shown on time: it counts as late.
    `in_log_s`: seconds from each call's entry to the log's end (`log_end_s`); NaN while that
    end is not known yet (a batch of a longer log), which puts an open promise in no fate
    (only in `open`) until it is."""
    with np.errstate(invalid="ignore"):  # NaN: no time known, never on time
        on_time = callback_wait_s <= promised_wait_s
        not_yet_due = promised_wait_s >= in_log_s  # the deadline is at or after the end
        overdue = promised_wait_s < in_log_s
    reached = given_band & connected
    still_open = given_band & ~connected & ~failed
    return PromiseFates(reached & on_time, (reached & ~on_time) | (still_open & overdue),
                        given_band & failed, still_open & not_yet_due, still_open)


def log_end_s(entered_s: np.ndarray, wait_s: np.ndarray, callback_wait_s: np.ndarray) -> float:
    """The log's end (LOG_END) on the clock of `entered_s`: the latest entry, end of a wait or
    callback connect; NaN for no calls."""
    if not len(entered_s):
        return float("nan")
    ends = np.fmax(np.fmax(entered_s, entered_s + wait_s), entered_s + callback_wait_s)
    return float(np.nanmax(ends))
