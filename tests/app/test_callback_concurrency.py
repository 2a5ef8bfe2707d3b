"""Two agents can never get the same callback: concurrent claims on PostgreSQL and SQLite."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from app.storage import callback_queue
from app.storage.db import make_engine
from tests.support.callback_rows import seed_pending
from tests.support.threads import run_together

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CALLBACKS, AGENTS = 30, 8


def seed(engine) -> None:
    seed_pending(engine, [f"CA{i:03d}" for i in range(CALLBACKS)], START)


def claim_concurrently(url: str) -> list[str]:
    engine = make_engine(url)
    seed(engine)
    claimed: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(AGENTS)

    def agent(n: int) -> None:
        try:
            take_turns(n)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    def take_turns(n: int) -> None:
        barrier.wait()
        for attempt in range(CALLBACKS):
            with engine.begin() as conn:
                claim = callback_queue.claim_next(conn, "support", f"AG{n}-{attempt}",
                                                  START + timedelta(hours=1))
            if claim is not None:
                with lock:
                    claimed.append(claim.call_id)

    run_together(agent, [(n,) for n in range(AGENTS)])
    engine.dispose()
    assert errors == []
    return claimed


def test_concurrent_claims_on_postgresql_take_each_callback_once(postgres_url):
    claimed = claim_concurrently(postgres_url)
    assert sorted(claimed) == [f"CA{i:03d}" for i in range(CALLBACKS)]


def test_concurrent_claims_on_sqlite_never_hand_out_a_callback_twice(sqlite_url):
    claimed = claim_concurrently(sqlite_url)
    assert len(claimed) == len(set(claimed))
    assert len(claimed) >= CALLBACKS - AGENTS  # a lost race only skips a turn
