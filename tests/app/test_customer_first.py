"""Issue 16 item 7, customer-first dialling: when it is their turn the callback worker rings
the customer (REST, mocked at the client boundary); on answering they are at the head of the
line, so they never wait again; agents do not dial them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.callback_placer import RestPlacer
from app.callback_watch import watch_round
from app.signed_client import SignedClient
from app.storage.schema import callbacks
from hold_policies.config import HoldwellConfig, load_config
from tests.app.test_callbacks import CONFIG, enter
from tests.app.test_one_callback_per_person import ask_for_callback
from tests.app.test_voice_contract import request_callback
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

PUBLIC = "https://hold.example.com"
FIRST = CONFIG + 'dialling = "customer_first"\ncustomer_first_at_once = 1\n'


@pytest.fixture
def line(make_app, clock):
    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    enter(twilio, sid("first"), clock)
    request_callback(twilio, sid("first"), queue_time=60)
    return app, twilio


def statuses(app) -> dict[str, str]:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return dict(conn.execute(select(callbacks.c.call_id, callbacks.c.status)).all())


def worker_round(app, clock, mocker):
    services = app.extensions["holdwell"]
    create = mocker.patch.object(services.rest_client.calls, "create")
    config = services.config
    placer = RestPlacer.configured(services.rest_client, PUBLIC, config.line.support_number,
                                   config.callbacks)
    report = watch_round(services.store.engine, config, clock.now(), placer)
    return report, create


def test_agents_do_not_dial_the_customer_the_worker_rings_them_in_their_turn(
    line, clock, mocker
):
    app, twilio = line
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent")})
    assert parse(agent.data).find(".//Number") is None  # not the agent's to dial
    assert statuses(app) == {sid("first"): "pending"}
    report, create = worker_round(app, clock, mocker)
    assert report.placed == [sid("first")] and create.call_count == 1
    kwargs = create.call_args.kwargs
    assert kwargs["to"] == "+14155550100" and "/voice/callback/rest-answer" in kwargs["url"]
    assert statuses(app) == {sid("first"): "claimed"}
    again, create = worker_round(app, clock, mocker)  # ringing now: never rung twice
    assert again.placed == [] and create.call_count == 0


def test_the_customer_who_answers_is_taken_first_and_the_next_waits_for_that(
    line, clock, mocker
):
    app, twilio = line
    enter(twilio, sid("second"), clock, caller="+14155550199")
    ask_for_callback(twilio, sid("second"), "+14155550199")  # another person, another phone
    _, create = worker_round(app, clock, mocker)
    answer_url = create.call_args.kwargs["url"]
    answered = twilio.post(answer_url, {"CallSid": sid("leg"), "AnsweredBy": "human"})
    assert parse(answered.data).find("Enqueue").text == "support-callbacks"  # head of line
    held, create = worker_round(app, clock, mocker)
    assert held.placed == [] and create.call_count == 0  # one on the line waiting: not yet
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent")})
    queue = parse(agent.data).find(".//Queue")
    assert queue.text == "support-callbacks"  # the next free agent takes them first
    twilio.post(queue.get("url"), {"CallSid": sid("leg"), "QueueTime": "4"})
    assert statuses(app)[sid("first")] == "connected"
    after, create = worker_round(app, clock, mocker)
    assert after.placed == [sid("second")]


def test_a_callback_is_not_rung_before_its_turn(make_app, clock, mocker):
    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    enter(twilio, sid("earlier"), clock, caller="+14155550199")  # waits on the line
    clock.advance(30)
    enter(twilio, sid("later"), clock)
    request_callback(twilio, sid("later"), queue_time=30)
    report, create = worker_round(app, clock, mocker)
    assert report.placed == [] and create.call_count == 0  # someone who came first still waits


def test_the_fast_engine_models_customer_first(tmp_path):
    """(The emulator runs it too: tests/emulator/test_customer_first_emulated.py.)"""
    from simulator.run import policy_named

    path = tmp_path / "holdwell.toml"
    path.write_text(FIRST)
    config: HoldwellConfig = load_config(path)
    assert config.customer_first_queues() == ["support"]
    assert policy_named("callback", config, "support").dialling == "customer_first"
