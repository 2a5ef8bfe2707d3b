"""A cancelled callback is in the call log: a CALLBACK_CANCELLED fact (by whom) logged with
the status change, and the booking call's record says `callback_cancelled`.

Before, an operator's cancel (console/API) and a caller's "wait instead" changed only the
callbacks row: the booking call stayed `left` with its promise, and analytics counted the
withdrawn promise as still open. Both ways, on SQLite and PostgreSQL, through the real app.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from analytics import metrics
from analytics.records import records_frame
from app.signed_client import SignedClient
from app.storage import users
from app.storage.read import read_records_frame
from app.storage.schema import call_events, callbacks, calls
from tests.app.test_callback_window import ESTIMATING
from tests.app.test_one_callback_per_person import NUMBER, booked_then_rings_back, join
from tests.app.test_voice_contract import request_callback
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


@pytest.fixture
def line(make_app, any_url, clock, monkeypatch):
    """The callback line, with departures logged so an offer promises a window (a band)."""
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")  # one sign-in: cheap
    app = make_app(ESTIMATING, database_url=any_url)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(3):
        twilio.post("/voice/connect?queue=support", {"CallSid": sid(f"CAold{n}"),
                                                     "QueueTime": "9"})
        clock.advance(20)
    return app, twilio


def engine_of(app):
    return app.extensions["holdwell"].store.engine


def cancellations(app, call_id: str) -> list[dict]:
    with engine_of(app).connect() as conn:
        return [json.loads(data) for (data,) in conn.execute(select(call_events.c.data).where(
            call_events.c.call_id == call_id, call_events.c.event == "CALLBACK_CANCELLED"))]


def row_of(app, call_id: str) -> dict:
    with engine_of(app).connect() as conn:
        return dict(conn.execute(select(calls).where(calls.c.call_id == call_id))
                    .mappings().one())


def record_of(app, call_id: str) -> dict:
    records = read_records_frame(str(engine_of(app).url))
    return records[records["call_id"] == call_id].iloc[0].to_dict()


def promise_fates_of(app, call_id: str) -> dict:
    """The booking call's promise fate as the report counts it (analytics.metrics)."""
    records = records_frame(read_records_frame(str(engine_of(app).url)))
    sums = metrics.promise_sums(records[records["call_id"] == call_id].reset_index(drop=True))
    return {name.removeprefix("callbacks_"): int(values.sum()) for name, values in sums.items()}


def operator_cancels(app, clock, call_id: str, reason: str = "solved by email"):
    engine = engine_of(app)
    users.add_user(engine, "olu", "operator", "correct horse battery", clock.now())
    token = users.issue_token(engine, "olu", clock.now())
    return app.test_client().post(f"/api/v1/callbacks/{call_id}/cancel",
                                  headers={"Authorization": f"Bearer {token}"},
                                  json={"reason": reason})


def test_an_operators_cancel_is_logged_and_the_record_says_cancelled(line, clock):
    app, twilio = line
    booked = sid("booked")
    join(twilio, booked)
    request_callback(twilio, booked, caller=NUMBER)
    assert not row_of(app, booked)["callback_cancelled"]
    assert operator_cancels(app, clock, booked).status_code == 200
    assert cancellations(app, booked) == [{"by": "operator"}]
    row = row_of(app, booked)
    assert row["outcome"] == "left" and row["callback_requested"] and row["callback_cancelled"]
    record = record_of(app, booked)
    assert record["outcome"] == "left" and record["callback_cancelled"] is True
    assert record["callback_promised_wait_s"] > 0  # the promise stays on the record
    assert promise_fates_of(app, booked) == {"given_band": 1, "promise_kept": 0,
                                             "promise_broken": 0, "promise_pending": 0,
                                             "promise_cancelled": 1}
    again = operator_cancels_again(app, clock, booked)
    assert again.status_code == 409 and len(cancellations(app, booked)) == 1


def operator_cancels_again(app, clock, call_id: str):
    token = users.issue_token(engine_of(app), "olu", clock.now())
    return app.test_client().post(f"/api/v1/callbacks/{call_id}/cancel",
                                  headers={"Authorization": f"Bearer {token}"},
                                  json={"reason": "twice"})


def test_a_caller_who_waits_instead_leaves_the_booking_call_cancelled(line):
    app, twilio, first, again, answer = booked_then_rings_back(line)
    assert not record_of(app, first)["callback_cancelled"]
    assert promise_fates_of(app, first)["promise_pending"] == 1  # still to be rung
    action = parse(answer.data).find("Gather").get("action")
    twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": "2"})
    twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": "2"})  # Twilio retries
    with engine_of(app).connect() as conn:
        status = conn.execute(select(callbacks.c.status).where(
            callbacks.c.call_id == first)).scalar_one()
    assert status == "cancelled"
    assert cancellations(app, first) == [{"by": "caller", "by_call": again}]  # once
    assert cancellations(app, again) == []  # the new call waits: nothing withdrawn of its own
    row = row_of(app, first)
    assert row["outcome"] == "left" and row["callback_cancelled"]
    assert record_of(app, first)["callback_cancelled"] is True
    fates = promise_fates_of(app, first)
    assert fates["promise_cancelled"] == 1 and fates["promise_pending"] == 0
    assert not row_of(app, again)["callback_cancelled"]


def test_a_callback_kept_is_not_cancelled(line):
    app, twilio, first, again, answer = booked_then_rings_back(line)
    action = parse(answer.data).find("Gather").get("action")
    twilio.post(action, {"CallSid": again, "From": NUMBER, "Digits": "1"})
    assert cancellations(app, first) == [] and not row_of(app, first)["callback_cancelled"]
