"""When the callbacks worker last ran: noted by each round, read by /healthz and the console.

Why: `holdwell callbacks` (the Procfile's `worker:`) is the backstop of every callback
promise (it frees claims whose agent call died unheard, checks ended claims and booking
calls with Twilio, rings customer-first callbacks, texts customers it could not reach,
replays the journal). When it stopped, nothing said so, and promises lapsed unseen. Each
round notes that it ran (one row per host); a reader says the worker is *silent* when no
host finished a round within SILENT_AFTER_ROUNDS of its own interval (and at least
SILENT_AFTER_S), or none ever did, while callbacks are outstanding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, Engine, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app.number_mask import without_numbers
from app.storage.db import as_utc
from app.storage.prepared import OUTSTANDING
from app.storage.schema import callbacks, worker_rounds

SILENT_AFTER_ROUNDS = 4
"""Rounds a worker may miss before it counts as silent: a slow round (Twilio's timeouts,
a long REST placement) or a short database outage (its backoff reaches 60 s) is not one."""
SILENT_AFTER_S = 120.0
"""...and never less than this: a worker run with `--interval 1` is not silent after 4 s."""


@dataclass(frozen=True)
class WorkerRound:
    """The newest row: which host ran last, when it last finished a round, and why not."""

    host: str
    pid: int
    interval_s: float
    started_at: datetime
    last_round_at: datetime
    last_ok_at: datetime | None
    problem: str | None

    def silent_s(self, now: datetime) -> float:
        """How long since a round finished (since it started, if none has)."""
        return (now - (self.last_ok_at or self.started_at)).total_seconds()

    def is_silent(self, now: datetime) -> bool:
        return self.silent_s(now) > max(SILENT_AFTER_ROUNDS * self.interval_s, SILENT_AFTER_S)


def note_round(engine: Engine, *, host: str, pid: int, interval_s: float,
               started_at: datetime, now: datetime, ok: bool,
               problem: str | None = None) -> None:
    """This host's worker ran a round at `now` (`ok`: it finished; else `problem` says why).
    The problem is kept with callers' numbers masked (Twilio's refusals quote the number):
    /healthz, which answers anyone, says it, and `holdwell privacy` does not read this table."""
    problem = None if problem is None else without_numbers(problem)
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    values = {"host": host, "pid": pid, "interval_s": interval_s, "started_at": started_at,
              "last_round_at": now, "problem": problem, "last_ok_at": now if ok else None}
    statement = dialect.insert(worker_rounds).values(**values)
    kept = {name: statement.excluded[name] for name in values
            if name != "host" and (ok or name != "last_ok_at")}  # a failed round keeps when
    # the host last finished one (an earlier process's, if this one has not yet)
    with engine.begin() as conn:
        conn.execute(statement.on_conflict_do_update(index_elements=["host"], set_=kept))


def newest_round(conn: Connection) -> WorkerRound | None:
    """The row of the host whose worker finished a round last (or ran one last); None: no
    worker ever ran against this database. When another host ran a round since and it
    failed, its time and problem stand in as the last round's."""
    row = conn.execute(select(worker_rounds).order_by(
        worker_rounds.c.last_ok_at.desc().nulls_last(),
        worker_rounds.c.last_round_at.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    found = WorkerRound(host=row["host"], pid=row["pid"], interval_s=row["interval_s"],
                        started_at=as_utc(row["started_at"]),
                        last_round_at=as_utc(row["last_round_at"]),
                        last_ok_at=as_utc(row["last_ok_at"]), problem=row["problem"])
    # Another host ran since, and failed (a worker restarted on a new host, each of its
    # rounds failing): its failure is the one to tell, not this row's silence alone.
    later = conn.execute(select(worker_rounds.c.last_round_at, worker_rounds.c.problem).where(
        worker_rounds.c.last_round_at > row["last_round_at"],
        worker_rounds.c.problem.is_not(None),
        or_(worker_rounds.c.last_ok_at.is_(None),
            worker_rounds.c.last_ok_at < worker_rounds.c.last_round_at)).order_by(
        worker_rounds.c.last_round_at.desc()).limit(1)).first()
    if later is None:
        return found
    return replace(found, last_round_at=as_utc(later.last_round_at), problem=later.problem)


def outstanding_callbacks(conn: Connection) -> int:
    """Callbacks promised and not yet kept (pending, claimed, or a customer on the line)."""
    return conn.execute(select(func.count()).select_from(callbacks).where(
        callbacks.c.status.in_(OUTSTANDING))).scalar_one()


def round_and_outstanding(conn: Connection, now: datetime) -> tuple[WorkerRound | None, int]:
    """The newest round, and the outstanding callbacks where `worker_warning` needs them (no
    worker ever ran, or it fell silent); 0 otherwise: /healthz, polled by load balancers,
    counts no callbacks while the worker runs (no index leads with their status)."""
    latest = newest_round(conn)
    needed = latest is None or latest.is_silent(now)
    return latest, outstanding_callbacks(conn) if needed else 0


def worker_warning(latest: WorkerRound | None, outstanding: int, now: datetime, *,
                   to_anyone: bool = False) -> str | None:
    """What to tell an operator: the worker silent (or never run) while callbacks wait on
    it, or running with a problem (REST placement impossible, its last round failed); None
    when all is well. Names no host. `to_anyone` (/healthz, unauthenticated): a failed
    round's error, the exception's own words, is left to the worker's log and the console,
    as /healthz leaves the driver's message to the log."""
    promised = (f"{outstanding:,} callback{'s' if outstanding != 1 else ''} promised "
                f"wait{'s' if outstanding == 1 else ''} on it")  # "1 callback ... waits"
    what = ("nobody frees the claims of agent calls that died unheard, rings customer-first "
            "callbacks or texts customers it could not reach")
    if latest is None:
        return None if not outstanding else (
            f"the callbacks worker (`holdwell callbacks`, the Procfile's `worker:`) has never "
            f"run against this database, and {promised}: {what}")
    failed = latest.problem if latest.last_round_at != latest.last_ok_at else None
    if not failed:
        told = ""
    elif to_anyone:
        told = "its last round failed; the worker's log and the console's callbacks page say why"
    else:
        told = f"its last round failed: {failed}"
    why = f" ({told})" if told else ""
    if latest.is_silent(now):
        if not outstanding:
            return None
        since = latest.last_ok_at or latest.started_at
        return (f"the callbacks worker (`holdwell callbacks`) has not finished a round since "
                f"{since.isoformat(timespec='seconds')}, {latest.silent_s(now) / 60:,.0f} min "
                f"ago{why}, and {promised}: {what}")
    if told:
        return f"the callbacks worker runs, but {told}"
    if latest.problem:
        return f"the callbacks worker runs, but {latest.problem}"
    return None
