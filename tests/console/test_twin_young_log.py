"""The Twin on a young log (operator audit D): its refusal had read "the log's last 28
“Day”(s) hold 1 finished call(s); the “Twin” needs at least 100", every word matching a box's
name swapped for the box's label, and the count had taken in calls that rang while the line
was closed, which the fit leaves out."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import insert

from app.console import twin_live
from app.storage.db import make_engine
from app.storage.schema import calls
from tests.console.conftest import bearer
from tests.console.twin_seed import seed_log
from tests.support.sids import sid

CLOSED = 5


def rang_while_closed(url: str, after: pd.Timestamp) -> None:
    """CLOSED calls after the log's last record, as the closed-line route stores them: an
    outcome, never a time in a queue."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(calls), [{
                "call_id": sid(f"CAclosed{i}"), "queue": "support", "policy": "callback",
                "arrived_at": (after + timedelta(minutes=i + 1)).round("us").to_pydatetime(),
                "outcome": "closed"} for i in range(CLOSED)])
    finally:
        engine.dispose()


def test_closed_line_calls_are_not_counted_as_calls_to_fit(console_app, tokens, log, as_role):
    url = console_app.extensions["holdwell"].settings.database_url
    young = log.head(twin_live.MIN_CALLS - 1)
    seed_log(url, young)
    rang_while_closed(url, pd.to_datetime(young["entered_at"], utc=True).max())
    refused = console_app.test_client().get("/api/v1/twin", headers=bearer(tokens["analyst"]))
    assert refused.status_code == 409, refused.get_data(as_text=True)
    assert (f"hold {twin_live.MIN_CALLS - 1} finished call(s) that entered a queue; the twin "
            f"needs at least {twin_live.MIN_CALLS}") in refused.get_json()["error"]
    page = as_role("analyst").get("/console/twin")
    assert page.status_code == 409
    assert "the log&#39;s last 28 day(s) hold 99 finished call(s) that entered a queue; the " \
           "twin needs at least 100" in page.get_data(as_text=True)
