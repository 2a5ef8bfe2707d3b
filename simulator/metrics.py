"""One run's calls summarised into the `--json` object; every number's definition is stated.

Definitions follow DESIGN.md and analytics' definitions: callers who chose a callback never
count as abandoned, and are reported on their own.
"""

from __future__ import annotations

import math

import numpy as np

from analytics.batch_means import paired_run_difference, run_interval
from analytics.promises import PROMISE_KEPT_RATE, PromiseFates, promise_fates
from hold_policies.records import SERVICE_LEVEL_S, UNSERVED_FORMULA
from simulator.table import (
    ABANDONED,
    ANSWERED,
    CALLBACK_CONNECTED,
    CALLBACK_FAILED,
    CLOSED,
    ERROR,
    NO_BOOKING,
    OVERFLOW,
    UNSERVED_CODES,
    CallTable,
    callback_takers,
)

Z_95 = 1.959963984540054

DEFINITIONS: dict[str, str] = {
    "calls": "calls that entered the queue",

    "unserved_rate": f"PRIMARY, intention to treat: {UNSERVED_FORMULA}, every caller who "
                     "reached the queue; compare policies on this; 95% CI by batch means (20 "
                     "batches of calls contiguous in entry time, or the run's days when it has "
                     "20: one run's callers are not independent), never narrower than the "
                     "Wilson score interval; the same interval `holdwell report` gives",
    "abandonment_rate": "secondary, Twilio-style: abandoned / (calls - callback takers); its "
                        "denominator drops callers who chose a callback (those answered in line "
                        "first stay in it, as in the report), a selected subset, so it is "
                        "biased against callback policies; 95% CI as for the unserved rate",
    "p_wait": "share of calls not answered the moment they entered (had to wait)",
    "mean_wait_s": "mean time in queue over all calls: to answer, hang-up or leaving for a "
                   "callback (Erlang-A's E[W])",
    "asa_s": "average speed of answer: mean wait of answered calls (answered in line only: "
             "a policy that sends its long waiters to callbacks leaves them out; compare such "
             "policies on the time to serve)",
    "service_level": "answered within {sl} s / answered (Asterisk's SL; answered in line "
                     "only, as ASA: compare policies that offer callbacks on served in time)",
    "served_in_time_rate": "(answered within {sl} s + callbacks connected within {sl} s of "
                           "entering) / calls: every caller counted, a callback at its real "
                           "wait",
    "time_to_serve_s": "mean time from entering the queue to an agent of callers served: "
                       "answered in line at their wait, a connected callback at entering -> "
                       "connected",
    "answered": "calls answered by an agent while in line (callers who chose a callback "
                "but were answered first included)",
    "abandoned": "calls that hung up in line before an agent answered",
    "mean_time_to_abandon_s": "mean wait of the abandoned calls, entering to hanging up",
    "announcements_mean": "mean number of check-ins (announcements) a call heard",
    "callbacks_requested": "callers who chose a callback",
    "callbacks_answered_first": "callers who chose a callback but were answered in line "
                                "before it was placed: answered (ASA, service level), no "
                                "callback takers; with those connected and failed, they make "
                                "up the callbacks requested",
    "callbacks_connected": "callbacks that reached an agent",
    "callbacks_failed": "callbacks given up after every retry",
    "overflow": "callers offered a callback or a message past the maximum wait (or turned away "
                "by a full queue) who took neither: unserved, never abandoned",
    "errors": "calls ended as Twilio's error: in a simulation, callers Twilio's queue-full "
              "turned away (max_size already waiting) where no overflow offer answers it: "
              "unserved",
    "callbacks_given_band": "callbacks whose caller was told a wait before choosing, "
                            "answered in line first excluded: the promises a callback had "
                            "to keep",
    "callback_promise_kept_rate": PROMISE_KEPT_RATE,
    "callback_promise_broken_rate": "broken (late + failed) / (callbacks given a band - still "
                                    "open - cancelled), as the kept rate defines them",
    "callback_promises_pending": "callbacks given a band still open at the run's end "
                                 "(undecided, in no share), as the kept rate defines them; a "
                                 "run settles every callback, so 0 unless it was cut short",
    "callback_promises_cancelled": "callbacks given a band withdrawn before they were rung "
                                   "(in no share), as the kept rate defines them; the "
                                   "simulator never cancels a callback, so 0 in a simulated "
                                   "run (the app's records, run through the same count, say "
                                   "how many were)",
    "callback_promises_kept": "callbacks given a band that were kept, as the kept rate "
                              "defines it",
    "callback_promises_late": "callbacks given a band that connected after their deadline: "
                              "broken",
    "callback_promises_failed": "callbacks given a band that were never reached: broken",
    "unserved_vs_first": "(compare) this policy's unserved rate less the first policy's, "
                         "over the same callers, as [difference, low, high]: paired, so its "
                         "95% interval (batch means of the callers' differences, never "
                         "narrower than the t interval over callers) is far tighter than the "
                         "two rates' intervals; n/a when the runs met different callers",
    "closed": "calls that rang while the line was closed (its [hours]): told when it opens, "
              "never queued, in none of the figures above",
    "closed_callbacks_booked": "callers who rang while closed and booked a callback for the "
                               "opening (none of them in the queue figures)",
    "closed_callbacks_connected": "callbacks booked while closed that reached an agent",
    "closed_callbacks_failed": "callbacks booked while closed given up after every retry",
    "warmup_s": "seconds at the run's start whose callers the figures leave out (--warmup), "
                "as the queue fills from empty",
    "calls_simulated": "every call the run simulated, the warm-up's included",
    "wall_s": "wall-clock seconds the run took (none for one arm of a split: its callers ran "
              "in the split's one run, whose time the split's own figures give)",
}


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> list[float] | None:
    """Wilson score interval for a proportion: honest near 0 and 1, unlike p ± z·se."""
    if trials <= 0:
        return None
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (
        1 + z * z / trials)
    return [max(0.0, centre - half), min(1.0, centre + half)]


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator) / denominator if denominator else None


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def given_band(table: CallTable) -> np.ndarray:
    """Callbacks given a band (a deadline): the callers who were promised something, less
    those answered in line before their callback was placed (no callback takers: one served
    seconds after choosing had counted as a promise neither kept, late nor failed)."""
    return (callback_takers(table.callback_requested, table.outcome)
            & np.isfinite(table.callback_promised_wait_s))


