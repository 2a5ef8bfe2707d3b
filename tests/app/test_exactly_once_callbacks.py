"""A promise is a promise: one request is dialled by one agent at a time, and an attempt's
result changes only the claim it belongs to (issue 11, "exactly-once callbacks")."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from app.signed_client import SignedClient
from app.storage import callback_queue
from app.storage import commands as c
from app.storage.apply import apply
from app.storage.db import make_engine
from app.storage.schema import callbacks
from hold_policies.config import ConfigError, load_config
from tests.app.test_callbacks import CONFIG, callback_rows, enter
from tests.app.test_voice_contract import call_row, logged_events, request_callback
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.callback_rows import seed_pending
from tests.support.sids import sid

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def claimed_dial(twilio, agent: str) -> dict[str, str]:
    """The agent's /voice/agent answer when it dials a callback: the URL's call and claim."""
    answer = parse(twilio.post("/voice/agent", {"CallSid": agent}).data)
    action = answer.find("Dial").get("action")
    query = {k: v[0] for k, v in parse_qs(urlsplit(action).query).items()}
    assert "claim" in query, "a dialled callback carries its claim's token"
    return query


def report(twilio, fence: dict[str, str], status: str, leg: str):
    return twilio.post(
        f"/voice/callback/dial-result?call={fence['call']}&claim={fence['claim']}&queue=support",
        {"CallSid": sid("CAagent"), "DialCallStatus": status, "DialCallSid": leg})


@pytest.fixture
def promised(make_app, clock):
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    return app, twilio


def test_a_late_result_of_a_released_claim_never_undoes_the_next_one(promised, clock):
    app, twilio = promised
    first = claimed_dial(twilio, sid("CAagentA"))
    clock.advance(400)  # A's call died silently; the watch takes the claim back
    released = callback_queue.release_stale_claims(app.extensions["holdwell"].store.engine,
                                                   clock.now(), claim_timeout_s=180)
    assert released == 1
    second = claimed_dial(twilio, sid("CAagentB"))
    assert second["claim"] != first["claim"]
    report(twilio, first, "no-answer", sid("CAlegA"))  # A's ring finally ends, late
    row = callback_rows(app)[0]
    assert row["status"] == "claimed" and row["claimed_by"] == sid("CAagentB")
    assert row["attempts"] == 1  # the customer was rung: an attempt, but B's claim stands
    report(twilio, second, "busy", sid("CAlegB"))
    assert callback_rows(app)[0]["attempts"] == 2
    assert logged_events(app, sid("CA1")).count("CALLBACK_ATTEMPT") == 2


def test_an_ended_agent_call_frees_its_claim_at_once(promised):
    app, twilio = promised
    claimed_dial(twilio, sid("CAagentA"))
    twilio.post("/voice/status", {"CallSid": sid("CAagentB"), "CallStatus": "completed"})
    assert callback_rows(app)[0]["status"] == "claimed"  # someone else's call: no change
    twilio.post("/voice/status", {"CallSid": sid("CAagentA"), "CallStatus": "completed"})
    row = callback_rows(app)[0]
    assert row["status"] == "pending" and row["claim_token"] is None
    assert call_row(app, sid("CA1"))["outcome"] == "left"  # the caller's own record is untouched


def test_a_claim_freed_mid_ring_waits_for_its_rings_result_before_another_agent_rings(
        promised, clock):
    """With no REST credentials to ask how the ring went, an agent call that died while the
    customer's phone rang freed its claim at once: another agent rang them again, the dead
    Dial's result then came in late and counted, and the live claim's made a third ring of a
    max_attempts = 2 callback (chaos soak 33, defect 2). The claim now goes back to the line
    when the ring it may have started is over, so a late result counts before anyone rings."""
    app, twilio = promised
    first = claimed_dial(twilio, sid("CAagentA"))
    report(twilio, first, "busy", sid("CAlegA"))  # attempt 1 of 2
    clock.advance(301)  # retry_after_s
    second = claimed_dial(twilio, sid("CAagentB"))
    twilio.post("/voice/status", {"CallSid": sid("CAagentB"), "CallStatus": "completed"})
    row = callback_rows(app)[0]
    assert row["status"] == "pending" and row["claim_token"] is None  # freed, but not yet due
    clock.advance(5)
    again = parse(twilio.post("/voice/agent", {"CallSid": sid("CAagentC")}).data)
    assert again.find(".//Number") is None, "rung again while B's ring may still be going"
    report(twilio, second, "no-answer", sid("CAlegB"))  # B's Dial's result, late: attempt 2
    row = callback_rows(app)[0]
    assert (row["attempts"], row["status"]) == (2, "failed")
    clock.advance(600)
    assert parse(twilio.post("/voice/agent", {"CallSid": sid("CAagentD")}).data).find(
        ".//Number") is None  # never a third ring


def test_a_claim_freed_mid_ring_with_no_result_is_rung_once_its_ring_is_over(promised, clock):
    app, twilio = promised
    claimed_dial(twilio, sid("CAagentA"))
    twilio.post("/voice/status", {"CallSid": sid("CAagentA"), "CallStatus": "completed"})
    settings = app.extensions["holdwell"].config.callbacks
    clock.advance(settings.least_claim_s() + 1)  # the longest ring it could have started
    assert claimed_dial(twilio, sid("CAagentB"))["call"] == sid("CA1")
    assert callback_rows(app)[0]["attempts"] == 0  # nothing was reported: no attempt


def test_a_connected_result_counts_once_and_only_for_its_claim(promised):
    app, twilio = promised
    fence = claimed_dial(twilio, sid("CAagentA"))
    for _ in range(2):  # Twilio retries the answer webhook
        twilio.post(f"/voice/callback/answer?call={sid('CA1')}&claim={fence['claim']}&queue=support",
                    {"CallSid": sid("CAleg"), "AnsweredBy": "human"})
    assert callback_rows(app)[0]["status"] == "connected"
    assert logged_events(app, sid("CA1")).count("CALLBACK_CONNECT") == 1
    assert call_row(app, sid("CA1"))["outcome"] == "callback_connected"


def test_a_claim_may_not_expire_while_its_customer_can_still_be_ringing(config_file):
    with pytest.raises(ConfigError, match="claim_timeout_s"):
        load_config(config_file("[callbacks]\nring_timeout_s = 120\nclaim_timeout_s = 30\n"))


def test_many_agents_late_and_repeated_results_never_dial_a_customer_twice(postgres_url):
    """Agents race for 20 callbacks on PostgreSQL; results come late, twice, or never (a
    killed worker), and the watch releases stale claims. At no moment are two dials of one
    request live, and every request ends connected or failed."""
    engine = make_engine(postgres_url)
    seed_pending(engine, [f"CB{i:02d}" for i in range(20)], START)
    live: dict[str, str] = {}  # call -> the claim token being dialled now
    overlaps: list[str] = []
    late: list[c.Command] = []
    failed: list[BaseException] = []  # an agent's thread that died (a deadlock, say)
    lock = threading.Lock()
    now = START + timedelta(hours=1)

    def write(command: c.Command) -> object:
        with engine.begin() as conn:
            return apply(conn, command)

    def agent(n: int) -> None:
        try:
            agent_turns(n)
        except BaseException as error:  # noqa: BLE001 - the test fails on it below
            failed.append(error)

    def agent_turns(n: int) -> None:
        rng = random.Random(n)
        for turn in range(40):
            with engine.begin() as conn:
                claim = callback_queue.claim_next(conn, "support", f"AG{n}-{turn}", now)
            if claim is None:
                continue
            with lock:
                if claim.call_id in live:
                    overlaps.append(claim.call_id)
                live[claim.call_id] = claim.claim
            answered = rng.random() < 0.3
            result = (c.CallbackConnected(call_id=claim.call_id, now=now, claim=claim.claim)
                      if answered else c.CallbackUnanswered(
                          call_id=claim.call_id, now=now, claim=claim.claim, result="busy",
                          attempt_key=f"leg-{n}-{turn}", max_attempts=3, retry_after_s=0))
            with lock:
                live.pop(claim.call_id, None)
            if rng.random() < 0.1:  # the agent's worker died: no result, the watch frees it
                with lock:
                    late.append(result)
                callback_queue.release_stale_claims(engine, now + timedelta(hours=1), 180)
                continue
            write(result)
            if rng.random() < 0.3:
                write(result)  # a retried webhook

    threads = [threading.Thread(target=agent, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    for command in late:  # results that arrive after their claim was given to someone else
        write(command)
    for _ in range(20):  # agents keep taking what is left
        with engine.begin() as conn:
            claim = callback_queue.claim_next(conn, "support", "AGlast", now)
        if claim is None:
            break
        write(c.CallbackConnected(call_id=claim.call_id, now=now, claim=claim.claim))
    with engine.connect() as conn:
        statuses = dict(conn.execute(select(callbacks.c.call_id, callbacks.c.status)).all())
    engine.dispose()
    assert overlaps == []
    assert set(statuses.values()) <= {"connected", "failed"}, statuses


def test_a_customer_answered_on_their_own_call_is_never_put_through_to_a_second_agent(
        make_app, clock):
    """Agent B frees up during the confirmation and dials the callback; agent A takes the
    caller from the queue before their <Leave/> (the callback is cancelled). When they pick
    up B's leg, they hear they were helped and the leg ends: nobody is served twice."""
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    fence = claimed_dial(twilio, sid("CAagentB"))
    twilio.post("/voice/connect?queue=support", {"CallSid": sid("CA1"), "QueueTime": "65",
                                                 "DequeingCallSid": sid("CAagentA")})
    assert callback_rows(app)[0]["status"] == "cancelled"
    answer = twilio.post(
        f"/voice/callback/answer?call={sid('CA1')}&claim={fence['claim']}&queue=support",
        {"CallSid": sid("CAleg"), "AnsweredBy": "human"})
    verbs = [verb.tag for verb in parse(answer.data)]
    assert verbs == ["Say", "Hangup"] and b"already spoken with us" in answer.data
    assert "CALLBACK_CONNECT" not in logged_events(app, sid("CA1"))
    assert call_row(app, sid("CA1"))["outcome"] == "answered"


