"""Never fail a caller: with the database gone or a policy broken, every route answers TwiML."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from app import create_app
from app.signed_client import SignedClient
from hold_policies.config import ConfigError
from tests.app.twiml_reading import WAIT_VERBS, all_verbs, parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CALL = {"CallSid": sid("CA1"), "From": "+14155550100", "QueueTime": "61", "QueuePosition": "2",
        "CurrentQueueSize": "4"}
ROUTES = {
    "/voice/incoming": ["Enqueue"],
    "/voice/wait?policy=checkin&queue=support": None,
    "/voice/choice?policy=checkin&queue=support": None,
    "/voice/queue-result?queue=support": ["Hangup"],
    "/voice/agent": ["Dial"],
    "/voice/connect?queue=support": ["Say"],
    "/voice/callback/confirm?number=%2B14155550100&policy=callback&queue=support": None,
    "/voice/callback/entry?policy=callback&queue=support&tries=1": None,
    f"/voice/callback/answer?call={sid('CA1')}&queue=support": None,
    f"/voice/callback/dial-result?call={sid('CA1')}&queue=support": None,
    f"/voice/callback/rest-answer?call={sid('CA1')}&queue=support": ["Say", "Enqueue"],
    "/voice/callback/rest-connect?queue=support": None,
    f"/voice/callback/rest-result?call={sid('CA1')}&queue=support": None,
}


@pytest.fixture(params=["tables dropped", "server unreachable"])
def broken_db_app(request, make_app):
    if request.param == "tables dropped":
        app = make_app(db_budget_s=0.5)
        with app.extensions["holdwell"].store.engine.begin() as conn:
            for table in ("call_events", "calls", "callbacks"):
                conn.execute(text(f"DROP TABLE {table}"))
        return app
    return make_app(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none",
                    db_budget_s=0.5)


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_voice_route_answers_valid_twiml_with_the_database_gone(broken_db_app, route):
    twilio = SignedClient(broken_db_app.test_client(), AUTH_TOKEN)
    form = {**CALL, "Digits": "1", "QueueResult": "hangup"}
    started = time.monotonic()
    response = twilio.post(route, form)
    assert time.monotonic() - started < 5  # well inside Twilio's 15 s
    assert response.status_code == 200 and response.mimetype == "text/xml"
    expected = ROUTES[route]
    if expected:
        assert top_verbs(response.data) == expected
    else:
        assert all_verbs(response.data) <= WAIT_VERBS


def test_wait_without_database_still_checks_in_but_promises_no_time(broken_db_app):
    twilio = SignedClient(broken_db_app.test_client(), AUTH_TOKEN)
    response = twilio.post("/voice/wait?policy=checkin&queue=support", CALL)
    assert "number 2 in line" in spoken(response.data)
    assert "minute" not in spoken(response.data)


def test_callback_choice_without_database_never_leaves_the_queue(make_app):
    app = make_app('[line]\nsupport_number = "+14155550000"\n'
                   '[queues.support]\npolicy = "callback"\n')
    with app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(text("DROP TABLE callbacks"))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    response = twilio.post("/voice/choice?policy=callback&queue=support", {**CALL, "Digits": "2"})
    assert response.status_code == 200
    assert "Leave" not in all_verbs(response.data)
    assert "keep your place" in spoken(response.data)
    assert "just now" in spoken(response.data)
    assert "number you are calling from" not in spoken(response.data)  # their number is fine


def test_status_callback_with_database_gone_is_journaled_before_its_204(broken_db_app):
    twilio = SignedClient(broken_db_app.test_client(), AUTH_TOKEN)
    response = twilio.post("/voice/status", {"CallSid": sid("CA1"), "CallStatus": "completed"})
    assert response.status_code == 204  # Twilio never retries; the journal has the fact
    journal = broken_db_app.extensions["holdwell"].store.journal
    assert journal.backlog() == 1
    assert '"type": "CallStatus"' in journal.path.read_text()


def test_a_policy_that_raises_gives_the_safe_hold_segment(app, twilio, monkeypatch, caplog):
    policy = app.extensions["holdwell"].policy("support", "checkin")

    def broken(_situation):
        raise RuntimeError("bug in a policy")

    monkeypatch.setattr(type(policy), "next_segment", lambda self, s: broken(s))
    response = twilio.post("/voice/wait?policy=checkin&queue=support", CALL)
    assert response.status_code == 200
    pause = parse(response.data).find("Pause")
    assert top_verbs(response.data) == ["Pause"] and int(pause.get("length")) <= 30
    assert "bug in a policy" in caplog.text


def test_a_bad_config_stops_the_app_from_starting(sqlite_url, config_file):
    path = config_file("[queues.support.checkin]\ninterval_s = 1\n")
    with pytest.raises(ConfigError, match="interval_s"):
        create_app({"auth_token": AUTH_TOKEN, "database_url": sqlite_url, "config_path": path})


def test_keep_waiting_needs_no_database(broken_db_app):
    """Pressing 1 ("I can wait") is answered as always, database or not."""
    twilio = SignedClient(broken_db_app.test_client(), AUTH_TOKEN)
    answer = twilio.post("/voice/choice?policy=checkin&queue=support", {**CALL, "Digits": "1"})
    assert "keep your place" in spoken(answer.data)
    assert "could not take that choice" not in spoken(answer.data)
