"""TALK_ENDED on both dialects: a claim is held by its own Dial end (CALLBACK_ENDED keyed by
its token, one per claim), never by another claim's; and an end written before ends were
keyed by claim (one a callback) still holds the claim as it did, so no claim in flight
when the change is deployed is let go to be rung over (review 42, finding 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from app.storage.callback_queue import TALK_ENDED, release_stale_claims, talk_ended_key
from app.storage.db import make_engine
from app.storage.schema import call_events, callbacks

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, sqlite_url):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def claimed(engine, call_id: str, token: str | None, ended_key: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(insert(callbacks), {
            "call_id": call_id, "queue": "support", "number": "+14155550100",
            "entered_at": T0, "requested_at": T0, "status": "claimed",
            "claimed_by": "CAagent", "claimed_at": T0, "claim_token": token})
        if ended_key:
            conn.execute(insert(call_events), {
                "time": T0, "call_id": call_id, "queue": "support",
                "event": "CALLBACK_ENDED", "dedupe_key": ended_key, "data": "{}"})


def test_a_claim_is_held_by_its_own_end_or_an_end_from_before_ends_had_claims(engine):
    claimed(engine, "CAown", "tok1", talk_ended_key("CAown", "tok1"))
    claimed(engine, "CAnull", None, talk_ended_key("CAnull", None))
    claimed(engine, "CAother", "tok2", talk_ended_key("CAother", "tok-earlier"))
    claimed(engine, "CAold", "tok3", "CAold:CALLBACK_ENDED")
    claimed(engine, "CAnone", "tok4", None)
    with engine.connect() as conn:
        held = sorted(conn.execute(select(callbacks.c.call_id).where(TALK_ENDED)).scalars())
    assert held == ["CAnull", "CAold", "CAown"]
    release_stale_claims(engine, T0 + timedelta(seconds=400), 300)
    with engine.connect() as conn:
        status = dict(conn.execute(select(callbacks.c.call_id, callbacks.c.status)).all())
    assert status == {"CAown": "claimed", "CAnull": "claimed", "CAold": "claimed",
                      "CAother": "pending", "CAnone": "pending"}
