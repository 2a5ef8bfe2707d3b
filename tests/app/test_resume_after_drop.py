"""Issue 16 item 6: back in your place after a dropped line, and both legs logged as one call."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage.db import as_utc
from app.storage.read import read_records_frame
from app.storage.schema import call_events, calls
from hold_policies.config import ConfigError, load_config
from hold_policies.resume import ResumeRule, may_resume
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[queues.support]
policy = "checkin"
[queues.support.checkin]
interval_s = 60
[queues.support.resume]
within_s = 300
after_checkin_s = 15
"""
WAIT = "/voice/wait?policy=checkin&queue=support"
QR = "/voice/queue-result?policy=checkin&queue=support"
EARLY, DROPPED, LATER = "+14155550101", "+14155550102", "+14155550103"


class Line:
    def __init__(self, app, clock) -> None:
        self.app, self.clock = app, clock
        self.twilio = SignedClient(app.test_client(), AUTH_TOKEN)

    def ring(self, call: str, number: str):
        return self.twilio.post("/voice/incoming?queue=support",
                                {"CallSid": call, "From": number})

    def poll(self, url: str, call: str, queue_time: int, position: int = 1):
        return self.twilio.post(url, {"CallSid": call, "QueueTime": str(queue_time),
                                      "QueuePosition": str(position),
                                      "CurrentQueueSize": str(position)})

    def row(self, call: str):
        with self.app.extensions["holdwell"].store.engine.connect() as conn:
            return conn.execute(select(calls).where(calls.c.call_id == call)).mappings().first()

    def events(self, call: str) -> list[str]:
        with self.app.extensions["holdwell"].store.engine.connect() as conn:
            return list(conn.execute(select(call_events.c.event).where(
                call_events.c.call_id == call).order_by(call_events.c.id)).scalars())


@pytest.fixture
def line(make_app, clock):
    return Line(make_app(CONFIG), clock)


def drop_after_checkin(line: Line, *, status: bool = True) -> None:
    """An early caller, then the caller whose line drops 5 s after a check-in (its status
    callback at once if `status`), then a later one."""
    line.ring(sid("early"), EARLY)
    line.poll(WAIT, sid("early"), 0)
    line.clock.advance(30)
    line.ring(sid("dropped"), DROPPED)
    line.poll(WAIT, sid("dropped"), 0, position=2)
    line.clock.advance(60)
    checkin = line.poll(WAIT, sid("dropped"), 60, position=2)
    assert "Sorry to keep you waiting" in spoken(checkin.data)
    line.clock.advance(5)
    line.twilio.post(QR, {"CallSid": sid("dropped"), "QueueResult": "hangup", "QueueTime": "65"})
    if status:
        line.twilio.post("/voice/status", {"CallSid": sid("dropped"),
                                            "CallStatus": "completed"})
    assert line.row(sid("dropped"))["outcome"] == "abandoned"
    line.clock.advance(10)
    line.ring(sid("later"), LATER)
    line.poll(WAIT, sid("later"), 0, position=2)
    line.clock.advance(20)


