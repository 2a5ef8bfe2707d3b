"""Issue 12 items 2, 10 and 12: each webhook reads one validated form and has its own safe answer.

Malformed input is a 400 that names the parameter and writes nothing; a failure behind a route
answers what that route's caller or agent must hear, built from the config in memory.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.signed_client import SignedClient
from app.storage.schema import call_events, calls
from app.voice.safety import FALLBACKS
from tests.app.twiml_reading import WAIT_VERBS, all_verbs, parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.broken_store import break_store
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[queues.sales]
policy = "callback"
voice = "Polly.Amy"
[queues.support]
policy = "checkin"
"""
CALLER = sid("caller")
AGENT = sid("agent")
CALL = {"CallSid": CALLER, "From": "+14155550100", "QueueTime": "61", "QueuePosition": "2",
        "CurrentQueueSize": "4"}


@pytest.fixture
def sales(make_app):
    app = make_app(CONFIG)
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def logged_rows(app) -> tuple[int, int]:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(calls)).scalar_one(),
                conn.execute(select(func.count()).select_from(call_events)).scalar_one())


def test_every_voice_endpoint_declares_its_safe_answer(sales):
    app, _ = sales
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("voice.")}
    assert len(endpoints) >= 15
    assert endpoints <= set(FALLBACKS), endpoints - set(FALLBACKS)


# -- item 10: SIDs have Twilio's shape -------------------------------------------------------
BAD_SIDS = ["CA1", "CA" + "0" * 31, "CA" + "g" * 32, "XX" + "0" * 32, CALLER + "0",
            CALLER + "From+14155550100", " ", "CA" + "é" * 32]
ROUTES = ["/voice/incoming?queue=sales", "/voice/wait?queue=sales&policy=callback",
          "/voice/choice?queue=sales&policy=callback", "/voice/queue-result?queue=sales",
          "/voice/status", "/voice/agent?queue=sales", "/voice/connect?queue=sales"]


@pytest.mark.parametrize("bad", BAD_SIDS)
@pytest.mark.parametrize("route", ROUTES)
def test_a_call_sid_of_the_wrong_shape_is_a_400_that_names_it_and_writes_nothing(
    sales, route, bad
):
    app, twilio = sales
    response = twilio.post(route, {**CALL, "CallSid": bad, "Digits": "1",
                                   "QueueResult": "hangup", "CallStatus": "completed"})
    assert response.status_code == 400
    assert b"CallSid" in response.data
    assert logged_rows(app) == (0, 0)


def test_a_captured_signature_cannot_be_replayed_with_parameters_run_together(sales):
    """Twilio signs URL + name1 + value1 + name2 + value2...: {CallSid: X, From: Y} and
    {CallSid: "XFromY"} have the same signature; only the SID's shape tells them apart."""
    app, twilio = sales
    genuine = {"CallSid": CALLER, "From": "+14155550100"}
    url = "http://localhost/voice/incoming?queue=sales"
    signature = twilio.signature(url, genuine)
    forged = {"CallSid": CALLER + "From+14155550100"}
    assert twilio.signature(url, forged) == signature  # the scheme cannot tell them apart
    response = twilio.client.post("/voice/incoming?queue=sales", data=forged,
                                  headers={"X-Twilio-Signature": signature})
    assert response.status_code == 400 and logged_rows(app) == (0, 0)
    assert twilio.post("/voice/incoming?queue=sales", genuine).status_code == 200


@pytest.mark.parametrize(("route", "form", "named"), [
    ("/voice/queue-result?queue=sales", {"QueueResult": "vanished"}, b"QueueResult"),
    ("/voice/status", {"CallStatus": "exploded"}, b"CallStatus"),
    ("/voice/choice?queue=sales&policy=callback", {"Digits": "1; DROP"}, b"Digits"),
    ("/voice/agent?queue=sales", {"DialCallStatus": "maybe"}, b"DialCallStatus"),
    ("/voice/connect?queue=sales", {"DequeingCallSid": "agent-7"}, b"DequeingCallSid"),
    ("/voice/callback/entry?queue=sales&policy=callback&tries=99", {"Digits": "1"}, b"tries"),
    ("/voice/callback/entry?queue=sales&policy=callback&tries=x", {"Digits": "1"}, b"tries"),
    ("/voice/callback/entry?queue=sales&policy=callback&tries=%C2%B2", {"Digits": "1"}, b"tries"),
    (f"/voice/callback/answer?call={CALLER}&queue=sales", {"AnsweredBy": "robot"},
     b"AnsweredBy"),
    ("/voice/callback/answer?call=CA1&queue=sales", {}, b"call"),
    (f"/voice/callback/dial-result?call={CALLER}&claim=x%27or&queue=sales", {}, b"claim"),
    ("/voice/callback/rest-status?call=nobody&queue=sales", {"CallStatus": "busy"}, b"call"),
])
def test_values_outside_twilios_documented_sets_are_400s_naming_the_parameter(
    sales, route, form, named
):
    app, twilio = sales
    response = twilio.post(route, {"CallSid": sid("leg"), **form})
    assert response.status_code == 400, response.data
    assert named in response.data
    assert logged_rows(app) == (0, 0)


# -- items 2 and 12: each route's own safe answer ----------------------------------------------
@pytest.fixture
def broken(sales, monkeypatch):
    """A bug behind every route: each store call raises something no route expects."""
    app, twilio = sales
    break_store(app, monkeypatch)
    return app, twilio


