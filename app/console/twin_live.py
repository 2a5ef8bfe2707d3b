"""The twin of the live line: the app's own call log, read for a bounded window and fitted.

The window is the log's last `window_days` days, counted back from its newest finished call
(of those the fit reads: calls that entered a queue, `read.is_record`);
a window holding more than `MAX_CALLS` calls is refused (the CLI's `holdwell fit` has no such
limit), and one holding fewer than `MIN_CALLS` too, since nothing in it would be worth
fitting.

The cache: each worker process keeps its last `KEPT_FITS` fits (the oldest fitted goes first),
keyed by database, window and the log's state (its newest finished call and its count), so a
what-if after a what-if does not fit again and a new call makes the next request refit. A fit
found there is answered at once; one that must be made is heavy work, bounded by
`twin_limits`: one at a time per process (else 429) and stopped at HOLDWELL_TWIN_LIMIT_S (409).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from flask import current_app
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from app.console.live_state import line_timezone
from app.console.twin_limits import Deadline, TwinProblem, limit_s, one_at_a_time
from app.storage import read
from app.storage.db import make_engine
from app.storage.schema import calls
from app.storage.sqlstates import QUERY_CANCELED, sqlstate_of

if TYPE_CHECKING:
    import pandas as pd

    from app.services import Services
    from hold_policies.config import HoldwellConfig
    from simulator.twin import Twin

T = TypeVar("T")
MIN_CALLS = 100
MAX_CALLS = 200_000
KEPT_FITS = 4


class EmptyLog(TwinProblem):
    """No finished call in the log yet (a new line): the API's 409 as before, while the
    console's page says so as its other pages say an empty log, with a 200."""


@dataclass(frozen=True)
class LiveTwin:
    twin: Twin
    records: pd.DataFrame
    window_days: int
    days: int  # dates (line's clock) the window has calls on: a backtest's days

    @property
    def backtest_days_max(self) -> int:
        """Held-out days a backtest can have: two training days at least, at most 14."""
        return max(0, min(14, self.days - 2))


def _window(engine: Engine, window_days: int) -> tuple[datetime, datetime, int]:
    """(newest finished call, start of the window, calls in it), of the calls the fit reads
    (`read.is_record`): counting every call with an outcome had counted calls that rang
    while the line was closed, which the fit leaves out, as calls to fit."""
    finished = read.is_record()
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(calls.c.arrived_at)).where(*finished)).scalar()
        if newest is None:
            raise EmptyLog("the call log has no finished calls yet that entered a queue: "
                           "the twin is fitted from the calls this line has answered and "
                           "lost")
        since = newest - timedelta(days=window_days)
        count = conn.execute(select(func.count()).select_from(calls).where(
            *finished, calls.c.arrived_at > since)).scalar()
    return newest, since, int(count)


def _read(engine: Engine, since: datetime) -> pd.DataFrame:
    """The window's records with talk times and callback attempts, as `holdwell fit` reads
    them."""
    query = read.record_query().where(calls.c.arrived_at > since)
    return read.records_frame(engine, query, for_twin=True)


FIT_ADVICE = "choose fewer days (`window_days`), or run `holdwell fit` on the log"


def _within_limit(read_log: Callable[[], T], deadline: Deadline) -> T:
    """`read_log()`, or the deadline's TwinProblem when PostgreSQL stopped it at the twin's
    statement timeout (SQLSTATE 57014) rather than a 500."""
    try:
        return read_log()
    except OperationalError as error:
        if sqlstate_of(error) != QUERY_CANCELED:
            raise
        raise deadline.stopped() from None


