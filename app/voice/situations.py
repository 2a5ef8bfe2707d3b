"""Build the policy's Situation from Twilio's parameters and what the call log knows."""

from __future__ import annotations

from datetime import datetime

from app.storage.call_log import Poll
from app.voice.callers import number_to_call
from app.voice.forms import WaitForm
from hold_policies.config import HoldwellConfig, QueueConfig
from hold_policies.estimate import estimate_wait
from hold_policies.situation import Situation


def situation_from_poll(
    form: WaitForm, poll: Poll, config: HoldwellConfig, now: datetime, episode: int = 0,
    caller_id: str | None = None, *, settings: QueueConfig | None,
) -> Situation:
    """Twilio's position plus those ahead outside Twilio's count of this queue: older
    callbacks keeping their place, and older rejoined callers waiting in the rejoin queue
    (`poll.callbacks_ahead` counts both: app.storage.prepared.CALLBACKS_AHEAD).

    A caller back in line after a Twilio error (`episode` 1) has waited since their first
    entry, whatever Twilio's restarted QueueTime says. The line's closing time comes from
    the hours of the call's queue, `settings` (`Services.known_queue`: a queue removed since
    keeps its last hours): the callback policy promises nothing it cannot keep before then.
    Whether the caller's own number can be called back is read from `caller_id` (the
    request's From), else from the number the log kept when the call came in.

    A queue removed from the config offers no callback or message, as if the log could not
    store one: no agent of its own and no callback worker would keep it (its callers still
    wait, and any queue's agent takes them first).
    """
    estimate = config.estimate
    position = form.position + poll.callbacks_ahead
    call = poll.call
    waited = form.queue_time_s
    if episode and call.entered_at is not None:
        waited = max(waited, (now - call.entered_at).total_seconds())
    since = (now - call.last_announced_at).total_seconds() if call.last_announced_at else None
    return Situation(
        queue=call.queue,
        call_id=call.call_id,
        position=position,
        waited_s=waited,
        queue_size=form.queue_size + poll.callbacks_ahead,
        estimate=estimate_wait(position, poll.flow, queue_size=form.queue_size,
                               callbacks_ahead=poll.callbacks_ahead,
                               min_departures=estimate.min_departures,
                               confidence=estimate.confidence) if form.place_bounded else None,
        segments_heard=max(call.polls - 1, 0),
        announcements=call.announcements,
        since_announcement_s=since,
        told_position=call.told_position,
        position_known=form.position_given,
        closes_in_s=closes_in_s(settings, now),
        caller_id_callable=number_to_call(caller_id or call.from_number, config) is not None,
        log_answered=call.queue in config.queues,
    )


def situation_from_form(form: WaitForm, queue: str, config: HoldwellConfig,
                        now: datetime, caller_id: str | None = None, *,
                        settings: QueueConfig | None) -> Situation:
    """Without the call log: no history and no estimate, so the policy promises nothing, and
    no place where callers outside Twilio's count may be ahead (a caller told "you are next"
    with callbacks ahead heard no place again until they were there: a place once said never
    goes up); and no callback or message is offered, since none could be stored. `settings`:
    the queue's (`Services.known_queue`: a queue removed since keeps its last)."""
    return Situation(queue=queue, call_id=form.call_id, position=form.position,
                     position_known=form.position_given and not (
                         settings is not None and settings.keeps_places_twilio_cannot_count()),
                     waited_s=form.queue_time_s, queue_size=form.queue_size,
                     closes_in_s=closes_in_s(settings, now),
                     caller_id_callable=number_to_call(caller_id, config) is not None,
                     log_answered=False)


def closes_in_s(settings: QueueConfig | None, now: datetime) -> float | None:
    """Seconds until the queue whose `settings` these are closes (`QueueConfig.closes_in_s`;
    None for a queue nobody knows, as for one with no hours)."""
    return settings.closes_in_s(now) if settings is not None else None
