"""Per-group queue metrics, each with its definition in the docstring (DESIGN.md, "Metrics").

Every function takes validated records (see `analytics.records`) and returns one row per group
(queue and policy, or experiment arm: see `analytics.groups`). Vendors define these numbers
differently (reference/contact-center.md §6), so the definition used is the docstring, and the
report prints it next to the number. Callers who took a callback never count as abandoned.

Policies are compared on `unserved` (intention to treat): whether a caller takes a callback is
decided after randomisation, by the caller, so dropping takers from a denominator compares a
selected subset (patient callers take callbacks; the impatient stay and abandon).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.clustered_rates import clustered_intervals, minute_sums, rate_errors
from analytics.groups import GROUP, group_table, with_groups
from analytics.intervals import t_quantile, wilson_interval
from analytics.promises import promise_fates
from hold_policies.records import SERVICE_LEVEL_S, UNSERVED, Outcome

SHORT_ABANDON_S = 5.0
SERVICE_THRESHOLD_S = SERVICE_LEVEL_S


def sum_by_group(records: pd.DataFrame, columns: dict[str, object]) -> pd.DataFrame:
    """Sum flag or number columns per group (every group present, in label order).

    One np.bincount per column over the group codes: linear, no sort, fast on millions of rows.
    """
    grouped = with_groups(records)
    group = grouped[GROUP].cat
    codes, size = group.codes.to_numpy(), len(group.categories)
    sums = {}
    for name, column in columns.items():
        values = np.broadcast_to(np.asarray(column), codes.shape)
        whole = values.dtype.kind in "biu"
        weights = values.astype(np.float64) if values.dtype != np.float64 else values
        total = np.bincount(codes, weights=np.nan_to_num(weights), minlength=size)
        sums[name] = total.round().astype(np.int64) if whole else total
    return pd.DataFrame(sums, index=pd.Index(group.categories.astype(str), name=GROUP))


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0."""
    return numerator / denominator.where(denominator > 0)


def callback_takers(records: pd.DataFrame) -> pd.Series:
    """Callers who asked for a callback and were not answered in line (one the agent took
    before the callback was placed is answered, no callback taker)."""
    return (records["callback_requested"].fillna(False).astype(bool)
            & (records["outcome"] != Outcome.ANSWERED))


def _basic_flags(records: pd.DataFrame) -> dict[str, pd.Series]:
    """Outcome flags shared by the metrics; the outcome is the truth.

    A caller answered in line is answered even if they had asked for a callback first (the
    agent took them before it was placed): they are no callback taker. Abandoners exclude
    callback takers by definition.
    """
    outcome = records["outcome"]
    answered = outcome == Outcome.ANSWERED
    callback = callback_takers(records)
    return {
        "callback": callback,
        "answered": answered,
        "abandoned": (outcome == Outcome.ABANDONED) & ~callback,
    }


def abandonment(
    records: pd.DataFrame, short_abandon_s: float = SHORT_ABANDON_S, confidence: float = 0.95
) -> pd.DataFrame:
    """Abandonment rate = abandoned / (calls − callback takers), with a Wilson score CI.

    The short-abandon variant drops abandons with wait_s < short_abandon_s from both numerator
    and denominator: (A − A_short) / (calls − callback takers − A_short).
    """
    return abandonment_rates(sum_by_group(records, abandonment_sums(records, short_abandon_s)),
                             confidence)  # fmt: skip


def abandonment_sums(records: pd.DataFrame, short_abandon_s: float) -> dict[str, object]:
    f = _basic_flags(records)
    return {
        "calls": 1,
        "callback_takers": f["callback"],
        "abandoned": f["abandoned"],
        "short_abandons": f["abandoned"] & (records["wait_s"] < short_abandon_s),
        "errors": records["outcome"] == Outcome.ERROR,
    }


