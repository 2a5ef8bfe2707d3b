"""Callback claims when one host is cut off from the database (its writes journaled) while
another host and the worker reach it: no customer is rung twice, a customer-first queue's
ring slot is freed when the call is over, and a hold only Twilio's Call resource vouches for
(held, or bridged already: it cannot say which) never pins the agents to an empty queue."""

from __future__ import annotations

import time

import pytest

from app.signed_client import SignedClient
from tests.app.test_callbacks import CONFIG, enter
from tests.app.test_customer_first import FIRST, PUBLIC, statuses
from tests.app.test_one_callback_per_person import ask_for_callback
from tests.app.test_rest_claim_checked import (
    CUSTOMER,
    LEG,
    FakeTwilio,
    answered_on_a_cut_off_host,
    cut_off,
    reconnect_runner_only,
    worker_round,
)
from tests.app.test_voice_contract import request_callback
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


def answered_on_cut_off_a(make_app, clock, tmp_path, *, after_s: float):  # noqa: ANN001, ANN201
    """Hosts A and B (clients); B claims a callback for agent A's call, and `after_s` later
    the customer answers on A, cut off from the database (the answer journaled there):
    the clients and B's <Dial><Number> answer."""
    host_a, host_b = (make_app(CONFIG, journal_dir=str(tmp_path / n)) for n in ("ja", "jb"))
    a, b = (SignedClient(h.test_client(), AUTH_TOKEN) for h in (host_a, host_b))
    enter(b, sid("CA1"), clock)
    request_callback(b, sid("CA1"), queue_time=60)
    first = parse(b.post("/voice/agent", {"CallSid": sid("CAagentA")}).data)
    clock.advance(after_s)
    host_a.extensions["holdwell"].store.runner.down_until = time.monotonic() + 1e9
    a.post(first.find(".//Number").get("url"), {"CallSid": sid("CAlegA"), "AnsweredBy": "human"})
    return a, b, first


@pytest.mark.parametrize("dial_status", ["completed", "busy"])
def test_the_agents_next_loop_never_rings_the_customer_of_the_dial_that_just_ended(
        make_app, clock, tmp_path, dial_status):
    """The answer (or the busy result) is journaled on cut-off host A; the agent's next loop,
    within Twilio's retry window, reaches host B, where the claim still looks taken a moment
    ago by this agent: the Dial's result names its claim, so B never gives it again."""
    a, b, first = answered_on_cut_off_a(make_app, clock, tmp_path, after_s=6)
    clock.advance(6)  # short talk, customer hangs up; the Dial's action redirects to /voice/agent
    result = parse((a if dial_status == "busy" else b).post(first.find("Dial").get("action"), {
        "CallSid": sid("CAagentA"), "DialCallStatus": dial_status,
        "DialCallSid": sid("CAlegA")}).data)
    again = parse(b.post(result.find("Redirect").text, {"CallSid": sid("CAagentA")}).data)
    assert again.find(".//Number") is None, "answered customer dialled again"


def test_nor_any_loop_after_it_while_the_answer_waits_in_a_cut_off_hosts_journal(
        make_app, clock, tmp_path):
    """`done=` names the claim on the loop right after its Dial only; that loop answers a
    <Dial><Queue> whose action comes back without it. 12 s after the claim, still within
    Twilio's retry window, host B had read it as a retry and rung the customer who had just
    been served, a second time (chaos soak 33: 4.5 s after their talk)."""
    _, b, first = answered_on_cut_off_a(make_app, clock, tmp_path, after_s=3)
    clock.advance(4)  # a short talk; the Dial's result reaches healthy host B
    result = parse(b.post(first.find("Dial").get("action"), {
        "CallSid": sid("CAagentA"), "DialCallStatus": "completed",
        "DialCallSid": sid("CAlegA")}).data)
    loop1 = parse(b.post(result.find("Redirect").text, {"CallSid": sid("CAagentA")}).data)
    assert loop1.find(".//Number") is None
    clock.advance(5)  # the agent's queue Dial ends (a caller bridged and gone, or hung up)
    loop2 = parse(b.post(loop1.find("Dial").get("action"), {
        "CallSid": sid("CAagentA"), "DialCallStatus": "completed"}).data)
    assert loop2.find(".//Number") is None, "answered customer dialled again"
    first_retry = parse(b.post("/voice/agent", {"CallSid": sid("CAagentB")}).data)
    assert first_retry.find(".//Number") is None  # nor another agent: it is still theirs


