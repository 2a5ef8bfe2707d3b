"""Issue 16 item 6, found by the emulator: places in line while a rejoined caller waits.

A caller back after a dropped line waits in the app's `support-rejoin` Twilio queue, so
Twilio's QueuePosition in `support` leaves them out: a caller of `support` who entered after
them must still hear them counted ahead (otherwise "next in line" while they wait, and then
the never-up rule silences the position). Agents take the rejoin queue only when its head
entered before the queue's own head. Both databases: PostgreSQL counts in the steady poll's
one statement, SQLite in the poll's transaction.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, select, text

from app.storage.prepared import CALLBACKS_AHEAD, COUNT_STEADY_POLL_VIEW
from app.storage.schema import calls
from app.voice.resume import IDLE_WAIT_S
from app.voice.routes import AGENT_WAIT_S
from tests.app.test_resume_after_drop import CONFIG, DROPPED, EARLY, LATER, QR, WAIT, Line
from tests.app.test_storage_fast_paths import query_plan
from tests.app.twiml_reading import parse, spoken
from tests.support.sids import sid


@pytest.fixture(params=["sqlite", "postgresql"])
def line(request, make_app, clock):
    overrides = {}
    if request.param == "postgresql":
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    return Line(make_app(CONFIG, **overrides), clock)


def said_position(response) -> int | None:
    words = spoken(response.data)
    if "next in line" in words:
        return 1
    found = re.search(r"number (\d+) in line", words)
    return int(found.group(1)) if found else None


def enter(line: Line, call: str, number: str, position: int) -> None:
    line.ring(sid(call), number)
    line.poll(WAIT, sid(call), 0, position=position)


def drop_and_ring_back(line: Line, call: str, number: str, entered_s: int, position: int
                       ) -> str:
    """`call` (in line since `entered_s` ago) hears a check-in, its line drops 5 s later and
    it rings back 10 s after that: the rejoin queue's wait url."""
    checkin = line.poll(WAIT, sid(call), entered_s, position=position)
    assert "Sorry to keep you waiting" in spoken(checkin.data)
    line.clock.advance(5)
    line.twilio.post(QR, {"CallSid": sid(call), "QueueResult": "hangup",
                          "QueueTime": str(entered_s + 5)})
    line.clock.advance(10)
    back = line.ring(sid(call + " again"), number)
    enqueue = parse(back.data).find("Enqueue")
    assert enqueue.text == "support-rejoin"
    return enqueue.get("waitUrl")


def test_a_caller_of_the_queue_itself_counts_a_rejoined_caller_who_entered_before_them(line):
    enter(line, "early", EARLY, 1)
    line.clock.advance(30)
    enter(line, "dropped", DROPPED, 2)
    line.clock.advance(10)
    enter(line, "later", LATER, 3)
    line.clock.advance(50)
    rejoin_url = drop_and_ring_back(line, "dropped", DROPPED, 60, 2)
    line.poll(rejoin_url, sid("dropped again"), 0, position=1)
    line.clock.advance(5)
    # `later` is second in Twilio's `support` (early, later), but the rejoined caller entered
    # before them: they are third, at their first check-in and at any poll in between
    later = line.poll(WAIT, sid("later"), 70, position=2)
    assert said_position(later) == 3
    assert line.row(sid("later"))["told_position"] == 3
    early = line.poll(WAIT, sid("early"), 110, position=1)  # entered before: still first
    assert said_position(early) in (1, None)
    # the rejoined caller's own place: behind early only (Twilio: first in the rejoin queue)
    assert line.row(sid("dropped"))["last_position"] == 2
    with line.app.extensions["holdwell"].store.engine.connect() as conn:
        row = conn.execute(select(calls.c.told_position).where(
            calls.c.call_id == sid("later"))).scalar()
    assert row == 3


def two_drops(line: Line) -> tuple[str, str]:
    """R1 enters at 0 s, M at 20 s, R2 at 40 s. R2's line drops after its check-in at 100 s
    and it is back at 115 s; R1's drops after its second check-in at 120 s, back at 135 s:
    Twilio has R2 ahead of R1 in the rejoin queue, though R1 entered first."""
    enter(line, "r1", EARLY, 1)
    line.clock.advance(20)
    enter(line, "m", LATER, 2)
    line.clock.advance(20)
    enter(line, "r2", DROPPED, 3)
    line.clock.advance(20)
    line.poll(WAIT, sid("r1"), 60, position=1)  # r1's first check-in: no drop
    line.clock.advance(40)
    r2_url = drop_and_ring_back(line, "r2", DROPPED, 60, 3)
    line.poll(r2_url, sid("r2 again"), 0, position=1)
    line.clock.advance(5)
    r1_url = drop_and_ring_back(line, "r1", EARLY, 120, 1)
    line.poll(r1_url, sid("r1 again"), 0, position=2)
    return r1_url, r2_url


def test_agents_take_the_older_of_the_two_queue_heads(line):
    """M, who entered between R1 and R2, must not be overtaken by R2 (the rejoin queue's
    head); R1 cannot be taken before R2 (Twilio offers only a queue's head)."""
    two_drops(line)
    line.poll(WAIT, sid("m"), 115, position=1)
    first = line.twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent1")})
    assert parse(first.data).find(".//Queue").text == "support"
    line.twilio.post("/voice/connect?queue=support", {"CallSid": sid("m"), "QueueTime": "115",
                                                      "DequeingCallSid": sid("agent1")})
    second = line.twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent2")})
    assert parse(second.data).find(".//Queue").text == "support-rejoin"