def test_an_agent_keeps_looping_calmly_on_their_own_queue_when_the_route_fails(broken):
    _, twilio = broken
    response = twilio.post("/voice/agent?queue=sales", {"CallSid": AGENT})
    assert response.status_code == 200
    assert top_verbs(response.data) == ["Pause", "Dial"]
    dial = parse(response.data).find("Dial")
    assert dial.get("action") == "/voice/agent?queue=sales"  # the loop goes on
    assert dial.find("Queue").text == "sales"  # the configured queue, never a made-up one


def test_a_failed_choice_is_said_in_the_queues_own_voice_and_the_wait_goes_on(broken):
    _, twilio = broken
    response = twilio.post("/voice/choice?queue=sales&policy=callback", {**CALL, "Digits": "2"})
    assert top_verbs(response.data) == ["Say"]
    assert parse(response.data).find("Say").get("voice") == "Polly.Amy"
    assert "keep your place" in spoken(response.data)


def test_a_failed_status_callback_is_a_503_never_a_lost_200(broken):
    _, twilio = broken
    assert twilio.post("/voice/status", {"CallSid": CALLER, "CallStatus": "completed"}) \
        .status_code == 503
    leg = twilio.post(f"/voice/callback/rest-status?call={CALLER}&queue=sales",
                      {"CallSid": sid("leg"), "CallStatus": "busy"})
    assert leg.status_code == 503  # before: 200 with a hold segment, the attempt lost


def test_a_customer_who_answers_a_rest_callback_is_still_held_for_an_agent(broken):
    _, twilio = broken
    claim = "0" * 32
    response = twilio.post(f"/voice/callback/rest-answer?call={CALLER}&claim={claim}"
                           f"&queue=sales", {"CallSid": sid("leg")})
    assert top_verbs(response.data) == ["Say", "Enqueue"]
    enqueue = parse(response.data).find("Enqueue")
    assert enqueue.text == "sales-callbacks"
    assert f"call={CALLER}" in enqueue.get("action") and f"claim={claim}" in enqueue.get("action")


def test_a_failed_dial_result_sends_the_agent_on_to_the_next_caller(broken):
    _, twilio = broken
    response = twilio.post(f"/voice/callback/dial-result?call={CALLER}&queue=sales",
                           {"CallSid": AGENT, "DialCallStatus": "busy"})
    assert top_verbs(response.data) == ["Redirect"]
    assert parse(response.data).find("Redirect").text == "/voice/agent?queue=sales"


@pytest.mark.parametrize(("result", "verbs"), [
    ("hangup", ["Hangup"]), ("redirected", []), ("bridging-in-process", []),
    ("error", ["Say", "Enqueue"]), ("queue-full", ["Say", "Hangup"]),
])
def test_a_failed_queue_result_answers_what_the_result_itself_implies(broken, result, verbs):
    _, twilio = broken
    response = twilio.post("/voice/queue-result?queue=sales&policy=callback",
                           {"CallSid": CALLER, "QueueResult": result, "QueueTime": "30"})
    assert response.status_code == 200
    assert top_verbs(response.data) == verbs  # never a hang-up on a caller still in a call


def test_a_failed_wait_is_a_pause_in_line(broken):
    _, twilio = broken
    response = twilio.post("/voice/wait?queue=sales&policy=callback", CALL)
    assert all_verbs(response.data) <= WAIT_VERBS and top_verbs(response.data) == ["Pause"]


def test_a_failed_incoming_call_still_joins_its_configured_queue(broken):
    _, twilio = broken
    response = twilio.post("/voice/incoming?queue=sales", {"CallSid": CALLER})
    enqueue = parse(response.data).find("Enqueue")
    assert enqueue.text == "sales"
    assert enqueue.get("waitUrl") == "/voice/wait?policy=callback&queue=sales&welcome=1"


def test_twilios_webhooks_open_no_session_and_set_no_cookie(sales, mocker):
    """A webhook has no session: opening one on every poll was a cost (issue 11); the
    console's own pages still get theirs."""
    app, twilio = sales
    opened = mocker.spy(type(app.session_interface).__mro__[1], "open_session")
    answer = twilio.post("/voice/wait?queue=sales&policy=callback", CALL)
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert opened.call_count == 0
    app.test_client().get("/console/login")
    assert opened.call_count == 1


@pytest.mark.parametrize(("route", "form", "said"), [
    ("/voice/callback/dial-result?queue=sales", {}, b"missing query parameter call"),
    ("/voice/callback/returning?queue=sales", {"Digits": "1"},
     b"missing query parameter booked"),
    ("/voice/callback/returning?queue=sales&booked=CA1", {"Digits": "1"},
     b"query parameter booked is not a CA SID"),
    ("/voice/wait?queue=sales", {"QueueTime": "-5"},
     b"Twilio parameter QueueTime is out of range: &#39;-5&#39; (0 to 604800)"),
])
def test_a_400_names_what_was_wrong_and_where_it_was_sent(sales, route, form, said):
    """holdwell's own URL parameters had been called missing Twilio parameters, and a
    negative QueueTime "not a number" (API audit 35, D9)."""
    app, twilio = sales
    response = twilio.post(route, {"CallSid": sid("leg"), **form})
    assert response.status_code == 400, response.data
    assert said in response.data