def test_a_caller_whose_line_dropped_rejoins_in_their_place_as_the_same_call(line):
    drop_after_checkin(line)
    back = line.ring(sid("second leg"), DROPPED)
    assert "Welcome back" in spoken(back.data)
    enqueue = parse(back.data).find("Enqueue")
    assert enqueue.text == "support-rejoin"
    wait_url = enqueue.get("waitUrl")
    assert f"resumes={sid('dropped')}" in wait_url and "episode=1" in wait_url
    assert "welcome=" not in wait_url  # welcomed back in their own words, not again
    # waiting again: the first leg's hang-up no longer ends the call
    assert line.row(sid("dropped"))["outcome"] is None
    assert "ABANDON" not in line.events(sid("dropped"))
    assert line.row(sid("second leg")) is None  # no second call in the log
    line.poll(wait_url, sid("second leg"), 0)  # first in the rejoin queue, but the early
    with line.app.extensions["holdwell"].store.engine.connect() as conn:  # caller is ahead
        told = conn.execute(select(calls.c.last_position).where(
            calls.c.call_id == sid("dropped"))).scalar()
    assert told == 2

    agent = line.twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent1")})
    assert parse(agent.data).find(".//Queue").text == "support"  # the early caller first
    line.twilio.post("/voice/connect?queue=support",
                     {"CallSid": sid("early"), "QueueTime": "125"})
    line.twilio.post(QR, {"CallSid": sid("early"), "QueueResult": "bridged", "QueueTime": "125"})

    agent = line.twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent2")})
    queue = parse(agent.data).find(".//Queue")
    assert queue.text == "support-rejoin"  # ahead of the later caller, who came after
    line.clock.advance(5)
    line.twilio.post(queue.get("url"), {"CallSid": sid("second leg"), "QueueTime": "5",
                                        "DequeingCallSid": sid("agent2")})
    line.clock.advance(240)
    line.twilio.post(enqueue.get("action"), {"CallSid": sid("second leg"),
                                             "QueueResult": "bridged", "QueueTime": "5"})
    record = line.row(sid("dropped"))
    assert record["outcome"] == "answered"
    assert record["wait_s"] == pytest.approx(60 + 5 + 10 + 20 + 5)  # from the first entry
    assert "ABANDON" not in line.events(sid("dropped"))
    records = read_records_frame(str(line.app.extensions["holdwell"].store.engine.url))
    assert set(records["call_id"]) == {sid("early"), sid("dropped")}  # one record, both legs


def test_a_rejoined_caller_answered_while_the_log_is_away_is_answered_on_their_call(line):
    """The answer of a leg taken from the rejoin queue is journaled as the leg's, and filed
    under the call the leg continues when replayed: never a second, made-up answered call
    (the route used to look the call up first, and fall back to the leg's SID)."""
    drop_after_checkin(line)
    back = line.ring(sid("second leg"), DROPPED)
    enqueue = parse(back.data).find("Enqueue")
    line.poll(enqueue.get("waitUrl"), sid("second leg"), 0)
    line.twilio.post("/voice/connect?queue=support", {"CallSid": sid("early"), "QueueTime": "125"})
    agent = line.twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent2")})
    queue = parse(agent.data).find(".//Queue")
    assert queue.text == "support-rejoin"
    store = line.app.extensions["holdwell"].store
    store.runner.down_until = time.monotonic() + 1e9  # the database is away at the answer
    line.clock.advance(5)
    answered_at = line.clock.now()
    line.twilio.post(queue.get("url"), {"CallSid": sid("second leg"), "QueueTime": "5",
                                        "DequeingCallSid": sid("agent2")})
    assert store.journal.backlog() == 1
    store.runner.down_until = 0.0
    store.replay()
    line.clock.advance(240)
    line.twilio.post(enqueue.get("action"), {"CallSid": sid("second leg"),
                                             "QueueResult": "bridged", "QueueTime": "5"})
    assert line.row(sid("second leg")) is None  # no second call in the log
    assert line.events(sid("second leg")) == []
    record = line.row(sid("dropped"))
    assert record["outcome"] == "answered"
    assert as_utc(record["answered_at"]) == answered_at  # not the conversation's end
    assert record["wait_s"] == pytest.approx(60 + 5 + 10 + 20 + 5)
    assert line.events(sid("dropped")).count("CONNECT") == 1


def test_an_answer_journaled_before_this_version_still_loads():
    """Old journal lines have no `rejoined`: they hold the call already looked up."""
    from app.storage import commands as c

    old = ('{"agent_call_id": null, "call_id": "CA1", "now": "2026-03-02T09:00:00+00:00", '
           '"queue": "support", "queue_time_s": 5.0, "type": "Connect"}')
    assert c.from_json(old).rejoined is False


def test_ringing_back_too_late_or_after_a_real_give_up_is_a_new_call(line):
    drop_after_checkin(line)
    line.clock.advance(400)  # past within_s
    late = line.ring(sid("too late"), DROPPED)
    assert parse(late.data).find("Enqueue").text == "support"
    assert line.row(sid("dropped"))["outcome"] == "abandoned"


