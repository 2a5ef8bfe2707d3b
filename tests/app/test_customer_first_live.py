"""Customer-first dialling, live (issue 16 item 7), beyond tests/app/test_customer_first.py:
how many are rung at once, the wait after answering in the log, nobody who answered dialled
twice, the leg's real end freeing the line, and the at-risk REST path staying opt-in. Through
the real routes; Twilio's REST client is mocked at its boundary."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from app.callback_placer import RestPlacer
from app.callback_watch import watch_round
from app.claim_checks import END_UNHEARD_S
from app.signed_client import SignedClient
from app.storage import callback_rest
from app.storage.db import make_engine
from app.storage.schema import call_events, callbacks
from tests.app.test_callbacks import CONFIG, enter
from tests.app.test_one_callback_per_person import ask_for_callback
from tests.app.test_voice_contract import call_row, logged_events, request_callback
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.callback_rows import seed_pending
from tests.support.sids import sid
from tests.support.threads import run_together

PUBLIC = "https://hold.example.com"
FIRST = CONFIG + 'dialling = "customer_first"\n'  # customer_first_at_once: the default, 2
NUMBERS = ("+14155550100", "+14155550199", "+14155550177")


@pytest.fixture
def three(make_app, clock):
    """Three callers, each with a callback booked from their own phone, oldest first."""
    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    for n, number in enumerate(NUMBERS):
        enter(twilio, sid(f"c{n}"), clock, caller=number)
        ask_for_callback(twilio, sid(f"c{n}"), number)
        clock.advance(5)
    return app, twilio


def worker_round(app, clock, mocker, config=None):
    services = app.extensions["holdwell"]
    create = mocker.patch.object(services.rest_client.calls, "create")
    config = config or services.config
    placer = RestPlacer.configured(services.rest_client, PUBLIC, config.line.support_number,
                                   config.callbacks)
    return watch_round(services.store.engine, config, clock.now(), placer), create


def statuses(app) -> dict[str, str]:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return dict(conn.execute(select(callbacks.c.call_id, callbacks.c.status)).all())


def answer(twilio, create_call, leg: str, answered_by: str = "human"):
    return twilio.post(create_call.kwargs["url"], {"CallSid": sid(leg),
                                                   "AnsweredBy": answered_by})


def fence_of(create_call) -> str:
    """The query naming the callback and its claim, as the REST call's URLs carry it."""
    return create_call.kwargs["url"].split("?", 1)[1]


def connect_data(app, call_id: str) -> dict:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        data = conn.execute(select(call_events.c.data).where(
            call_events.c.call_id == call_id,
            call_events.c.event == "CALLBACK_CONNECT")).scalar_one()
    return json.loads(data) if isinstance(data, str) else data


def test_two_are_rung_at_once_by_default_and_the_third_waits_for_one_to_be_taken(
    three, clock, mocker
):
    app, twilio = three
    report, create = worker_round(app, clock, mocker)
    assert report.placed == [sid("c0"), sid("c1")]  # oldest first, two at once
    assert [call.kwargs["to"] for call in create.call_args_list] == list(NUMBERS[:2])
    answer(twilio, create.call_args_list[0], "leg0")
    again, create_again = worker_round(app, clock, mocker)
    assert again.placed == [] and not create_again.called  # one ringing, one held: full
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent")})
    queue = parse(agent.data).find(".//Queue")
    twilio.post(queue.get("url"), {"CallSid": sid("leg0"), "QueueTime": "12"})
    after, create_after = worker_round(app, clock, mocker)
    assert after.placed == [sid("c2")] and create_after.call_args.kwargs["to"] == NUMBERS[2]


def test_the_wait_after_answering_is_logged_and_the_callback_counts_as_connected(
    three, clock, mocker
):
    app, twilio = three
    _, create = worker_round(app, clock, mocker)
    answer(twilio, create.call_args_list[0], "leg0")
    clock.advance(20)
    agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent")})
    twilio.post(parse(agent.data).find(".//Queue").get("url"),
                {"CallSid": sid("leg0"), "QueueTime": "19"})
    assert connect_data(app, sid("c0")) == {"held_s": 19.0}
    assert call_row(app, sid("c0"))["outcome"] == "callback_connected"
    assert statuses(app)[sid("c0")] == "connected"


