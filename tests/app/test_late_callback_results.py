"""A callback attempt's result reported after its claim was released is still a fact.

Host A, cut off from the database (its breaker open), journals an attempt's result; the
conversation (or the ring) outlasts claim_timeout_s, the worker releases the claim, and
another agent may claim the callback again before host A replays. The late result used to
be dropped for not matching the claim any more, and the replay counted it as applied: an
answered customer's callback ended `left`, with no CALLBACK_CONNECT, and was dialled again;
an unanswered attempt was never counted, so max_attempts could be exceeded. Now a late
answer settles the callback (the customer was served) and fences the newer claim out, and a
late unanswered attempt counts without undoing the newer claim.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage import callback_queue
from app.storage import commands as c
from app.storage.apply import apply
from app.storage.callback_rest import REST_CLAIMANT
from app.storage.db import as_utc, make_engine
from app.storage.schema import call_events, callbacks, calls
from tests.app.test_callbacks import CONFIG, enter
from tests.app.test_voice_contract import call_row, logged_events, request_callback
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CLAIM_TIMEOUT_S = 300


# -- two hosts on one PostgreSQL: host A journals, host B runs the worker and agent 2 --------
class TwoHosts:
    """Host A (cut off from the database at will) and host B, sharing one PostgreSQL."""

    def __init__(self, make_app, clock, postgres_url: str, tmp_path) -> None:
        self.clock = clock
        self.host_a = make_app(CONFIG, database_url=postgres_url,
                               journal_dir=str(tmp_path / "ja"))
        self.host_b = make_app(CONFIG, database_url=postgres_url,
                               journal_dir=str(tmp_path / "jb"))
        self.a = SignedClient(self.host_a.test_client(), AUTH_TOKEN)
        self.b = SignedClient(self.host_b.test_client(), AUTH_TOKEN)
        self.engine = self.host_b.extensions["holdwell"].store.engine

    def cut_off_a(self) -> None:
        self.host_a.extensions["holdwell"].store.runner.down_until = time.monotonic() + 1e9

    def replay_a(self) -> None:
        store = self.host_a.extensions["holdwell"].store
        store.runner.down_until = 0.0
        store.replay()
        assert store.journal.backlog() == 0

    def agent_dials(self, agent: str):  # noqa: ANN201 - the Dial element, or None
        return parse(self.b.post("/voice/agent", {"CallSid": agent}).data).find("Dial")

    def worker_round(self) -> int:
        return callback_queue.release_stale_claims(self.engine, self.clock.now(),
                                                   CLAIM_TIMEOUT_S)

    def callback(self):  # noqa: ANN201 - the row mapping
        with self.engine.connect() as conn:
            return conn.execute(select(callbacks)).mappings().one()


@pytest.fixture
def hosts(make_app, clock, postgres_url, tmp_path) -> TwoHosts:
    hosts = TwoHosts(make_app, clock, postgres_url, tmp_path)
    enter(hosts.b, sid("CA1"), clock)
    request_callback(hosts.b, sid("CA1"), queue_time=60)
    return hosts


def test_an_answer_journaled_on_a_cut_off_host_serves_the_callback_after_its_claim_timed_out(
        hosts, clock):
    first = hosts.agent_dials(sid("CAagent1"))
    clock.advance(20)
    hosts.cut_off_a()  # the customer answers; Twilio's request lands on host A
    greeting = hosts.a.post(first.find("Number").get("url"),
                            {"CallSid": sid("CAleg1"), "AnsweredBy": "human"})
    assert b"already spoken" not in greeting.data  # put through to agent 1
    clock.advance(400)  # a long conversation: the worker takes the claim back
    assert hosts.worker_round() == 1
    second = hosts.agent_dials(sid("CAagent2"))  # nothing tells the log they were answered
    assert second.find("Number") is not None
    hosts.replay_a()
    row = hosts.callback()
    assert row["status"] == "connected" and row["attempts"] == 1
    assert logged_events(hosts.host_b, sid("CA1")).count("CALLBACK_CONNECT") == 1
    record = call_row(hosts.host_b, sid("CA1"))
    assert record["outcome"] == "callback_connected"
    assert record["callback_wait_s"] == pytest.approx(60 + 20)  # to the answer, not the replay
    # agent 2's claim is fenced out: their customer is told, and nobody dials them again
    clock.advance(10)
    told = hosts.b.post(second.find("Number").get("url"),
                        {"CallSid": sid("CAleg2"), "AnsweredBy": "human"})
    assert b"already spoken with us" in told.data
    assert hosts.callback()["status"] == "connected"
    assert hosts.agent_dials(sid("CAagent3")).find("Number") is None


def test_an_unanswered_attempt_journaled_on_a_cut_off_host_still_counts(hosts, clock):
    first = hosts.agent_dials(sid("CAagent1"))
    clock.advance(30)
    hosts.cut_off_a()
    hosts.a.post(first.get("action"), {"CallSid": sid("CAagent1"),
                                       "DialCallStatus": "no-answer",
                                       "DialCallSid": sid("CAleg1")})
    clock.advance(400)
    assert hosts.worker_round() == 1
    hosts.replay_a()
    row = hosts.callback()
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert logged_events(hosts.host_b, sid("CA1")).count("CALLBACK_ATTEMPT") == 1


def test_a_late_unanswered_attempt_counts_without_undoing_the_newer_claim(hosts, clock):
    """max_attempts = 2: the late one and the newer claim's are both attempts, so the newer
    claim's no-answer is the last, and the customer is not rung a third time."""
    first = hosts.agent_dials(sid("CAagent1"))
    clock.advance(30)
    hosts.cut_off_a()
    hosts.a.post(first.get("action"), {"CallSid": sid("CAagent1"),
                                       "DialCallStatus": "no-answer",
                                       "DialCallSid": sid("CAleg1")})
    clock.advance(400)
    hosts.worker_round()
    second = hosts.agent_dials(sid("CAagent2"))
    token = hosts.callback()["claim_token"]
    hosts.replay_a()
    row = hosts.callback()
    assert (row["status"], row["claim_token"], row["attempts"]) == ("claimed", token, 1)
    clock.advance(30)
    hosts.b.post(second.get("action"), {"CallSid": sid("CAagent2"),
                                        "DialCallStatus": "no-answer",
                                        "DialCallSid": sid("CAleg2")})
    row = hosts.callback()
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert call_row(hosts.host_b, sid("CA1"))["outcome"] == "callback_failed"