def fates(table: CallTable) -> PromiseFates[np.ndarray]:
    """Each call's promise kept, late, failed, cancelled or still open (analytics.promises:
    the report's too; a run settles every callback, so none is open at its end, and never
    cancels one: only a table of the app's records has any)."""
    return promise_fates(given_band(table), table.outcome == CALLBACK_CONNECTED,
                         table.outcome == CALLBACK_FAILED, table.callback_wait_s,
                         table.callback_promised_wait_s, table.cancelled())


def promise_counts(table: CallTable) -> dict[str, int]:
    """Callbacks given a band, how many were kept, late and failed, how many of them were
    decided (the shares' denominator), how many cancelled and how many still open."""
    return fate_counts(fates(table))


def fate_counts(met: PromiseFates[np.ndarray]) -> dict[str, int]:
    """`promise_counts` from fates already found: every callback given a band is decided
    (kept or broken), cancelled or still open."""
    decided, pending = int(np.count_nonzero(met.decided)), int(np.count_nonzero(met.pending))
    cancelled = int(np.count_nonzero(met.cancelled))
    return {"given_band": decided + pending + cancelled,
            "kept": int(np.count_nonzero(met.kept)), "late": int(np.count_nonzero(met.late)),
            "failed": int(np.count_nonzero(met.failed)), "decided": decided, "pending": pending,
            "cancelled": cancelled}


def serve_figures(table: CallTable, service_level_s: float) -> dict[str, float | None]:
    """The share of calls served within `service_level_s` and the mean time to serve, a
    connected callback at its real wait (entering -> connected), as `holdwell report`
    counts its served_in_time_rate and time_to_serve_s."""
    answered = table.outcome == ANSWERED
    connected = (table.outcome == CALLBACK_CONNECTED) & np.isfinite(table.callback_wait_s)
    serve_wait = np.concatenate([table.wait_s[answered], table.callback_wait_s[connected]])
    return {"served_in_time_rate": _ratio(int(np.count_nonzero(serve_wait <= service_level_s)),
                                          len(table)),
            "time_to_serve_s": _mean(serve_wait)}


def unserved_vs(first: CallTable, other: CallTable) -> list[float] | None:
    """[difference, low, high] of `other`'s unserved rate less `first`'s over the same callers
    (`paired_run_difference`); None when the two runs did not meet the same callers (their
    entry times differ: another engine's own draws), where a pairing would mean nothing."""
    a, b = first.queue_calls(), other.queue_calls()
    order_a, order_b = np.argsort(a.entered_s, kind="stable"), np.argsort(b.entered_s,
                                                                          kind="stable")
    entered = a.entered_s[order_a]
    if entered.shape != b.entered_s.shape or not np.array_equal(entered, b.entered_s[order_b]):
        return None
    return paired_run_difference(np.isin(a.outcome, UNSERVED_CODES)[order_a],
                                 np.isin(b.outcome, UNSERVED_CODES)[order_b],
                                 a.start.timestamp() + entered)


