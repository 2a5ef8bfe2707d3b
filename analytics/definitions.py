"""The definition printed next to every reported number (vendors differ; we state ours)."""

from __future__ import annotations

from analytics.promises import PROMISE_FATES, PROMISE_KEPT_RATE
from hold_policies.records import UNSERVED_FORMULA

SURVIVAL_TIMES_S = (60.0, 120.0, 300.0)  # "still willing to wait at 1, 2 and 5 minutes"

# field -> (unit, definition); {short} and {threshold} are the report's thresholds in seconds.
# Rates are fractions (0-1) in JSON; the text and HTML renderers show them as % (differences as
# percentage points).
_DEFINITIONS: dict[str, tuple[str, str]] = {
    "calls": (
        "calls",
        "calls that entered the queue; calls that never did (rang while closed, kept a pending "
        "callback, or hung up before any webhook placed them in line, e.g. during the "
        "greeting) are no queue's calls and are left out: the first two are counted apart, "
        "per group, in not_queued",
    ),
    "not_queued": (
        "calls",
        "calls of the report's period and queues that never joined a queue, left out of "
        "every queue figure and counted apart, per group (the `not_queued` section): those "
        "that rang while the line was closed (not_queued_closed; outcome closed) and those "
        "that rang back and kept a pending callback (not_queued_kept_callback; outcome "
        "kept_callback), by when they rang; from record files and the database alike. "
        "Counting them in a queue's rates would dilute every one (they never waited in it)",
    ),
    "closed": (
        "calls",
        "not_queued section: calls that rang while the group's queue was closed (its opening "
        "hours): told when it opens, never queued",
    ),
    "closed_callbacks_booked": (
        "calls",
        "not_queued section: of the closed calls, those that booked a callback for the "
        "opening (only a queue whose policy offers callbacks books them); the queue's "
        "callbacks_requested and callback rates do not count them",
    ),
    "closed_callbacks_connected": (
        "calls",
        "not_queued section: of the callbacks booked while closed, those that reached an "
        "agent (a record file's closed row says so with a callback_wait_s; the database's "
        "callback status connected)",
    ),
    "closed_callbacks_failed": (
        "calls",
        "not_queued section: of the callbacks booked while closed, those given up after every "
        "retry (the database's callback status failed); null from record files, whose rows do "
        "not say it (those are in closed_callbacks_not_connected)",
    ),
    "closed_callbacks_not_connected": (
        "calls",
        "not_queued section: closed_callbacks_booked − closed_callbacks_connected: failed, "
        "cancelled, or not dialled yet (due at an opening still to come, or being dialled)",
    ),
    "kept_callback": (
        "calls",
        "not_queued section: calls from a caller whose callback was pending, who kept it "
        "instead of queueing (the person is counted once, by the call that booked it)",
    ),
    "calls_in_progress": (
        "calls",
        "calls of the report's period and queues that had entered a queue but had no outcome "
        "or no policy when a database was read (still in line, their end not yet logged, or "
        "their first request still in a host's journal while later webhooks made the row): "
        "in no figure; reports on record files do not have it",
    ),
    "unserved_rate": (
        "fraction",
        f"PRIMARY, intention to treat: {UNSERVED_FORMULA}, "
        "over every caller who reached the queue whatever they chose later; policies and arms "
        "are compared on this; error (thrown out of the queue by a Twilio error) and overflow "
        "(past the maximum wait or a full queue, offered a callback or message, took neither) "
        "are callers lost, never served; left (a callback still pending, or out of line "
        "without one) and voicemail (a message still to be called back) are not counted "
        "unserved: they have their own rows; "
        "95% CI allows for calls close in time moving together (clustered_by): cluster-robust "
        "by day (on the report's clock, as the day breakdown's) when the group has 20 days, "
        "else batch means over batches contiguous in "
        "entry time (20 from 600 calls, one per 30 calls from 300, 10 from 50 calls), never "
        "narrower than the Wilson score interval; with fewer calls and days ('none') the "
        "Wilson score interval, which takes calls as independent",
    ),
    "unsettled": (
        "calls",
        "calls that may yet be lost: out of line with a callback still pending (not "
        "withdrawn), or a message not yet called back; not counted unserved today, so a "
        "verdict is 'not decided yet' while the lower group's, were every one lost, would put "
        "its unserved rate at or above the other group's",
    ),
    "abandonment_rate": (
        "fraction",
        "secondary, Twilio/ACD-style: abandoned / (calls − callback takers); callers who chose "
        "a callback never count as abandoned; a caller answered in line before their callback "
        "was placed is answered, not a callback taker. Not for comparing policies that offer "
        "callbacks: who takes one is decided after randomisation (patient callers do), so the "
        "denominator is a selected subset; 95% CI as for the unserved rate",
    ),
    "abandonment_rate_short_excluded": (
        "fraction",
        "secondary: (abandoned − abandoned before {short} s) / (calls − callback takers − "
        "abandoned before {short} s): hang-ups that quick count in neither numerator nor "
        "denominator",
    ),
    "short_abandons": (
        "calls",
        "abandoned before {short} s (--short-abandon): left out of both sides of "
        "abandonment_rate_short_excluded only; in every other figure as abandoned",
    ),
    "callback_takers": (
        "calls",
        "callers who chose a callback and were not answered in line before it was placed "
        "(callbacks_requested − callbacks_answered_first): the callers abandonment_rate "
        "leaves out of its denominator",
    ),
    "reconciliation": (
        "calls",
        "answered + abandoned + callbacks (connected + failed) + left + error + overflow + "
        "voicemail = calls, the outcome rows shown; 'left' includes callbacks still pending",
    ),
    # the outcome counts the table shows and the JSON carries (n_<outcome>), and the older
    # names the JSON keeps beside them: undefined, an analyst could not tell `abandoned` from
    # `n_abandoned` or say what `unserved` added up
    "unserved": (
        "calls",
        "n_abandoned + n_callback_failed + n_error + n_overflow: the calls unserved_rate "
        "counts as lost",
    ),
    "n_answered": (
        "calls",
        "outcome answered: taken by an agent while in line, callers answered before their "
        "callback was placed included (`answered` in the JSON is the same count)",
    ),
    "n_abandoned": (
        "calls",
        "outcome abandoned: hung up while waiting in line, short abandons included; a caller "
        "who chose a callback is none (`abandoned` in the JSON: these less any whose record "
        "also asks for a callback, the abandonment rate's numerator)",
    ),
    "n_callback_connected": (
        "calls",
        "outcome callback_connected: left the line for a callback that reached an agent "
        "(`callbacks_connected` in the JSON counts connected callbacks)",
    ),
    "n_callback_failed": (
        "calls",
        "outcome callback_failed: a callback given up after every retry; unserved "
        "(`callbacks_failed` in the JSON is the same count)",
    ),
    "n_left": (
        "calls",
        "outcome left: out of line without an answer or a loss, a callback still pending "
        "among them; not unserved (see unsettled)",
    ),
    "n_error": (
        "calls",
        "outcome error: thrown out of the queue by a Twilio error (in a simulation, turned "
        "away by a full queue with no overflow offer); unserved (`errors` in the JSON is the "
        "same count)",
    ),
    "n_overflow": (
        "calls",
        "outcome overflow: past the maximum wait or a full queue, offered a callback or a "
        "message, took neither; unserved, never abandoned",
    ),
    "n_voicemail": (
        "calls",
        "outcome voicemail: left a message not yet called back; not unserved (see unsettled)",
    ),
    "clustered_by": (
        "method",
        "how this group's 95% intervals of the unserved and abandonment rates, service "
        "levels, ASA and time to serve allow for calls close in time moving together: "
        "cluster-robust by day on the report's clock (settings.timezone, `--timezone`, UTC "
        "by default; 20 days or more), batch means over time batches (20 "
        "from 600 calls, one per 30 calls from 300, 10 from 50 calls; in at least 10 distinct "
        "minutes), or none (the Wilson score "
        "interval for rates, mean ± t·sd/√n for ASA and time to serve, calls taken as "
        "independent). The Kaplan–Meier bands (patience, still willing to wait) always take "
        "calls as independent",
    ),
    "service_level": (
        "fraction",
        "answered within {threshold} s / answered; 95% CI as for the unserved rate (a busy "
        "hour answers late together). Callers answered in line only: a policy that sends "
        "its long waiters to callbacks leaves them out, so compare such policies on "
        "served_in_time_rate",
    ),
    "service_level_with_abandons": (
        "fraction",
        "(answered within {threshold} s + abandoned within {threshold} s) / (answered + "
        "abandoned): Asterisk's SL2, where a hang-up within {threshold} s counts as met, so "
        "quick hang-ups raise it (unlike `staffing --target-service-level`, where every "
        "abandon is a miss)",
    ),
    "asa_s": (
        "s",
        "average speed of answer: mean wait of answered calls; 95% CI mean ± t·se, the "
        "standard error clustered as for the unserved rate (a busy hour's waits are long "
        "together), never narrower than mean ± t·sd/√n over calls. Callers answered in line "
        "only: a policy that sends its long waiters to callbacks leaves their waits out, so "
        "compare such policies on time_to_serve_s",
    ),
    "served_in_time_rate": (
        "fraction",
        "(answered within {threshold} s + callbacks connected within {threshold} s of "
        "entering the queue) / calls: intention to treat, every caller who reached the queue "
        "in the denominator, a callback at its real wait; the service level to compare "
        "policies that offer callbacks on; 95% CI as for the unserved rate; n/a where a "
        "connected callback without its time left the line within {threshold} s "
        "(callbacks_untimed_within: whether it was served in time is unknown; one that left "
        "later was not, since a callback connects after its caller left the line)",
    ),
    "time_to_serve_s": (
        "s",
        "mean time from entering the queue to an agent of callers served: answered in line "
        "at their wait, a connected callback at entering -> connected; the ASA to compare "
        "policies that offer callbacks on; 95% CI as for ASA; n/a where a connected "
        "callback has no such time (callbacks_untimed): left out, the mean would be the "
        "answered callers' alone",
    ),
    "callbacks_untimed": (
        "calls",
        "connected callbacks with no callback_wait_s (entering the queue -> connected): "
        "served, but when is unknown, so time_to_serve_s is n/a for the group (and said in "
        "warnings)",
    ),
    "callbacks_untimed_within": (
        "calls",
        "of callbacks_untimed, those whose caller left the line within {threshold} s: they "
        "may have been served within it, so served_in_time_rate is n/a for the group",
    ),
    "warnings": (
        "sentences",
        "(JSON, and the text and HTML reports' heads) what makes a figure n/a or less than "
        "it seems, per group: connected callbacks without callback_wait_s",
    ),
    "mean_time_to_abandon_s": ("s", "mean wait of callers who hung up while waiting"),
    "median_time_to_abandon_s": ("s", "median wait of callers who hung up while waiting"),
    "median_patience_s": (
        "s",
        "Kaplan–Meier median patience: abandonment is the event; answered, callback, left and "
        "error calls are censored at their wait; 95% CI from the KM confidence bands; "
        "'not reached' when over half the callers were still willing to wait at the longest wait; "
        "an empty (JSON: null) high end of the CI is no upper bound (∞ in the text report): "
        "the band never fell below half within the longest wait; "
        "like every KM band, it takes calls as independent (narrower than the rates')",
    ),
    "median_patience_reached": (
        "true/false",
        "(JSON) whether the Kaplan–Meier curve fell to half within the longest wait: false "
        "when median_patience_s is 'not reached' (null)",
    ),
    **{
        f"still_waiting_{t:g}s": (
            "fraction",
            f"Kaplan–Meier share of callers still willing to wait at {t:g} s in queue, with its "
            "95% band (Greenwood, log-log); before the first abandon, where that band is "
            "[100%, 100%], the low end is the exact binomial bound (α/2)^(1/n) with n the "
            f"callers whose wait reached {t:g} s; where every caller still waiting hung up "
            "(0%, and from then on), the band [0%, 0%] has as its high end the mirror bound "
            "1 − (α/2)^(1/n), n the callers waiting at those hang-ups; empty past the longest "
            "observed wait unless the curve fell to 0% by then",
        )
        for t in SURVIVAL_TIMES_S
    },
    "callbacks_requested": ("calls", "callers who chose a callback"),
    "callbacks_given_band": ("calls", "callbacks whose caller was told a wait before choosing "
                             "(a recorded promised wait), answered first excluded: the "
                             "promises a callback had to keep"),
    "callbacks_answered_first": (
        "calls",
        "callers who chose a callback but were answered in line before it was placed; the "
        "outcome decides: they count as answered (ASA, service level) and are no callback "
        "takers (they stay in the abandonment denominator)",
    ),
    "callback_acceptance_rate": (
        "fraction",
        "callbacks requested / calls, every call whether or not it heard the offer (the "
        "field keeps its old name; `holdwell fit`'s acceptance is requested / callers who "
        "heard an announcement under the callback policy, the offer's take-up)"),
    "callback_completion_rate": (
        "fraction",
        "callbacks connected to an agent / (callbacks connected + callbacks failed): of "
        "the callbacks whose placing is decided; one still pending (a caller out of line, "
        "counted in left and unsettled) or withdrawn before it was rung is neither, and left "
        "out, as the promise-kept rate and `holdwell fit`'s completion leave them out",
    ),
    "callbacks_promise_pending": (
        "calls",
        "callbacks given a band still open: neither connected, failed nor cancelled when "
        "the log was read (still to be rung), so whether the promise is kept is not "
        f"known; left out of the kept rate ({PROMISE_FATES})",
    ),
    "callbacks_promise_cancelled": (
        "calls",
        "callbacks given a band cancelled before they were rung (an operator cancelled "
        "them, or the caller rang again and chose to wait): the promise was withdrawn, "
        "neither kept nor broken, and not still open; left out of the kept rate "
        "(the record's callback_cancelled; records without that column: 0)",
    ),
    "callback_promise_kept_rate": (
        "fraction",
        f"{PROMISE_KEPT_RATE}; the band is a recorded promised wait, counted from entering "
        "the queue; n/a when no callback carries a decided promise (records without "
        "callback_promised_wait_s say nothing of promises)",
    ),
    "caller_wait_minutes": ("min", "sum of every caller's wait in the queue, abandoners included"),
    "breakdowns": (
        "calls, fraction, s",
        "(JSON and HTML) each group's calls per hour of day (hour_of_day) and per date "
        "(day), on the report's clock (settings.timezone, `--timezone`, UTC by default): "
        "calls, unserved, unserved_rate, abandonment_rate, asa_s and "
        "time_to_serve_s as defined above; "
        "unserved_rate_ci_low/high is the 95% Wilson score interval of that one bucket, which "
        "takes its calls as independent, so it is narrower than the clustered interval of the "
        "group's unserved_rate and is no test between buckets or groups",
    ),
    "told_waits": (
        "tellings, fraction",
        "(with the call log's events: a database's, or --events) every wait told to a "
        "caller, per group and by the place in line told with it (positions: all, then 1–3, "
        "4–10, 11–30, 31+, not said): a telling at t sets the deadline t + the wait told; "
        "scored = tellings whose caller was answered by the deadline or still waiting at "
        "it (those who left the line before it, and callback takers' tellings, are not "
        "scored); late = scored tellings whose caller was still waiting at the deadline; "
        "late_share = late / scored. Every telling, where kept_longer_than_told_share scores "
        "each caller's first",
    ),
    "announced_calls": (
        "calls",
        "callers told an estimated wait (first_announced_wait_s set), callback takers and "
        "callbacks excluded: the callers the two honesty figures below score",
    ),
    "announced_wait_mean_error_s": (
        "s",
        "mean of (actual wait − announced deadline) over answered callers who heard an "
        "estimate, where deadline = time in queue when first told + first announced wait; "
        "positive = kept longer than told; records without first_announced_at_s (only "
        "DESIGN.md's columns) are taken as told on entering, which makes an estimate said "
        "later look kept longer than it was",
    ),
    "kept_longer_than_told_share": (
        "fraction",
        "callers still waiting at the deadline of their first announced wait / (those + callers "
        "answered by it); callbacks, and callers who left before the deadline, are excluded",
    ),
    "difference": (
        "fraction",
        "rate of a − rate of b (same queue), for the unserved rate (primary) and the secondary "
        "abandonment rates; 95% CI: the Newcombe hybrid score CI, widened to the difference ± "
        "t·sqrt(se_a² + se_b²) from the rates' clustered errors (Welch df) when both have "
        "them; p: the pooled two-proportion z-test, or Fisher's exact test when an expected "
        "cell count is below 5, or the clustered t-test's if larger (`test` names the one "
        "reported: z, Fisher exact, clustered t or paired t), "
        "Holm-adjusted across pairs of the same metric; the verdict names the group "
        "with the lower unserved rate when its Holm p < 0.05 (unless it is 'not decided "
        "yet': see unsettled; unsettled_a, unsettled_b count them), is 'not compared: too few "
        "calls' below 30 calls in either group, and is 'not compared: ran on different "
        "days' unless at least half of each group's calls fell on days the two shared "
        "(calls_together: [share of a's calls, share of b's]; days_together: [days shared, "
        "days either had], days on the report's clock: settings.timezone, `--timezone`, UTC "
        "by default, as the day breakdown's); a day is shared when each group had at least "
        "a quarter of its usual share of the pair's calls that day, so a few stray calls of "
        "one policy do not make a day shared: a before/after switch differs in load and "
        "staffing as much as in policy; compare policies in an experiment (randomised arms "
        "share their days). "
        "same_callers: the two groups are one set of callers run under each policy (a "
        "simulation: `compare --out`, or `compare --engine twilio --sim-db`, which runs each "
        "on a virtual day of its own), seen as `compare` sees them: the same number of calls "
        "(10 at least) whose entry times, sorted, are every one the other's plus one fixed "
        "offset to the millisecond, caller i of one being caller i of the other, and not a "
        "regular grid (moved one caller along, under half line up again: on a grid who is "
        "who cannot be told); such groups are compared whatever their days, and their "
        "unserved rates are compared caller by caller (paired: true; pairing: 'paired: the "
        "same callers under each policy'; test 'paired t'), as `holdwell compare` gives "
        "unserved_vs_first: the 95% CI and p from the paired t test on the callers' "
        "differences, its standard error the larger of sd/sqrt(n) over callers (n − 1 df) "
        "and batch means of the differences (20 batches contiguous in entry time, or the "
        "days when 20, as the rates' intervals), Holm-adjusted with the other pairs; the "
        "relative risk's interval and the secondary rates stay unpaired; a group of over "
        "100,000 calls is never paired (only that many entry times are kept)",
    ),
    "verdict_note": (
        "sentence",
        "(primary rows) why the 95% interval of the difference excludes 0 beside 'no clear "
        "difference', when it does: that interval is the pair's alone, while the verdict "
        "reads the Holm-adjusted p of the test named, over every pair of the report; null "
        "otherwise",
    ),
    "relative_risk": (
        "ratio",
        "rate of a / rate of b; 95% Katz log CI (when every call of a group is an event, "
        "Katz on the counts with 0.5 added to each cell, so 100% vs 100% is not [1, 1]), "
        "widened like the difference's when both rates have clustered errors: log ratio ± "
        "t·sqrt((se_a/rate_a)² + (se_b/rate_b)²), Welch df; empty when either group has no "
        "events",
    ),
    "logrank_p_value": (
        "p",
        "log-rank test that a and b share one patience curve, once per pair, Holm-adjusted "
        "across pairs",
    ),
    "calls_per_arm": (
        "calls",
        "calls per arm for a two-sided two-proportion z-test at level alpha with the stated power "
        "to detect the stated drop in the unserved rate from the baseline rate (Fleiss formula), "
        "times the design effect; the baseline (sample_size.baseline) is the largest music_ads "
        "group, else every call of the queue with the most calls (one queue's, never several "
        "queues' pooled)",
    ),
    "calls_per_arm_if_independent": (
        "calls",
        "calls_per_arm before the design effect: what independent calls would need",
    ),
    "design_effect": (
        "ratio",
        "the baseline's clustered variance of its unserved rate over the binomial variance "
        "(p(1−p)/n), at least 1; 1 when the calls were too few to cluster (clustered_by none)",
    ),
}


def definitions(short_abandon_s: float, service_threshold_s: float) -> dict[str, dict[str, str]]:
    """Definitions with the report's thresholds filled in, keyed by report field."""
    values = {"short": f"{short_abandon_s:g}", "threshold": f"{service_threshold_s:g}"}
    return {
        field: {"unit": unit, "definition": text.format(**values)}
        for field, (unit, text) in _DEFINITIONS.items()
    }


def unit(field: str) -> str:
    """The unit a field is reported in ('' if it has none)."""
    return _DEFINITIONS.get(field, ("", ""))[0]
