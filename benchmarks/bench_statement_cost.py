"""What one hot statement costs through SQLAlchemy Core against the driver's own cursor.

    python benchmarks/bench_statement_cost.py [--db sqlite|postgres|both] [--rounds 7]
        [--statements 2000]

Why: a steady poll's count (`prepared.COUNT_STEADY_POLL`) is the one statement every waiting
caller's every poll runs; the app runs it on the driver's cursor (app.storage.direct). This
says what that buys per statement, alone and in its own transaction.

Three ways, interleaved round after round in one process on one call's row:
- `core`: `conn.execute(statement, params)`;
- `driver sql`: the statement as app.storage.direct compiles it, run with
  `conn.exec_driver_sql` (SQLAlchemy's result and error handling, no compilation or
  parameter processing per call);
- `direct`: `DirectStatement.first`, as the app runs it (the driver's cursor).
It prints the median wall-clock microseconds per statement over the rounds, and the ratio to
`core` (PostgreSQL's times include the round trip to the server on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, Engine, create_engine, insert  # noqa: E402

from app.storage.direct import compile_direct  # noqa: E402
from app.storage.migrate import upgrade  # noqa: E402
from app.storage.prepared import COUNT_STEADY_POLL  # noqa: E402
from app.storage.schema import calls  # noqa: E402
from benchmarks.bench_request_cost import database, log  # noqa: E402

CALL = "CA" + "0" * 32
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
Run = Callable[[Connection, int], object]
TRANSACTION = {False: "shared", True: "one per statement"}


def params(n: int) -> dict[str, object]:
    """The n-th poll of the call: a new QueueTime each time, so every statement counts one."""
    return {"call": CALL, "entered": START, "position": None, "queue_time_s": float(n),
            "now": START + timedelta(seconds=n), "last_position": 3}


def ways(engine: Engine) -> dict[str, Run]:
    """The statement run three ways; each returns the counted row."""
    compiled = compile_direct(COUNT_STEADY_POLL.statement, engine.dialect)

    def core(conn: Connection, n: int) -> object:
        return conn.execute(COUNT_STEADY_POLL.statement, params(n)).first()

    def driver_sql(conn: Connection, n: int) -> object:
        return conn.exec_driver_sql(compiled.sql, compiled.values(params(n))).first()

    def direct(conn: Connection, n: int) -> object:
        return COUNT_STEADY_POLL.first(conn, params(n))

    return {"core": core, "driver sql": driver_sql, "direct": direct}


def timed(engine: Engine, run: Run, first: int, count: int, *, own_transaction: bool) -> float:
    """Microseconds per statement: all in one transaction, or each in its own."""
    with engine.connect() as conn:
        started = time.perf_counter()
        if own_transaction:
            for n in range(first, first + count):
                with conn.begin():
                    assert run(conn, n) is not None
        else:
            with conn.begin():
                for n in range(first, first + count):
                    assert run(conn, n) is not None
        return (time.perf_counter() - started) / count * 1e6


def measure(kind: str, rounds: int, count: int) -> dict[tuple[str, bool], list[float]]:
    with database(kind) as url:
        upgrade(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(insert(calls).values(
                call_id=CALL, queue="support", policy="checkin", arm="", arrived_at=START,
                entered_at=START, polls=1, announcements=0, callback_requested=False))
        runs = ways(engine)
        results: dict[tuple[str, bool], list[float]] = {}
        n = 1
        for round_ in range(rounds):
            log(f"{kind}: round {round_ + 1} of {rounds}")
            for own_transaction in (False, True):
                for name, run in runs.items():
                    results.setdefault((name, own_transaction), []).append(
                        timed(engine, run, n, count, own_transaction=own_transaction))
                    n += count
        engine.dispose()
        return results


def table(results: dict[str, dict[tuple[str, bool], list[float]]], rounds: int,
          count: int) -> str:
    lines = [f"One steady poll's count (prepared.COUNT_STEADY_POLL), {rounds} rounds of {count} "
             "statements; wall-clock us per statement, median over rounds (range)",
             f"{'database':<10} {'transaction':<18} {'way':<13} {'us/statement':>13} "
             f"{'x core':>7}  range", "-" * 80]
    for (kind, measured), own in itertools.product(results.items(), (False, True)):
        medians = {way: statistics.median(values) for (way, shared), values in measured.items()
                   if shared == own}
        for way, median in medians.items():
            values = measured[(way, own)]
            lines.append(f"{kind:<10} {TRANSACTION[own]:<18} {way:<13} {median:13.1f} "
                         f"{median / medians['core']:7.2f}  {min(values):.1f}-{max(values):.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--statements", type=int, default=2000, help="per way, per round")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = {kind: measure(kind, args.rounds, args.statements) for kind in kinds}
    print(table(results, args.rounds, args.statements))


if __name__ == "__main__":
    main()
