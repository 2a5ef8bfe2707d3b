"""A customer-first customer bridged to an agent, whose rest-connect and bridged rest-result
were journaled on cut-off host A, while the leg's final status ("completed") reached host B
(found by a review). Host B took "completed while on_line" as "hung up after answering": the
callback failed, CALLBACK_FAILED was logged and the failure text ("we tried to call you")
sent at once to a customer who had just spoken with an agent. Now a completed leg whose end
nobody heard is no longer held for, and ends as a hang-up only if nothing else is heard
within END_UNHEARD_S."""

from __future__ import annotations

import time

from sqlalchemy import select

from app.claim_checks import END_UNHEARD_S
from app.signed_client import SignedClient
from app.storage.schema import callbacks
from tests.app.test_callbacks import enter
from tests.app.test_customer_first import FIRST, PUBLIC, statuses, worker_round
from tests.app.test_one_callback_per_person import ask_for_callback
from tests.app.test_voice_contract import call_row, logged_events
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

TEXTS = FIRST.replace("[callbacks]\n", "[callbacks]\nsms_on_failure = true\n") \
    .replace("max_attempts = 2", "max_attempts = 3")


def two_hosts(make_app, tmp_path, config: str = TEXTS):  # noqa: ANN001, ANN201
    """Hosts A and B of one line (each its own journal) and their signed clients."""
    hosts = [make_app(config, account_sid="AC123", public_url=PUBLIC,
                      journal_dir=str(tmp_path / name)) for name in ("ja", "jb")]
    return (*hosts, *(SignedClient(host.test_client(), AUTH_TOKEN, base_url=PUBLIC)
                      for host in hosts))


def test_a_bridged_customer_whose_connect_was_journaled_elsewhere_is_not_failed(
        make_app, clock, mocker, tmp_path):
    host_a, host_b, a, b = two_hosts(make_app, tmp_path)
    enter(b, sid("c0"), clock)
    fence, create = rung_and_answered(host_b, b, clock, mocker, entered=True)
    result_url = parse(create.answered.data).find("Enqueue").get("action")
    assert statuses(host_b)[sid("c0")] == "on_line"
    agent = b.post("/voice/agent?queue=support", {"CallSid": sid("agent")})
    connect_url = parse(agent.data).find(".//Queue").get("url")
    clock.advance(10)
    store_a = host_a.extensions["holdwell"].store
    store_a.runner.down_until = time.monotonic() + 1e9  # host A is cut off
    a.post(connect_url, {"CallSid": sid("leg0"), "QueueTime": "10",
                         "DequeingCallSid": sid("agent")})  # bridged: the promise is kept
    clock.advance(120)  # they talk for two minutes
    a.post(result_url, {"CallSid": sid("leg0"), "QueueResult": "bridged", "QueueTime": "10"})
    assert store_a.journal.backlog() == 3  # the connect, the bridge's result, the talk's end
    sms = mocker.patch.object(host_b.extensions["holdwell"].rest_client.messages, "create")
    status = b.post(f"/voice/callback/rest-status?{fence}",
                    {"CallSid": sid("leg0"), "CallStatus": "completed"})
    status.close()  # the texts go once the answer is sent
    store_a.runner.down_until = 0.0
    store_a.replay()
    assert store_a.journal.backlog() == 0
    assert statuses(host_b)[sid("c0")] == "connected"
    assert call_row(host_b, sid("c0"))["outcome"] == "callback_connected"
    assert not sms.called, "the served customer is texted that every attempt failed"
    assert "CALLBACK_FAILED" not in logged_events(host_b, sid("c0")), \
        logged_events(host_b, sid("c0"))
    assert logged_events(host_b, sid("c0")).count("CALLBACK_ENDED") == 1  # replayed too


def test_a_held_customer_whose_end_nobody_hears_is_ended_after_the_wait_untexted(
        make_app, clock, mocker):
    """The leg completed while on the line and no queue result ever comes: no agent is sent
    to the empty priority queue meanwhile, the customer-first slot is free, and after
    END_UNHEARD_S the callback ends as a hang-up after answering (never rung again). No
    failure text: they were reached ("we could not reach you" had been owed to them)."""
    app = make_app(TEXTS, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    fence, create = rung_and_answered(app, twilio, clock, mocker)
    twilio.post(f"/voice/callback/rest-status?{fence}",
                {"CallSid": sid("leg0"), "CallStatus": "completed"})
    assert statuses(app)[sid("c0")] == "on_line"  # not failed: how it ended is unheard
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent")}).data)
    assert agent.find(".//Queue") is None or agent.find(".//Queue").text != \
        "support-callbacks"  # nobody holds: no agent sent to an empty priority queue
    clock.advance(END_UNHEARD_S - 10)
    worker_round(app, clock, mocker)
    assert statuses(app)[sid("c0")] == "on_line"
    clock.advance(20)
    _, again = worker_round(app, clock, mocker)
    assert statuses(app)[sid("c0")] == "failed" and again.call_count == 0
    assert "CALLBACK_FAILED" in logged_events(app, sid("c0"))
    assert failure_text(app) is None


def rung_and_answered(app, twilio, clock, mocker, entered: bool = False):  # noqa: ANN001, ANN201
    """A caller books a callback, the worker rings them and they answer: the claim's URL
    query (its fence) and the mocked create (`answered`: the answer's response)."""
    if not entered:
        enter(twilio, sid("c0"), clock)
    ask_for_callback(twilio, sid("c0"), "+14155550100")
    clock.advance(5)
    _, create = worker_round(app, clock, mocker)
    create.answered = twilio.post(create.call_args.kwargs["url"],
                                  {"CallSid": sid("leg0"), "AnsweredBy": "human"})
    return create.call_args.kwargs["url"].split("?", 1)[1], create


def failure_text(app) -> str | None:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(callbacks.c.failure_text)).scalar_one()