def test_nor_the_agent_calls_end_nor_the_claims_timeout_while_that_answer_waits(
        make_app, clock, tmp_path):
    """Without REST credentials an agent call's end, and later the claim's timeout, had
    given the claim back to the line, and the next agent rang the customer just served
    (review 33, R2). The answer, replayed, then settles it."""
    from app.storage import callback_queue
    from tests.app.test_callbacks import callback_rows

    a, b, first = answered_on_cut_off_a(make_app, clock, tmp_path, after_s=3)
    clock.advance(4)
    b.post(first.find("Dial").get("action"), {"CallSid": sid("CAagentA"),
                                              "DialCallStatus": "completed",
                                              "DialCallSid": sid("CAlegA")})
    b.post("/voice/status", {"CallSid": sid("CAagentA"), "CallStatus": "completed"})
    host_b = b.client.application
    settings = host_b.extensions["holdwell"].config.callbacks
    clock.advance(settings.claim_timeout_s + 1)
    engine = host_b.extensions["holdwell"].store.engine
    assert callback_queue.release_stale_claims(engine, clock.now(),
                                               settings.claim_timeout_s) == 0
    assert callback_rows(host_b)[0]["status"] == "claimed"
    later = parse(b.post("/voice/agent", {"CallSid": sid("CAagentB")}).data)
    assert later.find(".//Number") is None, "answered customer dialled again"
    store_a = a.client.application.extensions["holdwell"].store
    store_a.runner.down_until = 0.0  # host A reaches the database again
    assert store_a.replay() >= 1
    assert callback_rows(host_b)[0]["status"] == "connected"


def rest_line(make_app, clock, mocker, second=False):
    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    fake = FakeTwilio(app, clock, mocker)
    enter(twilio, sid("c0"), clock)
    ask_for_callback(twilio, sid("c0"), CUSTOMER)
    if second:
        enter(twilio, sid("c1"), clock, caller="+14155550111")
        ask_for_callback(twilio, sid("c1"), "+14155550111")
    clock.advance(5)
    assert worker_round(app, clock).placed == [sid("c0")]
    return app, twilio, fake


def test_a_hold_only_the_check_vouches_for_costs_each_agent_a_glance_not_the_queue(
        make_app, clock, mocker):
    """Answer and bridge journaled on cut-off host A; the worker's check finds the leg in
    progress and holds it `on_line`, unsure: agents glance at the priority queue, then go on."""
    app, twilio, fake = rest_line(make_app, clock, mocker)
    cut_off(app)  # host A journals answer and bridge
    fake.status, fake.answered_by = "in-progress", "human"
    twilio.post(fake.create.call_args.kwargs["url"], {"CallSid": LEG, "AnsweredBy": "human"})
    x = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agentX")}).data)
    twilio.post(x.find(".//Queue").get("url"), {"CallSid": LEG, "QueueTime": "3",
                                               "DequeingCallSid": sid("agentX")})
    reconnect_runner_only(app)
    clock.advance(301)  # customer talking to X
    worker_round(app, clock)
    y = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agentY")}).data)
    # Twilio's Call resource cannot tell held from bridged: Y glances at the priority queue
    # (a held customer would be taken at once), then takes the queue itself
    assert y.find(".//Queue").text == "support-callbacks"
    assert y.find("Dial").get("timeout") == "5"
    then = parse(twilio.post(y.find("Dial").get("action"), {
        "CallSid": sid("agentY"), "DialCallStatus": "completed"}).data)
    assert then.find(".//Queue").text == "support"


def test_a_call_over_frees_the_customer_first_slot_though_its_answer_is_journaled(
        make_app, clock, mocker):
    """The answer is journaled on cut-off host A and the leg has ended: the check records
    its end as its status would, and the next customer is rung, not an hour later."""
    app, twilio, fake = rest_line(make_app, clock, mocker, second=True)
    answered_on_a_cut_off_host(app, twilio, fake, fake.create.call_args.kwargs["url"])
    clock.advance(40)
    fake.status = "completed"
    twilio.post(fake.create.call_args.kwargs["status_callback"],
                {"CallSid": LEG, "CallStatus": "completed"})  # stored
    clock.advance(301)
    worker_round(app, clock)
    clock.advance(600)
    worker_round(app, clock)
    assert fake.create.call_count == 2, statuses(app)  # c1 not rung for CHECK_LIMIT_S
