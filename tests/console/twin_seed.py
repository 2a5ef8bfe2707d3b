"""A call log with known parameters, written where the app reads its own log (for the Twin).

The fast engine makes the calls (a line open 07:00-22:00 with a morning peak, log-normal talk,
Weibull patience, music and ads); they go into the `calls` table as finished calls, and each
answered call gets the COMPLETE event the live app logs when the conversation ends, so the
twin reads talk times from the events exactly as it does on a live line.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy import insert

from app.storage.db import make_engine
from app.storage.schema import call_events, calls
from simulator.distributions import Lognormal, Weibull
from simulator.run import policy_named, simulate
from simulator.scenario import RateProfile, Scenario, Staffing

RATES = RateProfile(((0, 0.0), (420, 0.8), (540, 2.0), (720, 1.6), (960, 1.2), (1140, 0.3),
                     (1320, 0.0)))
STAFF = Staffing(((0, 0), (420, 4), (540, 9), (720, 8), (960, 6), (1140, 2), (1320, 0)))
DAYS = 6
TRUTH = Scenario(calls=round(RATES.daily_calls * DAYS), arrivals=RATES, agents=STAFF,
                 service=Lognormal(300.0, 0.8), patience=Weibull(180.0, 0.8))
"""Known parameters: talk mean 300 s, patience Weibull mean 180 s k 0.8, 4 to 9 agents."""


def known_log(seed: int = 2024) -> pd.DataFrame:
    return simulate(TRUTH, policy_named("music_ads"), np.random.default_rng(seed)).table.frame()


def _none(value: object) -> object:
    return None if isinstance(value, float) and np.isnan(value) else value


def seed_log(url: str, log: pd.DataFrame) -> None:
    """Write `log` (simulated records with talk_s) into the app's database at `url`."""
    entered = pd.to_datetime(log["entered_at"], utc=True).dt.round("us")
    rows, events = [], []
    for i, r in enumerate(log.itertuples(index=False)):
        at = entered.iat[i].to_pydatetime()
        rows.append({"call_id": r.call_id, "queue": "support", "policy": r.policy, "arm": "",
                     "arrived_at": at, "entered_at": at, "orig_position": int(r.orig_position),
                     "announcements": int(r.announcements), "outcome": str(r.outcome),
                     "wait_s": float(r.wait_s), "callback_requested": bool(r.callback_requested),
                     "first_announced_wait_s": _none(r.first_announced_wait_s),
                     "callback_wait_s": _none(r.callback_wait_s)})
        if str(r.outcome) == "answered":
            done = at + timedelta(seconds=float(r.wait_s) + float(r.talk_s))
            events.append({"time": done, "call_id": r.call_id,
                           "queue": "support", "event": "COMPLETE", "policy": r.policy,
                           "dedupe_key": f"{r.call_id}:COMPLETE"})
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(calls), rows)
            conn.execute(insert(call_events), events)
    finally:
        engine.dispose()
