"""A REST call's claim (customer-first) is checked with Twilio before it times out into a
second ring (issue 11, exactly-once callbacks; found by a review, its scenarios kept).

The customer answered the worker's REST call, but the host that heard
/voice/callback/rest-answer was cut off from the database: it journaled the answer and held
the customer in the priority queue, while the row stayed `claimed`. `claim_timeout_s` later
the worker released REST claims blindly and rang the customer again while they held on the
first call. Now it asks Twilio about the call it placed (its sid is stored when Twilio
creates it). Twilio is mocked at the REST client with real CallInstance objects."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import select
from twilio.rest.api.v2010.account.call import CallContext, CallInstance

from app.callback_placer import RestPlacer
from app.callback_watch import watch_round
from app.claim_checks import CHECK_LIMIT_S, UNKNOWN_END
from app.signed_client import SignedClient
from app.storage.db import as_utc
from app.storage.schema import call_events
from tests.app.test_callbacks import callback_rows, enter
from tests.app.test_customer_first import FIRST, PUBLIC, statuses
from tests.app.test_one_callback_per_person import ask_for_callback
from tests.app.test_rest_status_split_hosts import two_hosts
from tests.app.test_voice_contract import logged_events
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CUSTOMER = "+14155550100"
LEG = sid("leg0")


class FakeTwilio:
    """Twilio's Call resource as far as the worker uses it: `calls.create` makes LEG, and
    `calls(LEG).fetch()` tells its status as the test sets it."""

    def __init__(self, app, clock, mocker) -> None:
        self.clock, self.status, self.answered_by = clock, "ringing", None
        client = app.extensions["holdwell"].rest_client
        self.create = mocker.patch.object(client.calls, "create", side_effect=self.created)
        self.fetch = mocker.patch.object(CallContext, "fetch", autospec=True,
                                         side_effect=self.fetched)

    def created(self, **_options) -> CallInstance:
        return self.call()

    def fetched(self, context) -> CallInstance:
        assert context._solution["sid"] == LEG, "the worker asks about the call it placed"
        return self.call()

    def call(self) -> CallInstance:
        at = self.clock.now()
        payload = {"sid": LEG, "status": self.status, "to": CUSTOMER,
                   "date_created": format_datetime(at)}
        if self.answered_by:
            payload["answered_by"] = self.answered_by
        if self.status == "completed":
            payload.update(end_time=format_datetime(at), duration="40")
        return CallInstance(None, payload, "AC123")


def worker_round(app, clock):
    """`holdwell callbacks`' round as CallbackWorker runs it: with its REST client."""
    services = app.extensions["holdwell"]
    config = services.config
    placer = RestPlacer.configured(services.rest_client, PUBLIC, config.line.support_number,
                                   config.callbacks)
    return watch_round(services.store.engine, config, clock.now(), placer,
                       client=services.rest_client)


def cut_off(app) -> None:
    app.extensions["holdwell"].store.runner.down_until = time.monotonic() + 1e9


def reconnect(app) -> None:
    store = app.extensions["holdwell"].store
    store.runner.down_until = 0.0
    store.replay()
    assert store.journal.backlog() == 0


@pytest.fixture
def rung(make_app, clock, mocker):
    """A customer-first callback rung by the worker (Twilio created LEG): the app, the
    signed client, Twilio's fake, and the URL Twilio posts when they answer."""
    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    fake = FakeTwilio(app, clock, mocker)
    enter(twilio, sid("c0"), clock)
    ask_for_callback(twilio, sid("c0"), CUSTOMER)
    clock.advance(5)
    assert worker_round(app, clock).placed == [sid("c0")] and fake.create.call_count == 1
    assert callback_rows(app)[0]["rest_call_sid"] == LEG  # what the check will ask about
    return app, twilio, fake, fake.create.call_args.kwargs["url"]


def answered_on_a_cut_off_host(app, twilio, fake, url) -> str:
    """Host A, cut off, hears the answer: journaled, the customer held in the priority
    queue; the database still says `claimed`. The Enqueue's action URL."""
    cut_off(app)
    fake.status, fake.answered_by = "in-progress", "human"
    answered = twilio.post(url, {"CallSid": LEG, "AnsweredBy": "human"})
    assert app.extensions["holdwell"].store.journal.backlog() == 1
    reconnect_runner_only(app)
    assert statuses(app)[sid("c0")] == "claimed"
    return parse(answered.data).find("Enqueue").get("action")


def reconnect_runner_only(app) -> None:
    """The database answers again for this host's new writes; its journal is not replayed
    yet (the host that journaled it is another one, still cut off)."""
    app.extensions["holdwell"].store.runner.down_until = 0.0


def test_a_customer_holding_after_a_journaled_answer_is_not_rung_again(rung, clock):
    app, twilio, fake, url = rung
    cut_off(app)
    fake.status, fake.answered_by = "in-progress", "human"
    twilio.post(url, {"CallSid": LEG, "AnsweredBy": "human"})  # journaled
    clock.advance(301)  # no agent free for claim_timeout_s; the worker runs elsewhere
    worker = app.extensions["holdwell"].store
    worker.runner.down_until = 0.0  # (the worker's own connection works)
    report = worker_round(app, clock)
    assert fake.create.call_count == 1, "the customer holding on the first call is rung again"
    assert report.checked.connected == [sid("c0")]
    assert statuses(app)[sid("c0")] == "on_line"  # an agent now takes them from the queue
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent")})
    assert parse(agent.data).find(".//Queue").text == "support-callbacks"
    reconnect(app)  # the journaled answer, replayed, changes nothing
    assert statuses(app)[sid("c0")] == "on_line"


