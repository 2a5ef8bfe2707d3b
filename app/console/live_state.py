"""The wallboard's numbers, one function for the page and for GET /api/v1/queues."""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.api.models import QueuesResponse, QueueState, TodayStats, WaitingCaller
from app.console.preview_arms import shares
from app.services import Services
from app.storage import config_versions, read, wallboard
from hold_policies.config import HoldwellConfig, QueueConfig
from hold_policies.hours import start_of_day
from hold_policies.records import SERVICE_LEVEL_S, UNSERVED, Outcome

SERVICE_THRESHOLD_S = SERVICE_LEVEL_S  # shown on the page


def queue_zone(config: QueueConfig | None) -> str:
    """A queue's clock: its opening hours' time zone; UTC for one open around the clock."""
    return config.clock_zone if config is not None else "UTC"


def line_timezone(config: HoldwellConfig) -> str:
    """The clock the line keeps, for what shows every queue together (the console's pages,
    the twin): the default queue's opening-hours zone, else the first queue's that has
    hours, else UTC (a line with no hours gave none)."""
    queues = [config.queues[config.default_queue], *config.queues.values()]
    return next((queue.hours.timezone for queue in queues if queue.hours), "UTC")


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def today_stats(counts: wallboard.DayCounts, since: datetime, zone: str) -> TodayStats:
    """Rates over today's call records (finished calls that entered the queue, as the report
    counts them); unserved is the project's one definition, hold_policies.records.UNSERVED."""
    get = counts.by_outcome.get
    unserved = sum(get(outcome, 0) for outcome in UNSERVED)
    return TodayStats(
        calls=counts.calls, answered=get(Outcome.ANSWERED, 0),
        abandoned=get(Outcome.ABANDONED, 0),
        callbacks_connected=get(Outcome.CALLBACK_CONNECTED, 0),
        callbacks_failed=get(Outcome.CALLBACK_FAILED, 0), unserved=unserved,
        unserved_rate=_ratio(unserved, counts.calls),
        served_in_time_rate=_ratio(counts.served_within, counts.calls),
        time_to_serve_s=_ratio(counts.served_wait_s, counts.served),
        service_level=_ratio(counts.answered_within, get(Outcome.ANSWERED, 0)),
        service_threshold_s=SERVICE_THRESHOLD_S,
        asa_s=_ratio(counts.answered_wait_s, counts.answered_timed), since=since,
        timezone=zone)


REMOVED = "(removed from the config)"
"""The policy shown for a queue the log has and the config no longer names."""


def queue_state(conn, svc: Services, queue: str, now: datetime) -> QueueState:  # noqa: ANN001
    line = wallboard.waiting(conn, queue, now)
    told = wallboard.last_told(conn, [w.call_id for w in line])
    margin = timedelta(seconds=svc.config.callbacks.at_risk_margin_s)
    pending, at_risk, not_yet_due = wallboard.callback_counts(conn, queue, now, now + margin)
    waiting_count, longest_since = wallboard.line_now(conn, queue, now)
    configured = svc.config.queues.get(queue)
    zone = queue_zone(svc.known_queue(queue))  # a removed queue's day: its last hours' clock
    since = start_of_day(now, ZoneInfo(zone))
    counts = wallboard.day_counts(conn, queue, since, SERVICE_THRESHOLD_S)
    ahead = wallboard.callbacks_keeping_place(conn, queue, line[-1].line_since) if line else []
    callers = [WaitingCaller(call_id=w.call_id, position=i + 1 + bisect_left(ahead, w.line_since),
                             waited_s=_waited_since(w.entered_at, now),
                             last_told=told.get(w.call_id)) for i, w in enumerate(line)]
    return QueueState(queue=queue, policy=configured.policy if configured else REMOVED,
                      split=shares(configured) if configured else {},
                      waiting=callers,
                      waiting_count=waiting_count,
                      longest_wait_s=_waited_since(longest_since, now),
                      callbacks_pending=pending, callbacks_at_risk=at_risk,
                      callbacks_not_yet_due=not_yet_due,
                      today=today_stats(counts, since, zone))


def _waited_since(entered_at: datetime | None, now: datetime) -> float | None:
    """Seconds since `entered_at`, as the board shows a wait (to the tenth)."""
    return None if entered_at is None else round((now - entered_at).total_seconds(), 1)


def live_state(svc: Services) -> QueuesResponse:
    """Every configured queue now, in one connection, then any queue since removed from the
    config that still has callers waiting, callbacks owed or calls today (Twilio still
    serves its callers; the board had shown nobody waiting for them)."""
    now = svc.clock.now()
    with svc.store.engine.connect() as conn:
        queues = [queue_state(conn, svc, name, now) for name in svc.config.queues]
        removed = [queue_state(conn, svc, name, now) for name in read.queues_in_log(conn)
                   if name not in svc.config.queues]
        queues += [state for state in removed if state.waiting_count
                   or state.callbacks_pending or state.today.calls]
        version = config_versions.active_number(conn)
    return QueuesResponse(as_of=now, config_version=version, queues=queues)
