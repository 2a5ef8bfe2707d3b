"""An attempt's result never overwrites a newer claim (PostgreSQL, concurrent writers).

Agent A hangs up while ringing the customer: Twilio sends A's Dial action (no answer) and
A's status callback at once. The status releases A's claim and agent B claims the callback
and dials. A's result had already passed its token check and then wrote the row by its id
alone, wiping B's claim: B's answered customer was not recorded, and agent C dialled them
again later. Here A's result is held between its check and its write (another transaction
holds its attempt's dedupe key) while the release and B's claim run.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.storage import callback_queue
from app.storage import commands as c
from app.storage.apply import apply
from app.storage.db import make_engine
from app.storage.events import log_event
from app.storage.schema import callbacks
from tests.support.callback_rows import seed_pending

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = START + timedelta(hours=1)
JOIN_S = 10


@pytest.fixture
def engine(postgres_url):
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


def test_a_late_attempt_result_never_wipes_another_agents_claim(engine):
    seed_pending(engine, ["CB1"], START)
    with engine.begin() as conn:
        a = callback_queue.claim_next(conn, "support", "CAagentA", NOW)
    stall = engine.connect()
    stalling = stall.begin()
    log_event(stall, dedupe_key="CB1:CALLBACK_ATTEMPT:CAlegA", time=NOW, call_id="CB1",
              queue="support", event="CALLBACK_ATTEMPT")
    claims: dict[str, object] = {}

    def a_result() -> None:
        with engine.begin() as conn:
            apply(conn, c.CallbackUnanswered(call_id="CB1", now=NOW, claim=a.claim,
                                             result="no-answer", attempt_key="CAlegA",
                                             max_attempts=3, retry_after_s=300))

    def release_then_b_claims() -> None:
        with engine.begin() as conn:
            apply(conn, c.CallStatus(call_id="CAagentA", now=NOW, status="completed"))
        with engine.begin() as conn:
            claims["b"] = callback_queue.claim_next(conn, "support", "CAagentB", NOW)

    result = threading.Thread(target=a_result)
    result.start()
    time.sleep(0.5)  # A's result is past its check, waiting on the dedupe key
    racer = threading.Thread(target=release_then_b_claims)
    racer.start()
    time.sleep(0.5)
    stalling.rollback()
    stall.close()
    result.join(JOIN_S)
    racer.join(JOIN_S)
    assert not result.is_alive() and not racer.is_alive()
    with engine.connect() as conn:
        row = conn.execute(select(callbacks)).mappings().one()
    b = claims["b"]
    if b is not None:  # B dials the customer: B's claim must still hold the callback
        assert (row["status"], row["claim_token"]) == ("claimed", b.claim)
    else:  # A's result came first: retried later, at its place
        assert (row["status"], row["attempts"]) == ("pending", 1)