# -- the writes themselves, on both databases ---------------------------------------------
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAX_ATTEMPTS = 3


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, sqlite_url):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def write(engine, command: c.Command) -> object:
    with engine.begin() as conn:
        return apply(conn, command)


def promised(engine) -> str:
    """A caller who waited 60 s and asked for a callback: their call's id."""
    call_id = f"CA{uuid.uuid4().hex}"
    labels = {"call_id": call_id, "queue": "support", "policy": "callback", "arm": ""}
    write(engine, c.BeginCall(now=at(0), from_number="+14155550100", **labels))
    write(engine, c.NotePoll(now=at(0), queue_time_s=0, position=1, **labels))
    write(engine, c.RequestCallback(call_id=call_id, now=at(60), queue="support",
                                    number="+14155550100", digit="2", queue_time_s=60))
    write(engine, c.QueueResult(call_id=call_id, now=at(60), queue="support", result="leave",
                                queue_time_s=60))  # off the line: the callback may ring
    return call_id


def claim(engine, call_id: str, claimant: str, seconds: float) -> str | None:
    with engine.begin() as conn:
        taken = callback_queue.claim(conn, call_id, claimant, at(seconds))
    return taken.claim if taken else None


def release(engine, call_id: str, seconds: float) -> None:
    """The worker's round for this callback alone (other tests' rows share the database)."""
    with engine.begin() as conn:
        conn.execute(callbacks.update().where(
            callbacks.c.call_id == call_id, callbacks.c.status.in_(("claimed", "on_line")),
            callbacks.c.claimed_at < at(seconds - CLAIM_TIMEOUT_S),
        ).values(status="pending", claimed_by=None, claimed_at=None, claim_token=None))