def live_twin(svc: Services, window_days: int, deadline: Deadline | None = None) -> LiveTwin:
    """The twin fitted from the log's last `window_days` days (kept until the log changes).
    The bootstrap behind its standard errors is seeded with 0: the what-if's seed draws
    callers, it does not refit. A what-if passes its own deadline, so one limit bounds both.

    The deadline runs from here, over the count, the read and the fit: each statement is
    stopped (PostgreSQL's statement timeout) at what is left when it starts, and the
    deadline is checked between steps and inside the fit, so a slow database answers the
    409 at the limit. The webhooks' 3 s had stopped a month's read with a 500, and a whole
    limit per statement (later, per step) had let several pass."""
    deadline = deadline or Deadline(limit_s(svc), FIT_ADVICE)
    engine = make_engine(svc.settings.database_url, statement_left=deadline.remaining_s,
                         creates_file=False)
    try:
        newest, since, count = _within_limit(lambda: _window(engine, window_days), deadline)
        if count < MIN_CALLS:
            raise TwinProblem(f"the log's last {window_days} day(s) hold {count} finished "
                              f"call(s) that entered a queue; the twin needs at least "
                              f"{MIN_CALLS} (with answered calls and hang-ups) to say "
                              "anything: wait for more calls, or widen the window")
        if count > MAX_CALLS:
            raise TwinProblem(f"the log's last {window_days} day(s) hold {count:,} calls, more "
                              f"than the console fits ({MAX_CALLS:,}): choose fewer days, or "
                              "run `holdwell fit` on the whole log", 422, "window_days")
        kept = current_app.extensions.setdefault("holdwell_twins", OrderedDict())
        zone = line_timezone(svc.config)
        key = (svc.settings.database_url, window_days, newest, count, zone,
               config_digest(svc.config))  # the take-up is fitted under the queue's policy
        found = kept.get(key)
        if found is not None:
            return found
        with one_at_a_time(deadline):
            found = kept.get(key)  # fitted by the request that held the slot before us
            if found is None:
                found = _fit(svc.settings.database_url, since, window_days, deadline, zone,
                             svc.config)
                kept[key] = found
                while len(kept) > KEPT_FITS:
                    kept.popitem(last=False)
            return found
    finally:
        engine.dispose()


TAKE_UP_SHARE = 0.5
"""The callback take-up's simulations stop once less than this share of the console's limit
is left (a what-if shares the deadline): the twin then keeps the assumed take-up, and says so."""


class _OutOfTime(Exception):
    pass


def config_digest(config: HoldwellConfig) -> str:
    """The config as one short string, for the fits' cache key: a changed config is another
    fit (its callback settings shape the fitted take-up)."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()


def busiest_queue(config: HoldwellConfig, records: pd.DataFrame) -> str:
    """The configured queue most of the records' calls waited in (else the default queue):
    the one whose words and knobs the twin's simulations use."""
    counts = records["queue"].astype(str).value_counts()
    return next((q for q in counts.index if q in config.queues), config.default_queue)


def _with_take_up(twin: Twin, records: pd.DataFrame, deadline: Deadline,
                  config: HoldwellConfig) -> Twin:
    """The twin with its callback take-up fitted to the measured acceptance under the callback
    policy as the busiest queue configures it, on the scenario the console's what-ifs run
    (the queue's hours, estimates, resume rule and size laid on it, as `holdwell fit --config`
    does), within what the console's limit leaves (else the assumption, said as such).
    Holdwell's default callback settings had been fitted to, so a queue with other knobs got a
    take-up its own what-ifs did not reproduce (review 40, R3); and the bare fitted day, so a
    queue with hours or a size fitted another take-up than `holdwell fit --config`."""
    from dataclasses import replace
    from functools import partial

    from simulator.as_run import as_the_queue_runs
    from simulator.fit_results import ASSUMED_TAKE_UP
    from simulator.fit_take_up import fit_take_up
    from simulator.run import policy_named

    def in_time(*_: object) -> None:
        if deadline.remaining_s() < TAKE_UP_SHARE * deadline.limit_s:
            raise _OutOfTime

    try:
        in_time()
        queue = busiest_queue(config, records)
        return replace(twin, take_up=fit_take_up(
            twin, records, policy=policy_named("callback", config, queue), seed=0,
            progress=in_time, prepare=partial(as_the_queue_runs, config=config, queue=queue)))
    except _OutOfTime:
        return replace(twin, take_up=replace(ASSUMED_TAKE_UP, note=(
            "the console's time limit ran out before the take-up was fitted to the measured "
            "acceptance: run `holdwell fit` on the log, which fits it")))


def _fit(url: str, since: datetime, window_days: int, deadline: Deadline,
         zone: str, config: HoldwellConfig) -> LiveTwin:
    """Read the window (each statement within what is left of the deadline) and fit it on
    the line's clock (`zone`), checking the deadline between steps and inside the fit."""
    from simulator.line_clock import on_line_clock
    from simulator.scenario import ScenarioError
    from simulator.scenario_file import as_stored
    from simulator.twin import fit_twin

    deadline()
    engine = make_engine(url, statement_left=deadline.remaining_s, creates_file=False)
    try:
        records = _within_limit(lambda: _read(engine, since), deadline)
    finally:
        engine.dispose()
    deadline()
    try:
        twin = fit_twin(records, seed=0, progress=deadline, timezone=zone)
    except ScenarioError as error:
        raise TwinProblem(f"the log cannot be fitted: {error}") from None
    twin = as_stored(_with_take_up(twin, records, deadline, config))  # as `fit` writes it
    dates = on_line_clock(records, zone)["entered_at"].dt.normalize().nunique()
    return LiveTwin(twin, records, window_days, int(dates))