def test_a_hang_up_long_after_the_last_check_in_is_a_decision_not_a_drop(line):
    line.ring(sid("gave up"), DROPPED)
    line.poll(WAIT, sid("gave up"), 0)
    line.clock.advance(60)
    line.poll(WAIT, sid("gave up"), 60)  # a check-in
    line.clock.advance(40)
    line.twilio.post(QR, {"CallSid": sid("gave up"), "QueueResult": "hangup",
                          "QueueTime": "100"})
    line.clock.advance(10)
    again = line.ring(sid("new call"), DROPPED)
    assert parse(again.data).find("Enqueue").text == "support"
    assert line.row(sid("gave up"))["outcome"] == "abandoned"


CLOSING_AT_TEN = CONFIG + """
[queues.support.hours]
timezone = "UTC"
monday = "09:00-10:00"
"""


@pytest.mark.parametrize(("away_s", "rejoins"), [(25, True), (295, True), (301, False)])
def test_a_line_dropped_just_after_closing_time_keeps_its_place_within_the_rule(
        make_app, clock, away_s, rejoins):
    """At 10:00 the check-in says the line will still answer everyone already waiting; the
    line drops 5 s later. Ringing back within `within_s` they rejoin as in open hours; the
    ring-back had heard "We are closed now ... Goodbye." (nor is a later one let in: past
    `within_s` it is a new call, and the line is closed to new calls)."""
    line = Line(make_app(CLOSING_AT_TEN), clock)
    clock.set(datetime(2026, 1, 5, 9, 59, tzinfo=UTC))  # a Monday
    line.ring(sid("dropped"), DROPPED)
    line.poll(WAIT, sid("dropped"), 0)
    clock.advance(60)
    checkin = spoken(line.poll(WAIT, sid("dropped"), 60).data)
    assert "we will still answer everyone who is already waiting" in checkin
    clock.advance(5)
    line.twilio.post(QR, {"CallSid": sid("dropped"), "QueueResult": "hangup", "QueueTime": "65"})
    clock.advance(away_s)
    back = line.ring(sid("second leg"), DROPPED)
    enqueue = parse(back.data).find("Enqueue")
    if not rejoins:
        assert "We are closed now" in spoken(back.data) and enqueue is None
        assert line.row(sid("dropped"))["outcome"] == "abandoned"
        assert line.row(sid("second leg"))["outcome"] == "closed"
        return
    assert "Welcome back" in spoken(back.data) and "closed" not in spoken(back.data)
    assert enqueue.text == "support-rejoin" and f"resumes={sid('dropped')}" in enqueue.get(
        "waitUrl")
    assert line.row(sid("dropped"))["outcome"] is None  # waiting again, as the same call
    assert line.row(sid("second leg")) is None  # no closed call in the log
    again = line.ring(sid("second leg"), DROPPED)  # Twilio retries the webhook
    assert parse(again.data).find("Enqueue").text == "support-rejoin"
    assert line.events(sid("dropped")).count("RESUMED") == 1
    wait = spoken(line.poll(enqueue.get("waitUrl"), sid("second leg"), 0).data)
    assert "We are closed now" not in wait


def test_off_by_default(make_app, clock):
    line = Line(make_app('[queues.support]\npolicy = "checkin"\n'), clock)
    drop_after_checkin(line)
    again = line.ring(sid("second leg"), DROPPED)
    assert parse(again.data).find("Enqueue").text == "support"


