"""Opening hours through the emulator: the real app, Twilio's semantics, virtual callers."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import create_engine, select

from app.storage.schema import call_events, callbacks, calls
from emulator.run import emulate
from hold_policies.config import parse_config
from simulator.behaviour import Reactions
from simulator.scenario import Callbacks, simple_scenario

OPENING = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday, GMT
HOURS = parse_config({
    "line": {"support_number": "+14155550000"},
    "queues": {"support": {"policy": "callback", "hours": {
        "timezone": "Europe/London", "monday": "08:00-18:00", "callbacks_per_opening": 3}}}})
BOOKERS = Reactions(closed_callback_p=1.0, callback_p=0.0, callback_if_too_long_p=0.0)


def rows(url, table, prefix):
    with create_engine(url).connect() as conn:
        return conn.execute(select(table).where(table.c.call_id.startswith(prefix))
                            ).mappings().all()


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_callers_before_opening_hear_when_it_opens_book_capped_callbacks_dialled_at_eight(
    sqlite_url,
):
    scenario = simple_scenario(calls=24, agents=1, arrivals_per_min=1.0, service_mean_min=1.0,
                               patience_mean_min=30.0, reactions=BOOKERS,
                               callbacks=Callbacks(answer_p=1.0),
                               start=datetime(2026, 1, 5, 7, 48, tzinfo=UTC))
    result = emulate(scenario, "callback", np.random.default_rng(3), database_url=sqlite_url,
                     config=HOURS, record=True)
    assert result.errors == []
    prefix = result.call_id_prefix
    logged = {r["call_id"]: r for r in rows(sqlite_url, calls, prefix)}
    early = {c for c, r in logged.items() if as_utc(r["arrived_at"]) < OPENING}
    assert len(early) >= 5 and len(early) < len(logged)
    assert {c for c, r in logged.items() if r["outcome"] == "closed"} == early
    events = rows(sqlite_url, call_events, prefix)
    assert not [e for e in events if e["call_id"] in early
                and e["event"] in ("ENTERQUEUE", "ABANDON")]  # never queued, never abandoned
    booked = [r for r in rows(sqlite_url, callbacks, prefix) if r["call_id"] in early]
    assert len(booked) == 3  # the cap for the opening, though every early caller pressed
    assert {as_utc(r["due_at"]) for r in booked} == {OPENING}
    assert all(r["status"] == "connected" for r in booked)
    attempts = [as_utc(e["time"]) for e in events if e["event"] == "CALLBACK_ATTEMPT"]
    assert len(attempts) == 3 and min(attempts) >= OPENING  # never dialled before eight
    assert result.summary["calls"] == len(logged) - len(early)  # queue figures: open hours only
    heard = {c.call_sid: " ".join(c.heard) for c in result.callers}
    first = min(early, key=lambda c: logged[c]["arrived_at"])
    assert "We are closed now. We open again today at 8 AM." in heard[first]
    assert ("[presses 1] Thank you. We open today at 8 AM, and we will call you back in "
            "turn from then.") in heard[first]
    full = [c for c in early if "are booked" in heard[c]]
    assert len(full) == 0 or all(c not in {r["call_id"] for r in booked} for c in full)
