"""A frozen snapshot of one waiting caller's situation: the only thing a policy sees."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WaitEstimate:
    """How long this caller should still expect to wait, with its uncertainty.

    `expected_s` is the mean; `upper_s` is a conservative bound (a high quantile that also
    allows for the uncertainty of the measured queue speed). Callers are only ever told a
    band at or above `upper_s`.
    """

    expected_s: float
    upper_s: float
    departures_seen: int  # the answers the speed was measured from
    cautious_rate_per_s: float | None = None
    """The steady departure rate at which a Gamma(position) wait reaches `upper_s` at the
    estimate's confidence (hold_policies.promise sizes callback windows with it)."""
    callback_attempts: int = 0  # callback attempts the log has seen lately (hold_policies.promise)
    callbacks_answered: int = 0  # of which the customer answered


@dataclass(frozen=True)
class Situation:
    """Everything a policy may use to choose what the caller hears next."""

    queue: str
    call_id: str
    position: int  # 1 = next to be answered, counting older pending callbacks
    waited_s: float  # seconds in the queue so far
    queue_size: int
    estimate: WaitEstimate | None = None  # None: too little data to say anything honest
    segments_heard: int = 0  # wait documents served so far
    announcements: int = 0
    since_announcement_s: float | None = None  # None: never announced to this caller
    told_position: int | None = None  # the lowest position a check-in has said (None: never)
    position_known: bool = True
    """False when `position` is only a bound (Twilio's request lacked QueuePosition): it may
    size an estimate, never be said."""
    closes_in_s: float | None = None
    """Seconds until the queue's line next closes (0: closed now; None: it has no opening
    hours, or stays open beyond their search horizon). No callback is placed while the line
    is closed, so a callback promise must end by then (hold_policies.callback)."""
    callback_number: str = ""
    """A callback number the caller keyed in, as said ("4 1 5 ..."), when they confirm a
    callback to it: the confirmation names it. Empty for the caller's own number."""
    caller_id_callable: bool = True
    """Whether the caller's own number can be called back (False: withheld, or a number
    callbacks never dial). A message is a callback to it, so it is not offered them; a
    callback still is, to a number they key in."""
    log_answered: bool = True
    """False when the call log did not answer for this document (the database is away): a
    callback or a message asked for now could not be stored, and none is confirmed unless
    stored, so neither is offered (one asked for anyway is refused, and the caller keeps
    their place)."""
    offered_window_s: float | None = None
    """At a key press: the callback window (seconds) the document the key answers offered
    (Segment.offered_window_s), carried to the confirmation; None at a poll, or when the
    document offered no window. A callback confirmed is promised exactly that window."""