def test_the_rule_is_pure_and_its_config_is_validated(tmp_path):
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    rule = ResumeRule(within_s=300, after_checkin_s=15)

    def at(seconds: float) -> datetime:
        return t0 + timedelta(seconds=seconds)

    assert may_resume(rule, hung_up_at=at(65), last_checkin_at=at(60), now=at(100))
    assert not may_resume(rule, hung_up_at=at(90), last_checkin_at=at(60), now=at(100))
    assert not may_resume(rule, hung_up_at=at(65), last_checkin_at=None, now=at(100))
    assert not may_resume(rule, hung_up_at=at(65), last_checkin_at=at(60), now=at(400))
    assert may_resume(ResumeRule(300, 0), hung_up_at=at(65), last_checkin_at=None, now=at(99))
    assert not may_resume(ResumeRule(0, 15), hung_up_at=at(65), last_checkin_at=at(60),
                          now=at(66))
    bad = tmp_path / "holdwell.toml"
    bad.write_text('[queues.support]\npolicy = "checkin"\n[queues.support.resume]\n'
                   "within_s = 99999\n")
    with pytest.raises(ConfigError, match="within_s"):
        load_config(bad)


def test_every_command_can_be_journaled_and_read_back():
    """A command missing from the journal's registry would be written and never replayed."""
    from app.storage import commands as c

    kinds = {kind for kind in vars(c).values() if isinstance(kind, type)
             and issubclass(kind, c.Command) and kind not in (c.Command, c.Labelled)}
    assert kinds == set(c.COMMANDS.values())
    back = c.Resume(call_id=sid("dropped"), now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
                    queue="support", leg=sid("second leg"), episode=2)
    assert c.from_json(back.to_json()) == back


def rejoin(line: Line) -> str:
    """The dropped caller rings back (the first leg's status callback not yet come) and
    polls once in the rejoin queue: its wait url."""
    drop_after_checkin(line, status=False)
    back = line.ring(sid("second leg"), DROPPED)
    wait_url = parse(back.data).find("Enqueue").get("waitUrl")
    line.poll(wait_url, sid("second leg"), 0)
    return wait_url


def test_the_first_legs_status_callback_coming_late_does_not_end_the_rejoined_wait(line):
    """Twilio may deliver (or redeliver) the dropped leg's `completed` after the ring-back:
    it is that leg's end, not the call's; the caller is still waiting, and agents take the
    rejoin queue for them."""
    wait_url = rejoin(line)
    line.clock.advance(3)
    line.twilio.post("/voice/status", {"CallSid": sid("dropped"), "CallStatus": "completed"})
    line.clock.advance(10)
    line.poll(wait_url, sid("second leg"), 13)
    assert line.row(sid("dropped"))["outcome"] is None
    line.twilio.post(QR, {"CallSid": sid("early"), "QueueResult": "bridged", "QueueTime": "130"})
    agent = line.twilio.post("/voice/agent?queue=support", {"CallSid": sid("agent1")})
    assert parse(agent.data).find(".//Queue").text == "support-rejoin"  # ahead of `later`


@pytest.mark.parametrize("status_first", [False, True], ids=["rejoined-first", "status-first"])
def test_the_rejoined_legs_status_callback_ends_the_call_it_continues(line, status_first):
    """The rejoined leg's end may only reach us by its status callback (its Enqueue action
    lost): it is filed under the call the leg continues, whether it comes after the ring-back
    was logged or before (kept under the leg, taken over when the leg is joined)."""
    drop_after_checkin(line)
    if status_first:  # the ring-back's writes reach the log after the leg's end
        line.twilio.post("/voice/status", {"CallSid": sid("second leg"),
                                            "CallStatus": "completed"})
    back = line.ring(sid("second leg"), DROPPED)
    wait_url = parse(back.data).find("Enqueue").get("waitUrl")
    line.poll(wait_url, sid("second leg"), 0)
    if not status_first:
        line.clock.advance(40)
        line.twilio.post("/voice/status", {"CallSid": sid("second leg"),
                                            "CallStatus": "completed"})
    record = line.row(sid("dropped"))
    assert record["outcome"] == "abandoned"
    assert line.row(sid("second leg")) is None
    assert "HANGUP" not in line.events(sid("second leg"))  # nothing left under the leg
    line.poll(WAIT, sid("later"), 60, position=1)  # the early caller's place is Twilio's:
    assert line.row(sid("later"))["last_position"] == 1  # nobody counted ahead beside it
