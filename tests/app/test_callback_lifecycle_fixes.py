"""The callback lifecycle's promises under a slow or refusing Twilio: texts never hold a voice
route, a retried webhook texts once, a refused number neither blocks the line nor is dialled
twice. Twilio's REST client is mocked at its boundary."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException

from app.callback_placer import RestPlacer
from app.callback_watch import watch_round
from app.signed_client import SignedClient
from app.storage.db import as_utc
from app.storage.schema import call_events
from hold_policies.config import ConfigError, load_config
from tests.app.test_callbacks import CONFIG, callback_rows, enter
from tests.app.test_customer_first import FIRST, PUBLIC, statuses
from tests.app.test_exactly_once_callbacks import claimed_dial
from tests.app.test_one_callback_per_person import ask_for_callback
from tests.app.test_voice_contract import call_row, logged_events, request_callback, wait_form
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

EXAMPLE = Path(__file__).parents[2] / "holdwell.example.toml"
LAST_TRY = "max_attempts = 1\nsms_on_failure = true"
CUSTOMER = "+14155550100"

ABROAD_TOO = FIRST.replace("[callbacks]\n", '[callbacks]\ncountries = ["US", "GB"]\n')
"""Callbacks may dial the UK as well (Twilio's own geo permissions may still refuse)."""


def texts(app, mocker):
    return mocker.patch.object(app.extensions["holdwell"].rest_client.messages, "create")


def placer_of(app) -> RestPlacer:
    svc = app.extensions["holdwell"]
    return RestPlacer.configured(svc.rest_client, PUBLIC, svc.config.line.support_number,
                                 svc.config.callbacks)


def worker_round(app, clock):
    svc = app.extensions["holdwell"]
    return watch_round(svc.store.engine, svc.config, clock.now(), placer_of(app))


def test_the_failure_text_goes_only_after_the_agents_dial_action_is_answered(
        make_app, clock, mocker):
    app = make_app(CONFIG.replace("max_attempts = 2", LAST_TRY), account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    fence = claimed_dial(twilio, sid("CAagent"))
    sms = texts(app, mocker)
    answer = twilio.post(
        f"/voice/callback/dial-result?call={fence['call']}&claim={fence['claim']}&queue=support",
        {"CallSid": sid("CAagent"), "DialCallStatus": "no-answer", "DialCallSid": sid("CAleg")})
    assert top_verbs(answer.data) == ["Say", "Redirect"]
    sms.assert_not_called()  # a slow Messages API cannot hold the agent's TwiML
    answer.close()  # the server has sent it
    sms.assert_called_once()
    assert sms.call_args.kwargs["to"] == CUSTOMER


def test_the_failure_text_of_a_rest_leg_goes_only_after_its_status_is_answered(
        make_app, clock, mocker):
    app = make_app(FIRST.replace("max_attempts = 2", LAST_TRY), account_sid="AC123",
                   public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    enter(twilio, sid("first"), clock)
    request_callback(twilio, sid("first"), queue_time=60)
    create = mocker.patch.object(app.extensions["holdwell"].rest_client.calls, "create")
    worker_round(app, clock)
    sms = texts(app, mocker)
    query = urlsplit(create.call_args.kwargs["status_callback"]).query
    status = twilio.post(f"/voice/callback/rest-status?{query}",
                         {"CallSid": sid("leg"), "CallStatus": "busy"})
    assert status.status_code == 204
    sms.assert_not_called()
    status.close()
    sms.assert_called_once()
    assert sms.call_args.kwargs["to"] == CUSTOMER


def test_a_retried_confirmation_is_said_again_but_texted_once(make_app, clock, mocker):
    app = make_app(CONFIG.replace("max_attempts = 2", "max_attempts = 2\nsms_confirm = true")
                   + "[estimate]\nmin_departures = 1\n", account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(3):  # departures, so the offer can promise a window (and text it)
        twilio.post("/voice/connect?queue=support", {"CallSid": sid(f"CAold{n}"),
                                                    "QueueTime": "9"})
        clock.advance(20)
    enter(twilio, sid("CA1"), clock)
    sms = texts(app, mocker)
    form = {**wait_form(sid("CA1"), queue_time=70), "Digits": "2"}
    offer = twilio.post("/voice/choice?policy=callback&queue=support", form)
    confirm = parse(offer.data).find("Gather").get("action")
    answers = [twilio.post(confirm, {**form, "Digits": "1"}) for _ in range(2)]  # Twilio retries
    for answer in answers:
        assert top_verbs(answer.data) == ["Say", "Leave"]
        answer.close()
    sms.assert_called_once()


FOREIGN, LOCAL = "+442079460958", "+14155550199"  # the account may not call the UK


@pytest.fixture
def two_in_line(make_app, clock):
    """Customer-first: a UK customer's callback, then a US customer's behind it."""
    app = make_app(ABROAD_TOO, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    for call, number in ((sid("uk"), FOREIGN), (sid("us"), LOCAL)):
        enter(twilio, call, clock, caller=number)
        ask_for_callback(twilio, call, number)
        clock.advance(5)
    return app, twilio


def refusing(app, mocker, error: Exception):
    def create(**call: object) -> None:
        if call["to"] == FOREIGN:
            raise error
    return mocker.patch.object(app.extensions["holdwell"].rest_client.calls, "create",
                               side_effect=create)


def rung(create) -> list[str]:
    return [call.kwargs["to"] for call in create.call_args_list]


def test_a_number_twilio_will_never_call_fails_at_once_and_the_next_customer_is_rung(
        two_in_line, clock, mocker, caplog):
    app, _ = two_in_line
    create = refusing(app, mocker, TwilioRestException(
        400, "/Calls", "Permission to call +44... has not been enabled", code=21215))
    for _ in range(3):
        worker_round(app, clock)
        clock.advance(15)
    assert rung(create) == [FOREIGN, LOCAL]  # asked once, then the line moves on
    assert statuses(app) == {sid("uk"): "failed", sid("us"): "claimed"}
    [row] = [row for row in callback_rows(app) if row["call_id"] == sid("uk")]
    assert "21215" in row["last_result"]
    assert logged_events(app, sid("uk")).count("CALLBACK_FAILED") == 1
    assert call_row(app, sid("uk"))["outcome"] == "callback_failed"
    assert "21215" in caplog.text  # the operator's log says why


def test_a_passing_refusal_keeps_the_place_is_retried_after_spacing_and_blocks_nobody(
        two_in_line, clock, mocker):
    app, _ = two_in_line
    create = refusing(app, mocker, TwilioRestException(400, "/Calls", "Invalid call state",
                                                       code=21220))
    worker_round(app, clock)
    assert rung(create) == [FOREIGN] and statuses(app)[sid("uk")] == "pending"
    assert callback_rows(app)[0]["attempts"] == 0  # Twilio made no call: no attempt
    clock.advance(15)
    worker_round(app, clock)
    assert rung(create) == [FOREIGN, LOCAL]  # the one behind is not held up
    complete_leg(app, clock, LOCAL)
    clock.advance(60)  # min_retry_after_s
    worker_round(app, clock)
    assert rung(create)[-1] == FOREIGN


def test_a_refusal_repeated_counts_as_attempts_and_the_promise_fails_honestly(
        two_in_line, clock, mocker):
    """A refusal that is not the number's (an unverified caller ID, a suspended account)
    was asked again every minute for ever: never kept, never failed. The first is still
    free (it may pass); the same refusal again counts as an attempt, so after max_attempts
    the callback fails, named, and the customer behind is never held up."""
    app, _ = two_in_line
    create = refusing(app, mocker, TwilioRestException(
        400, "/Calls", "The source phone number is not verified", code=21210))
    for _ in range(40):  # 40 rounds, an hour and a half
        worker_round(app, clock)
        clock.advance(150)
    [row] = [row for row in callback_rows(app) if row["call_id"] == sid("uk")]
    assert row["status"] == "failed" and row["attempts"] == 2  # max_attempts
    assert "21210" in row["last_result"]
    assert rung(create).count(FOREIGN) == 3  # free once, then counted twice
    assert logged_events(app, sid("uk")).count("CALLBACK_FAILED") == 1
    assert LOCAL in rung(create)


def test_twilios_rate_limit_pauses_every_rest_placement_until_min_retry(
        two_in_line, clock, mocker):
    app, _ = two_in_line
    create = refusing(app, mocker, TwilioRestException(429, "/Calls", "Too many requests",
                                                       code=20429))
    placer = placer_of(app)  # the worker's one placer, kept from round to round
    svc = app.extensions["holdwell"]

    def round_() -> None:
        watch_round(svc.store.engine, svc.config, clock.now(), placer)

    round_()
    assert rung(create) == [FOREIGN]  # refused: the rest of the round asks nothing more
    assert statuses(app) == {sid("uk"): "pending", sid("us"): "pending"}  # places kept
    for _ in range(3):  # 15, 30, 45 s: still within min_retry_after_s (60 s)
        clock.advance(15)
        round_()
    assert rung(create) == [FOREIGN]
    clock.advance(15)
    create.side_effect = None  # Twilio takes calls again
    round_()
    assert rung(create)[1:] == [FOREIGN]  # its place kept: the head is rung first


def complete_leg(app, clock, number: str) -> None:
    """Twilio reports the leg to `number` ended unanswered (no-answer), freeing its slot."""
    create = app.extensions["holdwell"].rest_client.calls.create
    [leg] = [call for call in create.call_args_list if call.kwargs["to"] == number]
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    twilio.post(f"/voice/callback/rest-status?{urlsplit(leg.kwargs['status_callback']).query}",
                {"CallSid": sid("leg-" + number), "CallStatus": "no-answer"})


UNCERTAIN = [requests.exceptions.ReadTimeout("read timed out (10 s)"),
             requests.exceptions.ConnectionError("Connection aborted: reset by peer"),
             TwilioRestException(500, "/Calls", "Internal error")]


@pytest.mark.parametrize("error", UNCERTAIN, ids=["read-timeout", "reset", "http-500"])
def test_a_call_twilio_may_have_placed_keeps_its_claim_so_nobody_is_dialled_twice(
        make_app, clock, mocker, error):
    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    enter(twilio, sid("first"), clock)
    request_callback(twilio, sid("first"), queue_time=60)
    create = mocker.patch.object(app.extensions["holdwell"].rest_client.calls, "create",
                                 side_effect=error)
    worker_round(app, clock)
    create.side_effect = None
    clock.advance(15)
    worker_round(app, clock)
    assert create.call_count == 1 and statuses(app) == {sid("first"): "claimed"}
    query = urlsplit(create.call_args.kwargs["url"]).query  # the first call was live after all
    answer = twilio.post(f"/voice/callback/rest-answer?{query}",
                         {"CallSid": sid("leg1"), "AnsweredBy": "human"})
    assert top_verbs(answer.data) == ["Say", "Enqueue"]
    assert statuses(app) == {sid("first"): "on_line"}


def test_a_call_that_never_reached_twilio_is_rung_again_only_once_its_claim_times_out(
        make_app, clock, mocker):
    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    enter(twilio, sid("first"), clock)
    request_callback(twilio, sid("first"), queue_time=60)
    create = mocker.patch.object(app.extensions["holdwell"].rest_client.calls, "create",
                                 side_effect=requests.exceptions.ReadTimeout("timed out"))
    worker_round(app, clock)
    create.side_effect = None
    claim_timeout_s = app.extensions["holdwell"].config.callbacks.claim_timeout_s
    clock.advance(claim_timeout_s - 1)  # its status could still come
    worker_round(app, clock)
    assert create.call_count == 1
    clock.advance(2)  # none came: Twilio never placed it
    worker_round(app, clock)
    assert create.call_count == 2 and statuses(app) == {sid("first"): "claimed"}


VOICEMAIL = ('[line]\nsupport_number = "+14155550000"\n[callbacks]\n{callbacks}\n'
             "[queues.support]\npolicy = \"checkin\"\n[queues.support.overflow]\n"
             "max_wait_s = 1800\nvoicemail = true\n{overflow}\n")


def test_a_claim_must_outlast_the_longest_message_an_agent_hears_before_dialling(
        config_file):
    with pytest.raises(ConfigError) as error:
        load_config(config_file(VOICEMAIL.format(callbacks="claim_timeout_s = 180",
                                                 overflow="message_max_s = 600")))
    message = str(error.value)
    assert "claim_timeout_s (180)" in message and "message_max_s 600" in message
    assert "= 715" in message  # 600 + ring 25 + machine detection 30 + 60


def test_a_transcript_read_aloud_needs_half_again_and_the_default_claim_covers_it(
        config_file):
    transcribed = "transcribe = true\nmessage_max_s = 120"
    assert load_config(config_file(VOICEMAIL.format(
        callbacks="", overflow=transcribed))).callbacks.claim_timeout_s >= 295
    with pytest.raises(ConfigError, match=r"claim_timeout_s \(250\).*= 295"):
        load_config(config_file(VOICEMAIL.format(callbacks="claim_timeout_s = 250",
                                                 overflow=transcribed)))


def test_answering_machine_detection_counts_in_the_claims_length(config_file):
    ringing = "ring_timeout_s = 120\nclaim_timeout_s = 190"
    with pytest.raises(ConfigError, match="answering_machine_detection 30 s"):
        load_config(config_file(f"[callbacks]\n{ringing}\n"))
    assert load_config(config_file(
        f"[callbacks]\n{ringing}\nanswering_machine_detection = false\n"))


def test_the_example_configuration_stays_valid():
    assert load_config(EXAMPLE).callbacks.claim_timeout_s >= \
        load_config(EXAMPLE).callbacks.least_claim_s(120 * 1.5)


def test_a_connect_made_while_the_log_is_away_is_journaled_with_its_own_moment(
        make_app, clock, mocker):
    """The priority queue's url knows only the customer's leg; with the database away the
    callback is found from it when the journal is replayed, so the log keeps when the
    promise was kept and which agent took them (not the bridged result's later moment)."""
    app = make_app(FIRST.replace("max_attempts = 2", "max_attempts = 2\nsms_on_failure = true"),
                   account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    enter(twilio, sid("first"), clock)
    request_callback(twilio, sid("first"), queue_time=60)
    create = mocker.patch.object(app.extensions["holdwell"].rest_client.calls, "create")
    worker_round(app, clock)
    fence = urlsplit(create.call_args.kwargs["url"]).query
    twilio.post(f"/voice/callback/rest-answer?{fence}",
                {"CallSid": sid("leg"), "AnsweredBy": "human"})
    store = app.extensions["holdwell"].store
    store.runner.down_until = time.monotonic() + 600  # the database just failed
    connected_at = clock.now()
    connect = twilio.post("/voice/callback/rest-connect?queue=support",
                          {"CallSid": sid("leg"), "QueueTime": "12",
                           "DequeingCallSid": sid("agent")})
    assert "Connecting you" in spoken(connect.data)
    assert "CALLBACK_CONNECT" not in logged_events(app, sid("first"))
    clock.advance(300)  # they talk; the database comes back and the journal is replayed
    store.runner.down_until = 0.0
    assert store.replay() == 1
    sms = texts(app, mocker)
    twilio.post(f"/voice/callback/rest-result?{fence}",
                {"CallSid": sid("leg"), "QueueResult": "bridged", "QueueTime": "12"})
    twilio.post(f"/voice/callback/rest-status?{fence}",
                {"CallSid": sid("leg"), "CallStatus": "completed"}).close()
    assert statuses(app) == {sid("first"): "connected"}
    assert call_row(app, sid("first"))["outcome"] == "callback_connected"
    [connect_fact] = facts_named(app, sid("first"), "CALLBACK_CONNECT")
    assert as_utc(connect_fact["time"]) == connected_at
    assert connect_fact["data"]["agent_call_id"] == sid("agent")
    assert connect_fact["data"]["held_s"] == 12
    sms.assert_not_called()


def test_a_connect_for_a_leg_that_is_no_callback_changes_nothing(make_app, clock):
    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    connect = twilio.post("/voice/callback/rest-connect?queue=support",
                          {"CallSid": sid("stranger"), "QueueTime": "3"})
    assert "Connecting you" in spoken(connect.data)
    assert logged_events(app, sid("stranger")) == []


def facts_named(app, call_id: str, event: str) -> list[dict]:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        rows = conn.execute(select(call_events.c.time, call_events.c.data).where(
            call_events.c.call_id == call_id, call_events.c.event == event)).mappings().all()
    return [{"time": row["time"], "data": decoded(row["data"])} for row in rows]


def decoded(data: object) -> dict:
    return json.loads(data) if isinstance(data, str) else dict(data or {})