def answered(call_id: str, token: str | None, seconds: float) -> c.CallbackConnected:
    return c.CallbackConnected(call_id=call_id, now=at(seconds), claim=token)


def unanswered(call_id: str, token: str | None, seconds: float, leg: str,
               result: str = "no-answer", final: bool = False) -> c.CallbackUnanswered:
    return c.CallbackUnanswered(call_id=call_id, now=at(seconds), claim=token, result=result,
                                attempt_key=leg, max_attempts=MAX_ATTEMPTS, final=final)


def state(engine, call_id: str) -> dict:
    """What the log says of the callback: its row, its call's record and its facts."""
    with engine.connect() as conn:
        row = conn.execute(select(callbacks).where(callbacks.c.call_id == call_id)
                           ).mappings().one()
        record = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().one()
        facts = conn.execute(select(call_events.c.event, call_events.c.time).where(
            call_events.c.call_id == call_id)).all()
    return {"status": row["status"], "attempts": row["attempts"],
            "failure_text": row["failure_text"], "outcome": record["outcome"],
            "callback_wait_s": record["callback_wait_s"],
            "attempt_facts": sum(1 for f in facts if f.event == "CALLBACK_ATTEMPT"),
            "connects": [as_utc(f.time) for f in facts if f.event == "CALLBACK_CONNECT"]}


ORDERS = st.lists(st.integers(0, 3), min_size=1, max_size=3)
"""Where host A's late answer is applied (again) among the worker's release (0), the newer
claim (1) and that claim's result (2): before, between, or after (3)."""


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(late_at=ORDERS, newer=st.sampled_from(["answered", "no-answer", None]),
       newer_twice=st.booleans())
def test_a_late_answer_in_any_order_leaves_the_callback_served_once_at_its_answer(
        engine, late_at, newer, newer_twice):
    """Claim X's customer answered at 120 s (journaled); the claim is released at 420 s,
    claim Y rings them at 430 s, and Y's result (answered, no answer, or none yet) comes at
    460 s, once or twice. Whenever X's answer is applied, and however often, the callback is
    served, once, at 120 s, and every attempt that happened is counted once."""
    call_id = promised(engine)
    x = claim(engine, call_id, "CAagentX", 100)
    late = answered(call_id, x, 120)
    y: str | None = None
    for step in range(4):
        for _ in range(late_at.count(step)):
            write(engine, late)
        if step == 0:
            release(engine, call_id, 420)
        elif step == 1:
            y = claim(engine, call_id, "CAagentY", 430)
        elif step == 2 and y is not None and newer is not None:
            result = (answered(call_id, y, 460) if newer == "answered"
                      else unanswered(call_id, y, 460, "CAlegY"))
            for _ in range(1 + newer_twice):
                write(engine, result)
    said = state(engine, call_id)
    attempts = 1 + (y is not None and newer is not None)
    assert (said["status"], said["attempts"], said["attempt_facts"]) == \
        ("connected", attempts, attempts)
    assert said["connects"] == [at(120)]
    assert (said["outcome"], said["callback_wait_s"]) == ("callback_connected", 120)
    assert claim(engine, call_id, "CAagentZ", 500) is None  # nobody dials them again


def test_a_late_answer_settles_a_callback_failed_meanwhile_and_its_text_is_not_owed(engine):
    call_id = promised(engine)
    x = claim(engine, call_id, "CAagentX", 100)
    release(engine, call_id, 420)
    for n, seconds in enumerate((430, 800, 1200)):  # the newer claims ring out
        token = claim(engine, call_id, f"CAagent{n}", seconds)
        write(engine, unanswered(call_id, token, seconds + 30, f"CAleg{n}"))
    assert state(engine, call_id)["status"] == "failed"
    write(engine, answered(call_id, x, 120))  # host A's journal, at last
    said = state(engine, call_id)
    assert (said["status"], said["failure_text"]) == ("connected", None)
    assert (said["outcome"], said["attempts"]) == ("callback_connected", 4)