def test_a_customer_who_answered_and_hung_up_is_never_dialled_again(rung, clock):
    """They answered (journaled on the cut-off host) and hung up while holding: Twilio says
    the call completed. Kept while the journaled webhooks may still come; an hour on, ended
    without a failure text (perhaps they were served), never rung again."""
    app, twilio, fake, url = rung
    answered_on_a_cut_off_host(app, twilio, fake, url)
    fake.status = "completed"
    clock.advance(301)
    report = worker_round(app, clock)
    assert fake.create.call_count == 1 and report.checked.kept == [sid("c0")]
    clock.advance(CHECK_LIMIT_S)
    worker_round(app, clock)
    row = callback_rows(app)[0]
    assert fake.create.call_count == 1
    assert row["status"] == "failed" and row["last_result"] == UNKNOWN_END
    assert row["failure_text"] in (None, "not sent")  # no "we tried to call you"


def test_a_call_twilio_says_nobody_answered_is_one_attempt(rung, clock):
    app, _, fake, _ = rung
    fake.status = "no-answer"
    clock.advance(301)
    worker_round(app, clock)
    row = callback_rows(app)[0]
    assert row["attempts"] == 1 and row["status"] in ("pending", "claimed")
    assert logged_events(app, sid("c0")).count("CALLBACK_ATTEMPT") == 1


def test_a_call_still_ringing_keeps_its_claim(rung, clock):
    app, _, fake, _ = rung
    clock.advance(301)
    assert worker_round(app, clock).checked.kept == [sid("c0")]
    assert fake.create.call_count == 1 and statuses(app)[sid("c0")] == "claimed"


def test_without_the_calls_sid_twilio_is_asked_for_calls_to_the_number(make_app, clock,
                                                                         mocker):
    """The sid was not stored (the worker died just after create): the calls to the number
    since the claim are asked for instead (a leg of an agent's call is not this claim's)."""
    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    client = app.extensions["holdwell"].rest_client
    mocker.patch.object(client.calls, "create", return_value=None)  # nothing to store
    enter(twilio, sid("c0"), clock)
    ask_for_callback(twilio, sid("c0"), CUSTOMER)
    clock.advance(5)
    worker_round(app, clock)
    at = format_datetime(clock.now())
    listed = mocker.patch.object(client.calls, "list", return_value=[
        CallInstance(None, {"sid": sid("agentleg"), "status": "completed", "to": CUSTOMER,
                            "parent_call_sid": sid("agent"), "date_created": at,
                            "answered_by": "human"}, "AC123"),
        CallInstance(None, {"sid": LEG, "status": "in-progress", "to": CUSTOMER,
                            "date_created": at, "answered_by": "human"}, "AC123")])
    clock.advance(301)
    worker_round(app, clock)
    assert listed.call_args.kwargs["to"] == CUSTOMER
    assert statuses(app)[sid("c0")] == "on_line"
    assert callback_rows(app)[0]["rest_call_sid"] == LEG


def test_a_worker_without_credentials_still_frees_a_timed_out_rest_claim(rung, clock):
    """No way to ask (the old rule): after claim_timeout_s the claim goes back to the line."""
    app, _, _, _ = rung
    clock.advance(301)
    svc = app.extensions["holdwell"]
    from app.callback_watch import watch_once

    watch_once(svc.store.engine, svc.config.callbacks, clock.now() + timedelta(seconds=1))
    assert statuses(app)[sid("c0")] == "pending"


def test_the_bridge_is_logged_at_the_bridge_even_if_the_answer_was_journaled(
        make_app, clock, mocker, tmp_path):
    """The agent's rest-connect reaches a connected host before the customer's answer
    (journaled on host A) is stored: the callback is found by the sid stored when Twilio
    created the call, so the promise is kept at the bridge, with the agent's call id, not
    only at the end of the conversation (found by a review)."""
    host_a, host_b, a, b = two_hosts(make_app, tmp_path, FIRST)
    fake = FakeTwilio(host_b, clock, mocker)
    enter(b, sid("c0"), clock)
    ask_for_callback(b, sid("c0"), CUSTOMER)
    clock.advance(5)
    worker_round(host_b, clock)
    cut_off(host_a)
    answered = a.post(fake.create.call_args.kwargs["url"], {"CallSid": LEG,
                                                            "AnsweredBy": "human"})
    result_url = parse(answered.data).find("Enqueue").get("action")
    agent = a.post("/voice/agent?queue=support", {"CallSid": sid("agent")})  # a glance
    connect_url = parse(agent.data).find(".//Queue").get("url")
    clock.advance(8)
    bridged_at = clock.now()
    b.post(connect_url, {"CallSid": LEG, "QueueTime": "8", "DequeingCallSid": sid("agent")})
    clock.advance(600)  # a ten-minute conversation
    b.post(result_url, {"CallSid": LEG, "QueueResult": "bridged", "QueueTime": "8"})
    reconnect(host_a)
    assert statuses(host_b)[sid("c0")] == "connected"
    with host_b.extensions["holdwell"].store.engine.connect() as conn:
        time_, data = conn.execute(select(call_events.c.time, call_events.c.data).where(
            call_events.c.event == "CALLBACK_CONNECT")).one()
    assert as_utc(time_) == bridged_at
    assert json.loads(data).get("agent_call_id") == sid("agent")