def test_a_customer_who_answered_and_hung_up_waiting_is_never_dialled_again(
    three, clock, mocker
):
    app, twilio = three
    _, create = worker_round(app, clock, mocker)
    answered = answer(twilio, create.call_args_list[0], "leg0")
    result_url = parse(answered.data).find("Enqueue").get("action")
    twilio.post(result_url, {"CallSid": sid("leg0"), "QueueResult": "hangup"})
    assert statuses(app)[sid("c0")] == "failed"  # max_attempts is 2: this was the first
    assert logged_events(app, sid("c0"))[-1] == "CALLBACK_FAILED"
    # its leg's completion, a Twilio retry of the result, and later rounds change nothing
    twilio.post(f"/voice/callback/rest-status?{fence_of(create.call_args_list[0])}",
                {"CallSid": sid("leg0"), "CallStatus": "completed"})
    twilio.post(result_url, {"CallSid": sid("leg0"), "QueueResult": "hangup"})
    clock.advance(3600)
    report, later = worker_round(app, clock, mocker)
    assert sid("c0") not in report.placed
    assert NUMBERS[0] not in [call.kwargs["to"] for call in later.call_args_list]
    assert logged_events(app, sid("c0")).count("CALLBACK_ATTEMPT") == 1


def test_a_leg_that_ends_while_on_the_line_frees_the_queue_without_its_queue_result(
    three, clock, mocker
):
    """The Enqueue action never reached us; the leg's real end (its status callback) does:
    its slot is free at once; how it ended (a bridge or a hang-up) may still be journaled
    on a host cut off, so the callback ends as a hang-up only END_UNHEARD_S later."""
    app, twilio = three
    _, create = worker_round(app, clock, mocker)
    answer(twilio, create.call_args_list[0], "leg0")
    answer(twilio, create.call_args_list[1], "leg1")
    full, _ = worker_round(app, clock, mocker)
    assert full.placed == []
    twilio.post(f"/voice/callback/rest-status?{fence_of(create.call_args_list[0])}",
                {"CallSid": sid("leg0"), "CallStatus": "completed"})
    freed, create_freed = worker_round(app, clock, mocker)
    assert freed.placed == [sid("c2")]
    assert statuses(app)[sid("c0")] == "on_line"
    clock.advance(END_UNHEARD_S + 1)
    worker_round(app, clock, mocker)
    assert statuses(app)[sid("c0")] == "failed"


def test_voicemail_is_an_unanswered_attempt_retried_after_the_spacing(three, clock, mocker):
    app, twilio = three
    _, create = worker_round(app, clock, mocker)
    machine = answer(twilio, create.call_args_list[0], "leg0", "machine_end_beep")
    assert parse(machine.data).find("Hangup") is not None
    assert statuses(app)[sid("c0")] == "pending"
    soon, create_soon = worker_round(app, clock, mocker)
    assert sid("c0") not in soon.placed  # waits out its spacing; the next in turn goes
    assert soon.placed == [sid("c2")]
    answer(twilio, create.call_args_list[1], "leg1")
    twilio.post(f"/voice/callback/rest-status?{fence_of(create.call_args_list[1])}",
                {"CallSid": sid("leg1"), "CallStatus": "completed"})  # hung up: c1 done
    twilio.post(f"/voice/callback/rest-status?{fence_of(create_soon.call_args)}",
                {"CallSid": sid("leg2"), "CallStatus": "no-answer"})
    clock.advance(timedelta(minutes=6).total_seconds())
    retried, create_retry = worker_round(app, clock, mocker)
    assert retried.placed[0] == sid("c0")
    assert create_retry.call_args_list[0].kwargs["to"] == NUMBERS[0]


