"""Whether a callback's promise was kept or broken: the one definition behind the report's
promise-kept rate, the simulator's summaries, its late-callbacks line and `holdwell promise`.

A failed callback had been "not kept" in the kept rate yet "neither kept nor late" in the late
share, so one run printed 97.8% kept beside 0.0% late (analyst audit). Now a promise is broken
when its callback connected late or never connected at all.

A promise still open in the records (its callback neither connected nor failed, nor
withdrawn: still to be rung) is undecided: it had stayed in the kept rate's denominator,
neither kept nor broken, and understated the rate. It is counted on its own, as still open,
and left out of every share. Judging an open promise past its deadline as late instead would
make a promise's fate depend on which records a report was filtered to (the log's end moves
with them).

A cancelled promise (the record's `callback_cancelled`: an operator cancelled the callback,
or the caller rang again and chose to wait) was decided, not pending: the promise was
withdrawn. It had been counted as still open, since the records did not tell it apart. It is
neither kept nor broken, so it too is left out of every share, and counted on its own.
"""

from __future__ import annotations

from typing import Generic, NamedTuple, TypeVar

import numpy as np

PROMISE_DEADLINE = "the request + the band said, as seconds in line"
"""One wording of a callback promise's deadline for every definition that uses it."""

PROMISE_FATES = ("a callback given a band (its caller told a wait before choosing) is kept if "
                 f"connected no later than its deadline ({PROMISE_DEADLINE}), broken if "
                 "connected after it (late) or never reached (failed), cancelled if withdrawn "
                 "before it was rung (an operator cancelled it, or the caller rang again and "
                 "chose to wait), and still open if none of these when the log was read "
                 "(still to be rung): cancelled and still open ones are neither kept nor "
                 "broken, so left out of every kept, late and broken share and each counted "
                 "on its own; one given no band is neither")
"""The definition every printed promise figure states."""

PROMISE_KEPT_RATE = ("kept / (callbacks given a band - still open - cancelled): "
                     f"{PROMISE_FATES}")
"""The promise-kept rate in words: the report's, the simulator's, the what-if's, the console's."""

Mask = TypeVar("Mask")  # a numpy boolean array or a pandas boolean Series


class PromiseFates(NamedTuple, Generic[Mask]):
    """Per call, which promise fate it met (all False for calls given no band)."""

    kept: Mask
    late: Mask
    failed: Mask
    pending: Mask  # still open: neither connected, failed nor cancelled (PROMISE_FATES)
    cancelled: Mask  # withdrawn before it was rung: decided, but neither kept nor broken

    @property
    def broken(self) -> Mask:
        return self.late | self.failed

    @property
    def decided(self) -> Mask:
        """Kept or broken: the denominator of every promise share (a cancelled promise was
        settled too, by its withdrawal, but is neither, so it is not in it)."""
        return self.kept | self.late | self.failed


def promise_fates(given_band: Mask, connected: Mask, failed: Mask, callback_wait_s: Mask,
                  promised_wait_s: Mask, cancelled: Mask) -> PromiseFates[Mask]:
    """Kept, late, failed, cancelled and still open among the callbacks given a band
    (PROMISE_FATES), each call in one of them. A connected callback with no connect time
    cannot be shown on time: it counts as late. A callback's own result outranks a
    cancellation (the record never has both: hold_policies.call_outcome)."""
    with np.errstate(invalid="ignore"):  # NaN: no time known, never on time
        on_time = callback_wait_s <= promised_wait_s
    reached = given_band & connected
    unsettled = given_band & ~connected & ~failed
    return PromiseFates(reached & on_time, reached & ~on_time, given_band & failed,
                        unsettled & ~cancelled, unsettled & cancelled)
