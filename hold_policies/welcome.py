"""The welcome: the first thing said in the queue, never a wait before it.

A caller joins the queue as soon as they ring (/voice/incoming answers a bare <Enqueue>), so
an agent already waiting in <Dial><Queue> takes them at once: Twilio interrupts the wait
document at the bridge, and that caller never hears "all our agents are helping other
callers". A caller who does wait hears the welcome first, at the start of their first wait
document, and then what the policy says from there, timed as if the welcome had taken its
time in line: the first check-in still comes `first_checkin_s` after joining, not that plus
the welcome's length.
"""

from __future__ import annotations

from dataclasses import replace

from hold_policies.base import HoldPolicy
from hold_policies.durations import segment_duration_s
from hold_policies.situation import Situation
from hold_policies.steps import Segment

WELCOME_WITHIN_S = 5.0
"""A first wait document is asked for as the caller joins (Twilio's QueueTime 0, and so is a
retry of that request). Any later one comes once the first has been heard, the welcome at
least, and a key's answer where keys are offered after it: seconds more than this."""


def is_first_document(queue_time_s: float, polls: int | None = None) -> bool:
    """Whether a wait request is a time in line's first, which opens with the welcome: by
    Twilio's QueueTime, and where the call log answers, by its count of the call's polls
    (this one included: a retried request counts once), so a caller hears it once."""
    return queue_time_s < WELCOME_WITHIN_S and (polls is None or polls <= 1)


def after_welcome(welcome: Segment, situation: Situation) -> Situation:
    """The caller's situation once the welcome has been said: that much longer in line (and
    since any check-in), so the pause that follows it ends when the first check-in is due."""
    said_s = segment_duration_s(welcome)
    since = situation.since_announcement_s
    return replace(situation, waited_s=situation.waited_s + said_s,
                   since_announcement_s=None if since is None else since + said_s)


def welcomed(welcome: Segment, segment: Segment) -> Segment:
    """`segment` opened by the welcome's words. It stays what it was (its kind, what it
    announces and the keys it offers): the welcome is no check-in, and is logged as none."""
    return replace(segment, steps=(*welcome.steps, *segment.steps))


def first_document(policy: HoldPolicy, situation: Situation) -> tuple[Segment, Segment]:
    """(the first wait document, the policy's own segment in it): the welcome, then what the
    policy says once it is said. The second is what the call log records."""
    welcome = policy.welcome()
    own = policy.next_segment(after_welcome(welcome, situation))
    return welcomed(welcome, own), own