def test_a_customer_held_on_a_newer_claim_stays_held_and_is_never_failed(engine):
    """A REST call of a newer claim has them holding for an agent when the late answer
    comes: they stay held (an agent takes them), and hanging up there ends the callback
    connected, not failed: no "we could not reach you" text to someone who was served."""
    call_id = promised(engine)
    x = claim(engine, call_id, "CAagentX", 100)
    release(engine, call_id, 420)
    y = claim(engine, call_id, REST_CLAIMANT, 430)
    write(engine, c.CallbackOnLine(call_id=call_id, now=at(440), claim=y, leg_sid="CAlegY"))
    write(engine, answered(call_id, x, 120))
    assert state(engine, call_id)["status"] == "on_line"
    write(engine, unanswered(call_id, y, 500, "CAlegY", result="hung up after answering",
                             final=True))
    said = state(engine, call_id)
    assert (said["status"], said["failure_text"]) == ("connected", None)
    assert (said["outcome"], said["connects"]) == ("callback_connected", [at(120)])


def test_a_late_unanswered_attempt_fails_a_pending_callback_with_none_left(engine):
    call_id = promised(engine)
    for n, seconds in enumerate((100, 500)):
        token = claim(engine, call_id, f"CAagent{n}", seconds)
        write(engine, unanswered(call_id, token, seconds + 30, f"CAleg{n}"))
    last = claim(engine, call_id, "CAagent2", 900)  # its no-answer is journaled elsewhere
    release(engine, call_id, 1300)
    write(engine, unanswered(call_id, last, 930, "CAleg2"))
    write(engine, unanswered(call_id, last, 930, "CAleg2"))  # replayed twice: counted once
    said = state(engine, call_id)
    assert (said["status"], said["attempts"], said["attempt_facts"]) == ("failed", 3, 3)
    assert said["outcome"] == "callback_failed"


def test_an_earlier_claims_end_does_not_hold_a_later_claim_for_an_hour(hosts, clock):
    """A claim's Dial end (CALLBACK_ENDED) holds that claim only: claim 1's voicemail answer
    journaled on a cut-off host while B heard its Dial end, then claim 2's agent call died
    mid-ring; claim 2 had been kept "claimed" for HELD_LIMIT_S (an hour) because some
    CALLBACK_ENDED of the callback existed (fault audit 42, finding 4)."""
    first = hosts.agent_dials(sid("CAagent1"))
    hosts.cut_off_a()  # voicemail picks up; the answer lands on the cut-off host
    hosts.a.post(first.find("Number").get("url"),
                 {"CallSid": sid("CAleg1"), "AnsweredBy": "machine_end_beep"})
    hosts.b.post(first.get("action"), {"CallSid": sid("CAagent1"),
                                       "DialCallStatus": "completed",
                                       "DialCallSid": sid("CAleg1")})
    hosts.replay_a()
    assert (hosts.callback()["status"], hosts.callback()["attempts"]) == ("pending", 1)
    assert "CALLBACK_ENDED" in logged_events(hosts.host_b, sid("CA1"))
    clock.advance(301)  # retry_after_s
    second = hosts.agent_dials(sid("CAagent2"))
    assert second.find("Number") is not None
    hosts.b.post("/voice/status", {"CallSid": sid("CAagent2"), "CallStatus": "completed"})
    clock.advance(CLAIM_TIMEOUT_S + 60)  # past any ring agent 2 could have started
    hosts.worker_round()
    assert hosts.callback()["status"] == "pending"
    assert hosts.agent_dials(sid("CAagent3")).find("Number") is not None
