"""The line of waiting callers and pending callbacks, and the queue speed it shows callers.

Everyone in line is kept in order of first entry, so a callback keeps the caller's original
place. The wait estimate policies receive is `hold_policies.estimate.estimate_wait` fed with
what the live app measures (app/storage/prepared.py): departures — answers (at once or from
the line), hang-ups and callbacks connected — in the last `window_s`, or since the log began,
with the hang-ups among them counted apart (the line moves for a caller only when someone
ahead of them hangs up), and the size of the line.
"""

from __future__ import annotations

import math
from bisect import bisect_left

from hold_policies.estimate import QueueFlow, estimate_wait, hang_ups_ahead, line_stalled
from hold_policies.promise import ANSWER_WINDOW_S
from hold_policies.situation import WaitEstimate
from simulator.scenario import Estimates

_CACHE_LIMIT = 200_000
_CACHES: dict[Estimates, dict[tuple, WaitEstimate | None]] = {}


class Line:
    """Entry indexes of callers waiting or holding a callback, oldest first.

    A caller's position is 1 + the entries before theirs (bisect), pending callbacks included.
    """

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[int] = []

    def __len__(self) -> int:
        return len(self.entries)

    def join(self, index: int) -> None:
        """New callers have the largest index so far: they go to the back."""
        self.entries.append(index)

    def rejoin(self, index: int) -> None:
        """A callback coming back after a missed attempt takes its original place."""
        entries = self.entries
        entries.insert(bisect_left(entries, index), index)

    def leave(self, index: int) -> None:
        entries = self.entries
        del entries[bisect_left(entries, index)]


class QueueSpeed:
    """Departures (answered, abandoned, callbacks connected) and the estimates they give; and
    callback attempts and answers, over `ANSWER_WINDOW_S`, as the live app reads them."""

    __slots__ = ("_answers", "_cache", "_quiet", "abandons", "answered", "attempts",
                 "departures", "log_start", "settings", "window_s")

    def __init__(self, settings: Estimates, log_start: float = 0.0) -> None:
        self.settings, self.window_s, self.log_start = settings, settings.window_s, log_start
        self.departures: list[float] = []  # times, in the order they happen
        self.abandons: list[float] = []  # of those, the hang-ups (the app's ABANDONED, OVERFLOW)
        self.attempts: list[float] = []  # callback attempts' times (the app's CALLBACK_ATTEMPT)
        self.answered: list[float] = []  # answered attempts' times (CALLBACK_CONNECT)
        self._answers = (0, 0)  # attempts and answers in the window ending at the last flow()
        self._quiet: float | None = None  # at the last flow(): since the last caller served
        # shared by every run with these settings: the estimate is a pure function of them
        self._cache = _CACHES.setdefault(settings, {})

    def flow(self, now: float) -> tuple[int, int, float]:
        """Departures and the hang-ups among them seen in the window ending at `now`, and
        the window (shorter at first). The callback answers seen by then are kept for the
        `estimate` that follows."""
        window = min(self.window_s, now - self.log_start)
        departures, abandons = self.departures, self.abandons
        if self.attempts:
            since = now - ANSWER_WINDOW_S
            self._answers = (len(self.attempts) - bisect_left(self.attempts, since),
                             len(self.answered) - bisect_left(self.answered, since))
        since = now - window
        served = last_served(departures, abandons, since)
        self._quiet = None if served is None else now - served
        return (len(departures) - bisect_left(departures, since),
                len(abandons) - bisect_left(abandons, since) if abandons else 0, window)

    def estimate(self, position: int, seen: int, window: float, abandoned: int = 0,
                 queue_size: int = 0, callbacks_ahead: int = 0) -> WaitEstimate | None:
        """The estimate the live app gives the caller at `position` (callbacks ahead
        counted) with `queue_size` callers in the queue itself after that flow."""
        settings = self.settings
        if line_stalled(seen - abandoned, window, self._quiet):  # outside the cache: the
            return None  # quiet time is a new number at every poll
        held, hazard = hang_ups_ahead(position, abandoned, window, queue_size, callbacks_ahead)
        key = (position, seen - abandoned, seen >= settings.min_departures, window,
               self._answers, hazard, held if hazard else 0)  # all an estimate depends on
        try:
            return self._cache[key]
        except KeyError:
            pass
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        found = self._cache[key] = None if window <= 0 else estimate_wait(
            position, QueueFlow(seen, window, *self._answers, abandons=abandoned),
            queue_size=queue_size, callbacks_ahead=held, min_departures=settings.min_departures,
            confidence=settings.confidence,
        )
        return found


def last_served(departures: list[float], abandons: list[float],
                since: float = -math.inf) -> float | None:
    """The latest departure at or after `since` that was not a hang-up (None if none):
    `abandons` is a subsequence of `departures`, both in time order, so it is the latest one
    the two do not share. Only the window's is wanted (the app reads it so, and a quiet time
    matters only while someone was served in the window): looking further back walked every
    hang-up since the last answer at each poll, quadratic on a line nobody answers."""
    i, j = len(departures) - 1, len(abandons) - 1
    while i >= 0 and departures[i] >= since and j >= 0 and departures[i] == abandons[j]:
        i, j = i - 1, j - 1
    return departures[i] if i >= 0 and departures[i] >= since else None