def test_a_rejoined_caller_behind_a_later_entrant_in_the_rejoin_queue_is_told_so(line):
    """Twilio serves the rejoin queue in the order it was joined: R1 (entered first, rang
    back second) is second there, behind R2. M counts R1, who entered before them, not R2;
    that overstates M's place by one here (M is taken before both: the test above), the
    safe side of an inversion the README measures."""
    two_drops(line)
    assert line.row(sid("r1"))["last_position"] == 2  # r2 is ahead there, though later
    m = line.poll(WAIT, sid("m"), 115, position=1)
    assert said_position(m) == 2


def test_the_steady_poll_counts_rejoined_callers_through_indexes_on_postgresql(postgres_url):
    engine = create_engine(postgres_url)
    params = {"call": "CA1", "entered": "2026-01-05T09:00:00+00:00", "position": 1,
              "queue_time_s": 60.0, "now": "2026-01-05T09:01:00+00:00", "last_position": 1,
              "polls_1": 1, "policy_1": ""}
    compiled = COUNT_STEADY_POLL_VIEW[True].statement.compile(dialect=engine.dialect)
    values = {**compiled.params, **params}
    with engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # an empty table: ask what it can use
        plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {compiled}", values).scalars())
    engine.dispose()
    assert "ix_call_events_queue_event_time" in plan
    assert "ix_calls_waiting" in plan


def test_the_count_searches_indexes_on_sqlite(sqlite_url, make_app):
    make_app(CONFIG)  # migrates the database
    engine = create_engine(sqlite_url)
    plan = query_plan(engine, CALLBACKS_AHEAD[True].statement, queue="support", entered="2027")
    engine.dispose()
    assert "SEARCH call_events USING INDEX ix_call_events_queue_event_time" in plan
    assert "SEARCH oldest_waiting USING INDEX ix_calls_waiting" in plan
    assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", "")


def test_an_idle_agent_asks_again_sooner_where_callers_may_rejoin(line):
    """Waiting on `support`, an agent never sees a caller who goes into `support-rejoin`
    (Twilio), and would take a later arrival first: where the rule is on, the idle wait is
    IDLE_WAIT_S, so the agent's next request (which takes the rejoin queue) comes sooner."""
    agent = line.twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent1")})
    assert parse(agent.data).find(".//Dial").get("timeout") == str(IDLE_WAIT_S)
    two_drops(line)
    line.twilio.post("/voice/connect?queue=support", {"CallSid": sid("m"), "QueueTime": "115",
                                                      "DequeingCallSid": sid("agent1")})
    rejoin = line.twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent2")})
    assert parse(rejoin.data).find(".//Queue").text == "support-rejoin"
    assert parse(rejoin.data).find(".//Dial").get("timeout") == str(IDLE_WAIT_S)


def test_without_the_rule_an_idle_agent_waits_as_long_as_before(make_app, clock):
    plain = Line(make_app('[queues.support]\npolicy = "checkin"\n'), clock)
    agent = plain.twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent3")})
    assert parse(agent.data).find(".//Dial").get("timeout") == str(AGENT_WAIT_S)


def heard_next_in_line(line: Line, url: str, leg: str, queue_times: range) -> None:
    """`leg` alone ahead in the rejoin queue (Twilio's position 1) at each QueueTime, a
    minute apart: the place said is "next in line" at least once, and never any other."""
    heard = []
    for queue_time in queue_times:
        line.clock.advance(60)
        heard.append(said_position(line.poll(url, sid(leg), queue_time, position=1)))
    assert 1 in heard and set(heard) <= {1, None}, heard


def test_a_rejoined_caller_alone_in_line_hears_they_are_next(line):
    """Told "number 2" before the drop, alone in line after it: their own rejoin was counted
    as a rejoined caller ahead of them (their time in line restarted at the rejoin, and they
    first entered before it), so they went on being second and never heard "next in line"
    (caller audit 34, defect 1)."""
    enter(line, "dropped", DROPPED, 2)
    line.clock.advance(60)
    rejoin_url = drop_and_ring_back(line, "dropped", DROPPED, 60, 2)
    heard_next_in_line(line, rejoin_url, "dropped again", range(0, 181, 60))
    assert line.row(sid("dropped"))["told_position"] == 1


def test_a_rejoined_caller_does_not_count_one_who_entered_after_them(line):
    """R1 entered first and rang back first; R2 entered after R1 and rang back after (before
    R1's next check-in): R1 is first in both orders, R2 is not ahead of them."""
    enter(line, "r1", EARLY, 2)
    line.clock.advance(20)
    enter(line, "r2", DROPPED, 3)
    line.clock.advance(40)
    r1_url = drop_and_ring_back(line, "r1", EARLY, 60, 2)
    line.poll(r1_url, sid("r1 again"), 0, position=1)
    line.clock.advance(5)
    line.poll(drop_and_ring_back(line, "r2", DROPPED, 65, 3), sid("r2 again"), 0, position=2)
    heard_next_in_line(line, r1_url, "r1 again", range(60, 241, 60))


def test_a_rejoined_caller_put_back_after_an_error_still_hears_they_are_next(line):
    """Put back in the rejoin queue after a Twilio error, their polls had restarted their
    time in line again, so they counted themselves ahead once more (reviewer 34)."""
    enter(line, "dropped", DROPPED, 2)
    line.clock.advance(60)
    rejoin_url = drop_and_ring_back(line, "dropped", DROPPED, 60, 2)
    line.poll(rejoin_url, sid("dropped again"), 0, position=1)
    line.clock.advance(30)
    put_back = line.twilio.post(rejoin_url.replace("/voice/wait", "/voice/queue-result"), {
        "CallSid": sid("dropped again"), "QueueResult": "error", "QueueTime": "30"})
    enqueue = parse(put_back.data).find("Enqueue")
    assert enqueue is not None and enqueue.text == "support-rejoin"
    heard_next_in_line(line, enqueue.get("waitUrl"), "dropped again", range(0, 181, 60))