def test_a_retried_agent_request_dials_the_same_claim_not_a_second_one(make_app, clock):
    """Twilio retries /voice/agent when our answer was lost: it will run only the retry's
    Dial, so the retry gets the claim the first request took, never a second callback left
    claimed and unrung. A later request of the same agent call takes the next one."""
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    callers = (("CA1", "+14155550100"), ("CA2", "+14155550101"))
    for name, number in callers:
        enter(twilio, sid(name), clock, caller=number)
        clock.advance(5)
    for name, number in callers:
        form = {"CallSid": sid(name), "From": number, "QueueTime": "70", "QueuePosition": "1",
                "CurrentQueueSize": "2", "Digits": "2"}
        offer = twilio.post("/voice/choice?policy=callback&queue=support", form)
        twilio.post(parse(offer.data).find("Gather").get("action"), {**form, "Digits": "1"})
        twilio.post("/voice/queue-result?policy=callback&queue=support",  # off the line
                    {"CallSid": sid(name), "QueueResult": "leave", "QueueTime": "70"})
    first = claimed_dial(twilio, sid("CAagent"))
    clock.advance(3)
    retry = claimed_dial(twilio, sid("CAagent"))
    assert retry == first
    assert [row["status"] for row in callback_rows(app)] == ["claimed", "pending"]
    report(twilio, first, "busy", sid("CAleg1"))
    clock.advance(30)  # past the retry window: the agent's next loop
    following = claimed_dial(twilio, sid("CAagent"))
    assert following["call"] == sid("CA2")