def test_at_risk_callbacks_are_rung_by_rest_only_with_place_via_rest(make_app, clock, mocker):
    """A customer-first queue makes the worker ring; it does not switch on REST calls for
    other queues' at-risk callbacks (place_via_rest stays the operator's choice)."""
    config = CONFIG.replace("[line]\n", '[line]\ndefault_queue = "support"\n') \
        + '[queues.sales]\npolicy = "callback"\n[queues.sales.callback]\n' \
        'dialling = "customer_first"\n'
    app = make_app(config, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    enter(twilio, sid("old"), clock)
    request_callback(twilio, sid("old"), queue_time=60)  # agent-first queue "support"
    with app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(callbacks.update().values(promised_by=clock.now()))  # overdue
    report, create = worker_round(app, clock, mocker)
    assert report.overdue == [sid("old")] and report.placed == [] and not create.called
    services = app.extensions["holdwell"]
    opted_in = services.config.model_copy(update={
        "callbacks": services.config.callbacks.model_copy(update={"place_via_rest": True})})
    report, create = worker_round(app, clock, mocker, opted_in)
    assert report.placed == [sid("old")] and create.call_count == 1


START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WATCHERS, AT_ONCE = 6, 2


def ring_concurrently(url: str) -> list[str]:
    """Several watchers claim in turn at the same moment: never more than AT_ONCE in hand."""
    engine = make_engine(url)
    seed_pending(engine, [f"CA{i:03d}" for i in range(10)], START)
    claimed: list[str] = []
    errors: list[BaseException] = []
    lock, barrier = threading.Lock(), threading.Barrier(WATCHERS)

    def watcher() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                found = callback_rest.claim_in_turn(engine, "support",
                                                    START + timedelta(hours=1), AT_ONCE)
                if found is not None:
                    with lock:
                        claimed.append(found.call_id)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    run_together(watcher, [()] * WATCHERS)
    engine.dispose()
    assert errors == []
    return claimed


def test_concurrent_watchers_on_sqlite_never_ring_more_than_allowed(sqlite_url):
    assert sorted(ring_concurrently(sqlite_url)) == ["CA000", "CA001"]


def test_concurrent_watchers_on_postgresql_never_ring_more_than_allowed(postgres_url):
    assert sorted(ring_concurrently(postgres_url)) == ["CA000", "CA001"]


def test_an_answered_customer_still_counts_ahead_in_the_positions_said(sqlite_url):
    """Rung and held customers keep their place in what later callers hear (as the fast
    engine counts them), until an agent takes them."""
    from app.storage.prepared import CALLBACKS_AHEAD

    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(insert(callbacks), [
            {"call_id": f"CA{status}", "queue": "support", "number": "+14155550100",
             "entered_at": START, "requested_at": START, "status": status}
            for status in ("on_line", "claimed", "connected", "failed")])
        ahead = conn.execute(CALLBACKS_AHEAD[False].statement, {"queue": "support",
                                               "entered": START + timedelta(minutes=1)})
        assert ahead.scalar_one() == 2
    engine.dispose()


def test_a_caller_answered_on_their_own_call_while_being_rung_is_told_and_never_retried(
    three, clock, mocker
):
    """The worker rang c0 as they were still hearing the confirmation in line, and an agent
    took them there (the emulator saw it): the callback is cancelled, the REST leg they may
    still pick up is told they were helped (not held for a second agent), and no later
    result or round rings them again."""
    app, twilio = three
    _, create = worker_round(app, clock, mocker)
    assert statuses(app)[sid("c0")] == "claimed"
    twilio.post("/voice/connect?queue=support", {"CallSid": sid("c0"), "QueueTime": "20"})
    assert statuses(app)[sid("c0")] == "cancelled"
    picked_up = answer(twilio, create.call_args_list[0], "leg0")
    assert parse(picked_up.data).find("Hangup") is not None
    assert parse(picked_up.data).find("Enqueue") is None
    assert "already spoken with us" in picked_up.data.decode()
    twilio.post(f"/voice/callback/rest-status?{fence_of(create.call_args_list[0])}",
                {"CallSid": sid("leg0"), "CallStatus": "busy"})
    clock.advance(timedelta(minutes=10).total_seconds())
    later, _ = worker_round(app, clock, mocker)
    assert sid("c0") not in later.placed and statuses(app)[sid("c0")] == "cancelled"
    assert call_row(app, sid("c0"))["outcome"] == "answered"


def agent_loop(twilio, url: str = "/voice/agent?queue=support"):
    """What an agent's call is told to dial: (the queue, the Dial's timeout, its action)."""
    answer = twilio.post(url, {"CallSid": sid("agent"), "To": "client:agent"})
    assert answer.status_code == 200
    dial = parse(answer.data).find("Dial")
    return dial.find("Queue").text, dial.get("timeout"), dial.get("action")


@pytest.mark.parametrize("fault", ["slow", "bug"])
def test_without_the_log_agents_glance_at_held_customers_then_take_the_queue(
        make_app, monkeypatch, fault):
    """A customer who answered holds in support-callbacks, but the call log cannot say so:
    rather than leave them holding until it answers again, each loop of an agent looks there
    first, briefly, then takes the queue itself."""
    from app.storage.deadline import DatabaseUnavailable
    from tests.support.broken_store import break_store

    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    if fault == "bug":
        break_store(app, monkeypatch)
    else:
        def unavailable(*_args, **_kwargs):
            raise DatabaseUnavailable("past the budget")

        for name in ("read", "write", "snapshot"):
            monkeypatch.setattr(app.extensions["holdwell"].store, name, unavailable)
    held, timeout, looked = agent_loop(twilio)
    assert (held, timeout) == ("support-callbacks", "5") and "held=looked" in looked
    queue, timeout, again = agent_loop(twilio, looked.removeprefix(PUBLIC))
    assert queue == "support" and "held=" not in again  # and the next loop glances again


def test_an_agent_first_queue_without_the_log_takes_the_queue_itself(make_app, monkeypatch):
    from tests.support.broken_store import break_store

    app = make_app(CONFIG, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    break_store(app, monkeypatch)
    assert agent_loop(twilio)[0] == "support"
