"""How long the wallboard takes with a long call log: GET /api/v1/queues over N calls.

    python benchmarks/bench_wallboard.py [--calls 100000] [--waiting 50] [--url sqlite:///...]

Fills the log with N finished calls over N/2 minutes (one queue) plus callers waiting now,
then times the endpoint (median of 20) and the page fragment. PostgreSQL: pass --url of an
empty database.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from app import create_app
from app.clock import ManualClock
from app.storage import users
from app.storage.migrate import upgrade
from app.storage.schema import calls


def fill(engine, now, n: int, waiting: int) -> None:  # noqa: ANN001
    def row(i: int, outcome: str | None, at) -> dict:  # noqa: ANN001
        return {"call_id": f"B{i}", "queue": "support", "policy": "checkin", "arrived_at": at,
                "entered_at": at, "outcome": outcome, "wait_s": float(i % 300) if outcome else None,
                "last_polled_at": now if outcome is None else at, "callback_wait_s": None}

    rows = [row(i, "answered" if i % 7 else "abandoned", now - timedelta(minutes=i / 2))
            for i in range(n)]
    rows += [row(n + i, None, now - timedelta(seconds=10 * i)) for i in range(waiting)]
    with engine.begin() as conn:
        for start in range(0, len(rows), 20_000):
            conn.execute(insert(calls), rows[start:start + 20_000])


def timed(client, path: str, headers: dict, runs: int = 20) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get(path, headers=headers).status_code == 200
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--waiting", type=int, default=50)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        clock = ManualClock()
        app = create_app({"auth_token": "bench", "database_url": url}, clock=clock)
        engine = app.extensions["holdwell"].store.engine
        fill(engine, clock.now(), args.calls, args.waiting)
        users.add_user(engine, "bench", "analyst", "bench password", clock.now())
        token = users.issue_token(engine, "bench", clock.now())
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        print(f"{args.calls:,} calls, {args.waiting} waiting, {url.split(':')[0]}: "
              f"GET /api/v1/queues median {timed(client, '/api/v1/queues', headers):.1f} ms; "
              f"GET /api/v1/unserved (last day) median "
              f"{timed(client, '/api/v1/unserved', headers):.1f} ms")


if __name__ == "__main__":
    main()