def test_an_agent_who_hangs_up_while_the_customer_rings_costs_them_no_attempt(promised,
                                                                                clock):
    """DialCallStatus=canceled is the agent's doing: no attempt is counted, and the result
    gives the callback back at once, in its place: its ring is over (the agent call's end,
    which no longer knows whether a ring goes on, would make it wait for one)."""
    from app.storage.db import as_utc

    app, twilio = promised
    fence = claimed_dial(twilio, sid("CAagentA"))
    report(twilio, fence, "canceled", sid("CAleg"))
    row = callback_rows(app)[0]
    assert (row["status"], row["claim_token"], row["attempts"]) == ("pending", None, 0)
    twilio.post("/voice/status", {"CallSid": sid("CAagentA"), "CallStatus": "completed"})
    row = callback_rows(app)[0]
    assert row["attempts"] == 0 and row["status"] == "pending"
    assert row["next_attempt_at"] is None or as_utc(row["next_attempt_at"]) <= clock.now()
    # due again at once
    assert "CALLBACK_ATTEMPT" not in logged_events(app, sid("CA1"))


def test_while_the_journal_holds_writes_a_claim_is_not_given_again(make_app, clock):
    """The redirect after a dial result whose write was journaled looks like a retry: with
    a backlog the claim is not given again (that customer was just rung), the next one is."""
    app = make_app(CONFIG)
    svc = app.extensions["holdwell"]
    seed_pending(svc.store.engine, [sid("first"), sid("second")], clock.now())
    with svc.store.engine.begin() as conn:
        claim = callback_queue.claim_next(conn, "support", sid("CAagent"), clock.now(),
                                          only_if_older_than_queue=False)
        again = callback_queue.claim_next(conn, "support", sid("CAagent"), clock.now(),
                                          only_if_older_than_queue=False)
        other = callback_queue.claim_next(conn, "support", sid("CAagent"), clock.now(),
                                          only_if_older_than_queue=False, again=False)
    assert claim.call_id == again.call_id == sid("first") and claim.claim == again.claim
    assert other.call_id == sid("second")