def abandonment_rates(sums: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    s = sums[list(_ABANDONMENT_SUMS)].copy()
    eligible = s["calls"] - s["callback_takers"]
    s["abandonment_rate"] = _ratio(s["abandoned"], eligible)
    low, high = wilson_interval(s["abandoned"], eligible, confidence)
    s["abandonment_rate_ci_low"], s["abandonment_rate_ci_high"] = low, high
    kept, kept_eligible = s["abandoned"] - s["short_abandons"], eligible - s["short_abandons"]
    s["abandonment_rate_short_excluded"] = _ratio(kept, kept_eligible)
    low, high = wilson_interval(kept, kept_eligible, confidence)
    s["abandonment_rate_short_excluded_ci_low"] = low
    s["abandonment_rate_short_excluded_ci_high"] = high
    return s


_ABANDONMENT_SUMS = ("calls", "callback_takers", "abandoned", "short_abandons", "errors")


def unserved(records: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Unserved rate = (abandoned + callback failed + error + overflow) / calls, with a Wilson
    score CI.

    Intention to treat: every caller who reached the queue stays in the denominator, whatever
    they chose later, so policies that offer callbacks are judged on the same callers. Left
    (a callback still pending, or out of line with none) and voicemail (a message still to be
    called back) are not settled as lost, so they are not counted unserved.
    """
    return unserved_rates(sum_by_group(records, unserved_sums(records)), confidence)


def failed_callbacks(records: pd.DataFrame) -> pd.Series:
    """Per call, whether its callback was given up after every retry (outcome callback_failed:
    always a callback taker's)."""
    return records["outcome"] == Outcome.CALLBACK_FAILED


def unserved_sums(records: pd.DataFrame) -> dict[str, object]:
    outcome = records["outcome"]
    return {
        "calls": 1,
        "callbacks_failed": failed_callbacks(records),
        "unserved": outcome.isin(UNSERVED),
        "unsettled": unsettled(records),
    }


def unsettled(records: pd.DataFrame) -> pd.Series:
    """Per call, whether it may yet be lost: out of line with a callback still pending (not
    withdrawn), or a message not yet called back. Counted as not unserved today; a verdict
    must hold even if every one of them is lost (analytics.compare.verdict)."""
    outcome = records["outcome"]
    pending = ((outcome == Outcome.LEFT) & records["callback_requested"].fillna(False).astype(bool)
               & ~cancelled_callbacks(records))
    return pending | (outcome == Outcome.VOICEMAIL)


def unserved_rates(sums: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    columns = ["calls", "callbacks_failed", "unserved", "unsettled"]
    s = sums[[column for column in columns if column in sums]].copy()
    s["unserved_rate"] = _ratio(s["unserved"], s["calls"])
    s["unserved_rate_ci_low"], s["unserved_rate_ci_high"] = wilson_interval(
        s["unserved"], s["calls"], confidence
    )
    return s.drop(columns="calls")


def outcome_counts(records: pd.DataFrame) -> pd.DataFrame:
    """Calls per outcome (one column each, `n_<outcome>`), which add up to calls: the table
    reconciles (answered + abandoned + callbacks + left + error = calls)."""
    return sum_by_group(records, outcome_sums(records))


def outcome_sums(records: pd.DataFrame) -> dict[str, object]:
    outcome = records["outcome"]
    return {f"n_{o.value}": outcome == o for o in Outcome}


def service_level(records: pd.DataFrame, threshold_s: float = SERVICE_THRESHOLD_S) -> pd.DataFrame:
    """Share answered within the threshold (wait_s <= T), in the two usual variants, and the
    share of all callers served within it, callbacks included.

    service_level = answered within T / answered (Asterisk SL);
    service_level_with_abandons = (answered within T + abandoned within T) / (answered + abandoned)
    (Asterisk SL2: a quick hang-up counts as served in time);
    served_in_time_rate = (answered within T + callbacks connected within T of entering) /
    calls (intention to treat: a policy that sends its long waiters to callbacks drops them
    from the first two, not from this one).
    """
    return service_levels(sum_by_group(records, service_sums(records, threshold_s)))


def serve_waits(records: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Who was served and how long it took from entering the queue: answered in line at
    wait_s, a connected callback at callback_wait_s (entering -> connected). A connected
    callback without that time is not among them (`untimed_callbacks`): a group with one has
    no time to serve (`wait_means`), since its mean would hold the answered callers alone."""
    answered = records["outcome"] == Outcome.ANSWERED
    connected = records["outcome"] == Outcome.CALLBACK_CONNECTED
    callback_wait = records["callback_wait_s"].astype(float)
    wait = records["wait_s"].astype(float).where(answered, callback_wait.where(connected))
    served = (answered | connected) & wait.notna()
    return served, wait.where(served, 0.0)


def untimed_callbacks(records: pd.DataFrame) -> pd.Series:
    """Connected callbacks with no callback_wait_s: served, but when is unknown."""
    return ((records["outcome"] == Outcome.CALLBACK_CONNECTED)
            & records["callback_wait_s"].isna())


def service_sums(records: pd.DataFrame, threshold_s: float) -> dict[str, object]:
    f = _basic_flags(records)
    within = records["wait_s"] <= threshold_s
    served, serve_wait = serve_waits(records)
    return {
        "calls": 1,
        "answered": f["answered"],
        "answered_within": f["answered"] & within,
        "abandoned": f["abandoned"],
        "abandoned_within": f["abandoned"] & within,
        "served_within": served & (serve_wait <= threshold_s),
        # a callback connects after its caller left the line: one that left after T was not
        # served within T, whatever its time; one that left by T may have been
        "callbacks_untimed_within": untimed_callbacks(records) & within,
    }


def service_levels(s: pd.DataFrame) -> pd.DataFrame:
    """The service_level columns from service_sums per group. served_in_time_rate is n/a
    where a connected callback without its time left the line within T (whether it was
    served within T is unknown); `callbacks_untimed_within` counts them."""
    out = s[["answered", "answered_within", "served_within"]].copy()
    out["service_level"] = _ratio(s["answered_within"], s["answered"])
    out["service_level_ci_low"], out["service_level_ci_high"] = wilson_interval(
        s["answered_within"], s["answered"]
    )
    out["service_level_with_abandons"] = _ratio(
        s["answered_within"] + s["abandoned_within"], s["answered"] + s["abandoned"]
    )
    unknown = _untimed(s, "callbacks_untimed_within")
    out["served_in_time_rate"] = _ratio(s["served_within"], s["calls"]).where(~unknown)
    low, high = wilson_interval(s["served_within"], s["calls"])
    out["served_in_time_rate_ci_low"] = pd.Series(low, index=s.index).where(~unknown)
    out["served_in_time_rate_ci_high"] = pd.Series(high, index=s.index).where(~unknown)
    if "callbacks_untimed_within" in s:
        out["callbacks_untimed_within"] = s["callbacks_untimed_within"]
    return out


def _untimed(s: pd.DataFrame, column: str) -> pd.Series:
    """Per group, whether any call of `column` (a count of untimed callbacks) is in its sums
    (sums without the column: none)."""
    if column not in s:
        return pd.Series(False, index=s.index)
    return s[column] > 0


def wait_times(records: pd.DataFrame) -> pd.DataFrame:
    """ASA = mean wait_s of answered calls, with mean ± t·sd/√n as its 95% CI; time to abandon =
    mean and median wait_s of abandoners.

    These are averages over what was observed; an abandon time is not patience (answered callers
    hide theirs), for which see `analytics.survival`.
    """
    grouped = with_groups(records)
    s = sum_by_group(grouped, wait_sums(grouped))  # sums, not per-group arrays: cheap on millions
    abandoned = grouped.loc[_basic_flags(grouped)["abandoned"], [GROUP, "wait_s"]]
    median = abandoned.groupby(GROUP, observed=False)["wait_s"].median()
    median.index = median.index.astype(str)
    return wait_means(s, median)


def wait_sums(records: pd.DataFrame) -> dict[str, object]:
    f = _basic_flags(records)
    wait = records["wait_s"].astype(float)
    served, serve_wait = serve_waits(records)
    return {
        "n": f["answered"],
        "wait": wait.where(f["answered"], 0.0),
        "wait_sq": (wait**2).where(f["answered"], 0.0),
        "abandons": f["abandoned"],
        "abandon_wait": wait.where(f["abandoned"], 0.0),
        "served": served,
        "serve_wait": serve_wait,
        "serve_wait_sq": serve_wait**2,
        "callbacks_untimed": untimed_callbacks(records),
    }


def wait_means(s: pd.DataFrame, median_abandon_s: pd.Series | None = None) -> pd.DataFrame:
    """The wait_times columns from wait_sums per group (and the median abandon time, if known).
    time_to_serve_s is n/a where a connected callback has no callback_wait_s: left out, it
    would make the mean that of the answered callers alone (`callbacks_untimed` counts them)."""
    asa, asa_half = _mean_and_half_width(s["wait"], s["wait_sq"], s["n"])
    serve, serve_half = _mean_and_half_width(s["serve_wait"], s["serve_wait_sq"], s["served"])
    unknown = _untimed(s, "callbacks_untimed")
    serve, serve_half = serve.where(~unknown), serve_half.where(~unknown)
    median = (pd.Series(np.nan, index=s.index) if median_abandon_s is None
              else median_abandon_s.reindex(s.index))  # fmt: skip
    return pd.DataFrame(
        {
            "asa_s": asa,
            "asa_ci_low_s": np.maximum(asa - asa_half, 0.0),
            "asa_ci_high_s": asa + asa_half,
            "time_to_serve_s": serve,
            "time_to_serve_ci_low_s": np.maximum(serve - serve_half, 0.0),
            "time_to_serve_ci_high_s": serve + serve_half,
            "mean_time_to_abandon_s": _ratio(s["abandon_wait"], s["abandons"]),
            "median_time_to_abandon_s": median,
            "callbacks_untimed": s.get("callbacks_untimed", 0),
        }
    )


def _mean_and_half_width(total: pd.Series, total_sq: pd.Series, count: pd.Series
                         ) -> tuple[pd.Series, pd.Series]:
    """A mean from its sums and the 95% half-width t·sd/√n (calls taken as independent; the
    clustered interval widens it where calls move together)."""
    n = count.astype(float)
    mean = _ratio(total, n)
    variance = ((total_sq - n * mean**2) / (n - 1).where(n > 1)).clip(lower=0.0)
    return mean, t_quantile(0.975, np.maximum(n - 1, 1)) * np.sqrt(variance / n)


def callbacks(records: pd.DataFrame) -> pd.DataFrame:
    """Callbacks: acceptance = requested / calls; answered first = requested but answered in
    line before the callback was placed (counted as answered, no callback taker); completion
    = connected / (connected + failed), over the callbacks whose placing is decided (one
    still pending, or withdrawn before it was rung, is neither completed nor failed: counted
    in the denominator, it had read as a callback that did not get through, and lowered the
    rate while callbacks waited their turn; `holdwell fit`'s completion and the promise-kept
    rate leave them out too); promise kept = kept / callbacks given a band
    whose promise is decided (analytics.promises: a late or failed callback is broken; one
    still open, neither, is undecided, and one cancelled (withdrawn by an operator or by its
    caller) is neither kept nor broken: each counted on its own and left out; a recorded
    promise, answered first excluded; one given none is neither kept nor broken), n/a when no
    callback carries a decided promise (records without that column: 0% had said every
    promise was broken). A caller answered five seconds after choosing a callback had counted
    as a broken promise and an uncompleted callback, against the late-callbacks line (analyst
    walk A2).
    """
    return callback_rates(sum_by_group(records, callback_sums(records)))


def promise_sums(records: pd.DataFrame) -> dict[str, pd.Series]:
    """Per call, its promise's fate (analytics.promises)."""
    requested = records["callback_requested"].astype(bool)
    given_band = callback_takers(records) & records["callback_promised_wait_s"].notna()
    met = promise_fates(given_band, requested & (records["outcome"] == Outcome.CALLBACK_CONNECTED),
                        records["outcome"] == Outcome.CALLBACK_FAILED, records["callback_wait_s"],
                        records["callback_promised_wait_s"], cancelled_callbacks(records))
    return {"callbacks_given_band": given_band, "callbacks_promise_kept": met.kept,
            "callbacks_promise_broken": met.broken, "callbacks_promise_pending": met.pending,
            "callbacks_promise_cancelled": met.cancelled}


def cancelled_callbacks(records: pd.DataFrame) -> pd.Series:
    """Per call, whether its callback was withdrawn (records without the column: none)."""
    if "callback_cancelled" not in records:
        return pd.Series(False, index=records.index)
    return records["callback_cancelled"].fillna(False).astype(bool)


def callback_sums(records: pd.DataFrame) -> dict[str, object]:
    requested = records["callback_requested"].astype(bool)
    connected = requested & (records["outcome"] == Outcome.CALLBACK_CONNECTED)
    return {
        "calls": 1,
        "callbacks_requested": requested,
        "callbacks_connected": connected,
        "callbacks_failed": failed_callbacks(records),
        **promise_sums(records),
        "callbacks_answered_first": requested & (records["outcome"] == Outcome.ANSWERED),
    }


def callback_rates(sums: pd.DataFrame) -> pd.DataFrame:
    s = sums[["calls", "callbacks_requested", "callbacks_connected", "callbacks_promise_kept",
              "callbacks_given_band", "callbacks_promise_pending",
              "callbacks_promise_cancelled", "callbacks_answered_first"]].copy()  # fmt: skip
    s["callback_acceptance_rate"] = _ratio(s["callbacks_requested"], s["calls"])
    s["callback_completion_rate"] = _ratio(
        s["callbacks_connected"], s["callbacks_connected"] + sums["callbacks_failed"])
    s["callback_promise_kept_rate"] = _ratio(
        s["callbacks_promise_kept"], s["callbacks_promise_kept"] + sums["callbacks_promise_broken"])
    return s.drop(columns=["calls"])


def caller_wait_minutes(records: pd.DataFrame) -> pd.Series:
    """Caller minutes waiting = sum of wait_s of every call (abandoners included) / 60."""
    return wait_minutes(sum_by_group(records, {"wait_s": records["wait_s"]}))


def wait_minutes(sums: pd.DataFrame) -> pd.Series:
    return (sums["wait_s"] / 60.0).rename("caller_wait_minutes")


def announcement_honesty(records: pd.DataFrame) -> pd.DataFrame:
    """How honest the first announced wait was, over callers who heard one (callbacks excluded).

    The estimate is a remaining wait said at first_announced_at_s seconds in queue (0, i.e. on
    entering, when records lack that column); the caller was promised an answer by
    deadline = first_announced_at_s + first_announced_wait_s.
    announced_wait_mean_error_s = mean(wait_s − deadline) over answered callers (their actual
    wait is known); kept_longer_than_told_share = callers still waiting at the deadline
    (wait_s > deadline, any outcome) / (those + callers answered by it). Callers who hung up or
    left before the deadline are left out: whether we would have kept the promise is unknown.
    """
    return honesty_shares(sum_by_group(records, honesty_sums(records)))


def honesty_sums(records: pd.DataFrame) -> dict[str, object]:
    f = _basic_flags(records)
    told = records["first_announced_wait_s"]
    told_at = records["first_announced_at_s"]  # validate_records adds it, empty if absent
    deadline = told_at.fillna(0.0) + told
    heard = told.notna() & ~f["callback"]
    answered = heard & f["answered"]
    late = heard & (records["wait_s"] > deadline)
    return {
        "announced_calls": heard,
        "answered_announced": answered,
        "error_sum_s": (records["wait_s"] - deadline).where(answered, 0.0),
        "kept_longer": late,
        "answered_in_time": answered & ~late,
    }


def honesty_shares(sums: pd.DataFrame) -> pd.DataFrame:
    s = sums[["announced_calls", "answered_announced", "error_sum_s", "kept_longer",
              "answered_in_time"]].copy()  # fmt: skip
    s["announced_wait_mean_error_s"] = _ratio(s["error_sum_s"], s["answered_announced"])
    s["kept_longer_than_told_share"] = _ratio(
        s["kept_longer"], s["kept_longer"] + s["answered_in_time"]
    )
    return s[["announced_calls", "announced_wait_mean_error_s", "kept_longer_than_told_share"]]


def all_metrics(
    records: pd.DataFrame,
    short_abandon_s: float = SHORT_ABANDON_S,
    service_threshold_s: float = SERVICE_THRESHOLD_S,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """Every metric above, one row per group, with its queue, policy and arm; intervals
    clustered by day count the days on `timezone`'s clock (`clustered_rates.entry_minutes`)."""
    grouped = with_groups(records)
    per_call = metric_sums(grouped, short_abandon_s, service_threshold_s)
    sums = sum_by_group(grouped, per_call)
    abandoned = grouped.loc[_basic_flags(grouped)["abandoned"], [GROUP, "wait_s"]]
    median = abandoned.groupby(GROUP, observed=False)["wait_s"].median()
    median.index = median.index.astype(str)
    errors = rate_errors(minute_sums(grouped, per_call, timezone))
    return metrics_from_sums(group_table(grouped), sums, median, errors)


def metric_sums(
    records: pd.DataFrame, short_abandon_s: float, service_threshold_s: float
) -> dict[str, object]:
    """Every per-call column the metrics add up per group, by name (one name, one meaning).

    Sums of batches add up to the sums of the whole, so a file read in batches gives the same
    metrics as the file read whole (`analytics.summary`).
    """
    return {
        **unserved_sums(records),
        **abandonment_sums(records, short_abandon_s),
        **outcome_sums(records),
        **service_sums(records, service_threshold_s),
        **wait_sums(records),
        **callback_sums(records),
        "wait_s": records["wait_s"],
        **honesty_sums(records),
    }


def metrics_from_sums(
    groups: pd.DataFrame, sums: pd.DataFrame, median_abandon_s: pd.Series | None,
    errors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The all_metrics table from `metric_sums` per group (group_table rows, same index); with
    `clustered_rates.rate_errors`, the compared rates' CIs allow for calls moving together."""
    parts = [
        groups,
        unserved_rates(sums),
        abandonment_rates(sums),
        sums[[f"n_{o.value}" for o in Outcome]],
        service_levels(sums),
        wait_means(sums, median_abandon_s),
        callback_rates(sums),
        wait_minutes(sums),
        honesty_shares(sums),
    ]
    table = pd.concat(parts, axis=1).replace([np.inf, -np.inf], np.nan)
    if errors is None:
        return table
    return clustered_intervals(table.join(errors))
