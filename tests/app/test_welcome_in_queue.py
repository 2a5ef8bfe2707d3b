"""The caller joins the queue at once; the welcome is the first thing said inside it.

/voice/incoming had said the welcome ("All our agents are helping other callers", 10-13 s)
before its <Enqueue>, so a caller an idle agent was waiting for heard that, falsely, before
being put through. Now the Enqueue comes alone, its waitUrl marks a new call (`welcome=1`),
and the first wait document opens with the welcome: once, never again (a later document, a
key's answer, a caller put back after an error), with the log or without it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.signed_client import SignedClient
from app.storage.schema import call_events
from tests.app.test_voice_contract import FROM, POLICIES, config_for, wait_form
from tests.app.twiml_reading import WAIT_VERBS, all_verbs, parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.broken_store import break_store
from tests.support.sids import sid

CA1 = sid("CA1")
HELPING = "All our agents are helping other callers"


def ring(twilio: SignedClient, call_id: str = CA1) -> str:
    """The new call's waitUrl (its Enqueue is the whole answer)."""
    incoming = twilio.post("/voice/incoming", {"CallSid": call_id, "From": FROM})
    assert top_verbs(incoming.data) == ["Enqueue"] and not spoken(incoming.data)
    return parse(incoming.data).find("Enqueue").get("waitUrl")


def welcome_of(app, policy: str) -> str:
    return app.extensions["holdwell"].policy("support", policy).welcome().steps[0].text


def events(app, call_id: str = CA1) -> list[str]:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return list(conn.execute(select(call_events.c.event).where(
            call_events.c.call_id == call_id).order_by(call_events.c.time)).scalars())


@pytest.fixture(params=POLICIES)
def line(request, make_app, clock):
    app = make_app(config_for(request.param))
    return request.param, app, SignedClient(app.test_client(), AUTH_TOKEN), clock


def test_the_first_wait_document_opens_with_the_welcome_and_no_later_one_repeats_it(line):
    policy, app, twilio, clock = line
    wait_url = ring(twilio)
    first = twilio.post(wait_url, wait_form(queue_time=0))
    welcome = welcome_of(app, policy)
    assert top_verbs(first.data)[0] == "Say" and spoken(first.data).startswith(welcome)
    assert all_verbs(first.data) <= WAIT_VERBS
    assert top_verbs(first.data)[-1] in ("Pause", "Play")  # then Twilio asks again
    for queue_time in (60, 120, 180):
        clock.advance(60)
        later = twilio.post(wait_url, wait_form(queue_time=queue_time))
        assert welcome not in spoken(later.data)
    if policy != "music_ads":  # its welcome has no such claim
        assert HELPING in welcome


def test_the_welcome_is_no_check_in_in_the_log(line):
    _, app, twilio, _ = line
    twilio.post(ring(twilio), wait_form(queue_time=0))
    assert events(app) == ["ENTERQUEUE"]


def test_a_retry_of_the_first_request_is_welcomed_but_a_second_document_is_not(make_app):
    """Twilio retries a request it had no answer to: the caller heard none of it. A key's
    answer can end a document early; the next request, seconds in, is not the first."""
    app = make_app(config_for("checkin"))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    wait_url = ring(twilio)
    welcome = welcome_of(app, "checkin")
    assert spoken(twilio.post(wait_url, wait_form(queue_time=0)).data).startswith(welcome)
    assert spoken(twilio.post(wait_url, wait_form(queue_time=0)).data).startswith(welcome)
    assert welcome not in spoken(twilio.post(wait_url, wait_form(queue_time=3)).data)


def test_a_key_during_the_first_document_never_brings_the_welcome_back(make_app, clock):
    """A check-in due at once follows the welcome in the first document; a key pressed
    there is answered, and the wait asked again a few seconds in: no welcome then."""
    config = config_for("checkin") + "[queues.support.checkin]\nfirst_checkin_s = 0\n"
    app = make_app(config)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    wait_url = ring(twilio)
    first = twilio.post(wait_url, wait_form(queue_time=0))
    welcome = welcome_of(app, "checkin")
    assert spoken(first.data).startswith(welcome) and "You are next in line" in spoken(first.data)
    assert events(app) == ["ENTERQUEUE", "ANNOUNCE"]  # the check-in, logged as before
    with app.extensions["holdwell"].store.engine.connect() as conn:
        said = conn.execute(select(call_events.c.data).where(
            call_events.c.event == "ANNOUNCE")).scalar_one()
    assert "helping other callers" not in said  # what the check-in said, not the welcome
    clock.advance(4)
    action = parse(first.data).find("Gather").get("action")
    twilio.post(action, {**wait_form(queue_time=4), "Digits": "1"})
    clock.advance(2)
    again = twilio.post(wait_url, wait_form(queue_time=4))
    assert welcome not in spoken(again.data)


def test_a_caller_put_back_after_a_twilio_error_is_not_welcomed_again(make_app):
    app = make_app(config_for("checkin"))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    wait_url = ring(twilio)
    twilio.post(wait_url, wait_form(queue_time=0))
    result = twilio.post("/voice/queue-result?policy=checkin&queue=support",
                         {"CallSid": CA1, "QueueResult": "error", "QueueTime": "20"})
    back_url = parse(result.data).find("Enqueue").get("waitUrl")
    assert "welcome=" not in back_url
    back = twilio.post(back_url, wait_form(queue_time=0))
    assert welcome_of(app, "checkin") not in spoken(back.data)


@pytest.fixture
def no_database(make_app):
    app = make_app(config_for("checkin"), db_budget_s=0.5)
    with app.extensions["holdwell"].store.engine.begin() as conn:
        for table in ("call_events", "calls", "callbacks"):
            conn.execute(text(f"DROP TABLE {table}"))
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def test_without_the_database_the_first_document_still_welcomes_by_queue_time(no_database):
    app, twilio = no_database
    wait_url = ring(twilio)
    welcome = welcome_of(app, "checkin")
    first = twilio.post(wait_url, wait_form(queue_time=0))
    assert spoken(first.data).startswith(welcome) and top_verbs(first.data) == ["Say", "Pause"]
    assert welcome not in spoken(twilio.post(wait_url, wait_form(queue_time=60)).data)


def test_a_failing_wait_route_still_welcomes_a_new_call_once(make_app, monkeypatch):
    app = make_app(config_for("checkin"))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    wait_url = ring(twilio)
    break_store(app, monkeypatch)
    first = twilio.post(wait_url, wait_form(queue_time=0))
    assert spoken(first.data).startswith(welcome_of(app, "checkin"))
    assert top_verbs(first.data) == ["Say", "Pause"]
    assert top_verbs(twilio.post(wait_url, wait_form(queue_time=20)).data) == ["Pause"]