def test_releasing_stale_claims_never_waits_on_a_claim_another_transaction_holds(
        postgres_url):
    """The watch skips a stale claim that is being settled (or released by another host's
    watch) right now and frees the rest; it takes that one next round. Waiting for it, two
    watches' multi-row UPDATEs locked rows in two orders and PostgreSQL aborted one as a
    deadlock (seen in the many-agents test above)."""
    engine = make_engine(postgres_url)
    ids = [f"CB{i:02d}" for i in range(10)]
    seed_pending(engine, ids, START)
    with engine.begin() as conn:
        conn.execute(update(callbacks).values(status="claimed", claimed_by="AG",
                                              claimed_at=START, claim_token="t"))
    later = START + timedelta(hours=2)
    released: list[int] = []
    with engine.connect() as holder, holder.begin():
        holder.execute(select(callbacks).where(callbacks.c.call_id == "CB05")
                       .with_for_update())
        watch = threading.Thread(target=lambda: released.append(
            callback_queue.release_stale_claims(engine, later, 180)))
        watch.start()
        watch.join(5)
        waited = watch.is_alive()
    watch.join(10)
    assert not waited, "the watch waited for a row another transaction held"
    assert released == [9]
    assert callback_queue.release_stale_claims(engine, later, 180) == 1  # its next round
    with engine.connect() as conn:
        assert set(conn.execute(select(callbacks.c.status)).scalars()) == {"pending"}
    engine.dispose()


@pytest.mark.parametrize("order", ["answer_first", "end_first"])
def test_a_callbacks_end_is_kept_whichever_comes_first(promised, order):
    """The Dial's result can reach the database before the answer (journaled on a host cut
    off): the talk's end was lost then, and the log read differently by order."""
    app, twilio = promised
    fence = claimed_dial(twilio, sid("CAagentA"))
    store, now = app.extensions["holdwell"].store, datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    answer = c.CallbackConnected(call_id=sid("CA1"), now=now, claim=fence["claim"])
    end = c.CallbackEnded(call_id=sid("CA1"), now=now + timedelta(seconds=300),
                          claim=fence["claim"])
    for command in ([answer, end] if order == "answer_first" else [end, answer]):
        with store.engine.begin() as conn:
            apply(conn, command)
    events = logged_events(app, sid("CA1"))
    assert events.count("CALLBACK_ENDED") == 1 and "CALLBACK_CONNECT" in events
    assert call_row(app, sid("CA1"))["outcome"] == "callback_connected"