def summarise(table: CallTable, *, wall_s: float | None,
              service_level_s: float = SERVICE_LEVEL_S) -> dict:
    """The `--json` object of one run (rates are fractions; times in seconds). Calls that
    rang while the line was closed are no queue's calls: counted on their own (`closed`).
    `wall_s` None: one arm of a split, which took no time of its own."""
    closed = closed_counts(table)
    table = table.queue_calls()
    calls = len(table)
    outcome, wait = table.outcome, table.wait_s
    answered = outcome == ANSWERED
    abandoned = int(np.count_nonzero(outcome == ABANDONED))
    requested = int(np.count_nonzero(table.callback_requested))
    n_answered = int(np.count_nonzero(answered))
    lost = np.isin(outcome, UNSERVED_CODES)
    unserved = int(np.count_nonzero(lost))
    takers = callback_takers(table.callback_requested, outcome)  # answered in line first: in
    waited_on = ~takers  # the abandonment denominator, as the report counts them (review 32 R4)
    entered_s = table.start.timestamp() + table.entered_s
    return {
        "policy": table.policy,
        "arm": table.arm,
        "calls": calls,
        "unserved_rate": _ratio(unserved, calls),
        "unserved_rate_ci": run_interval(lost, np.ones(calls, dtype=bool), entered_s),
        "abandonment_rate": _ratio(abandoned, calls - int(np.count_nonzero(takers))),
        "abandonment_rate_ci": run_interval((outcome == ABANDONED) & waited_on, waited_on,
                                            entered_s),
        "p_wait": _ratio(calls - int(np.count_nonzero(answered & (wait == 0))), calls),
        "mean_wait_s": _mean(wait),
        "asa_s": _mean(wait[answered]),
        "service_level": _ratio(int(np.count_nonzero(answered & (wait <= service_level_s))),
                                n_answered),
        "service_level_s": service_level_s,
        **serve_figures(table, service_level_s),
        "answered": n_answered,
        "abandoned": abandoned,
        "mean_time_to_abandon_s": _mean(wait[outcome == ABANDONED]),
        "callbacks_requested": requested,
        "callbacks_answered_first": int(np.count_nonzero(table.callback_requested & answered)),
        "callbacks_connected": int(np.count_nonzero(outcome == CALLBACK_CONNECTED)),
        "callbacks_failed": int(np.count_nonzero(outcome == CALLBACK_FAILED)),
        **promise_summary(promise_counts(table)),
        "overflow": int(np.count_nonzero(outcome == OVERFLOW)),  # offered, took neither
        "errors": int(np.count_nonzero(outcome == ERROR)),  # queue-full, nothing offered
        "announcements_mean": _mean(table.announcements.astype(float)),
        **closed,
        "wall_s": None if wall_s is None else round(wall_s, 4),
    }


def promise_summary(counts: dict[str, int]) -> dict:
    """The summary's promise fields (DEFINITIONS) from `promise_counts`."""
    decided = counts["decided"]
    return {"callbacks_given_band": counts["given_band"],
            "callback_promise_kept_rate": _ratio(counts["kept"], decided),
            "callback_promise_broken_rate": _ratio(counts["late"] + counts["failed"], decided),
            "callback_promises_pending": counts["pending"],
            "callback_promises_cancelled": counts["cancelled"],
            "callback_promises_kept": counts["kept"],
            "callback_promises_late": counts["late"],
            "callback_promises_failed": counts["failed"]}


def closed_counts(table: CallTable) -> dict:
    """Callers who rang while closed, and the callbacks they booked for the opening (none of
    them in the queue figures above); empty when the line never closes."""
    if table.closed_callback is None:
        return {}
    booking = table.closed_callback
    return {
        "closed": int(np.count_nonzero(table.outcome == CLOSED)),
        "closed_callbacks_booked": int(np.count_nonzero(booking != NO_BOOKING)),
        "closed_callbacks_connected": int(np.count_nonzero(booking == CALLBACK_CONNECTED)),
        "closed_callbacks_failed": int(np.count_nonzero(booking == CALLBACK_FAILED)),
    }
