"""Issue 16 item 1: a caller told "you are number 7" never hears "number 8" next (hypothesis).

Any sequence of arrivals, polls, callback requests, agents taking callers and callbacks,
hang-ups and Twilio errors (which put a caller back at the end of Twilio's queue) is played
through the real routes against a small model of Twilio's queue; every caller's announced
positions, in the order they were said, never go up.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.clock import ManualClock
from app.signed_client import SignedClient
from app.storage.schema import call_events
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.fresh_app import fresh_app
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.callback]
interval_s = 20
first_checkin_s = 0
offer_without_estimate_after_s = 0
offer_after_estimate_s = 0
"""
CALLER = st.integers(0, 30)
OPS = st.one_of(
    # weighted towards what moves positions: arrivals, polls with time passing, errors
    *[st.tuples(st.just("arrive"))] * 2, *[st.tuples(st.just("poll"), CALLER)] * 4,
    *[st.tuples(st.just("tick"), st.integers(5, 90))] * 3,
    *[st.tuples(st.just("error"), CALLER)] * 2, st.tuples(st.just("callback"), CALLER),
    st.tuples(st.just("answer")), st.tuples(st.just("hangup"), CALLER),
    st.tuples(st.just("agent")))


class Line:
    """Twilio's side: who is in the queue, in order, and since when (this time in line)."""

    def __init__(self, twilio: SignedClient, clock: ManualClock) -> None:
        self.twilio, self.clock = twilio, clock
        self.members: list[tuple[str, object, int]] = []  # (call, entered, episode)
        self.arrived = 0

    def url(self, path: str, episode: int) -> str:
        return f"/voice/{path}?policy=callback&queue=support" + ("&episode=1" if episode else "")

    def pick(self, k: int) -> tuple[str, object, int] | None:
        return self.members[k % len(self.members)] if self.members else None

    def arrive(self) -> None:
        call = sid(f"caller{self.arrived}")
        self.arrived += 1
        self.twilio.post("/voice/incoming?queue=support", {"CallSid": call,
                                                            "From": "+14155550100"})
        self.members.append((call, self.clock.now(), 0))

    def poll(self, k: int) -> None:
        if (member := self.pick(k)) is None:
            return
        call, entered, episode = member
        waited = int((self.clock.now() - entered).total_seconds())
        self.twilio.post(self.url("wait", episode), {
            "CallSid": call, "QueuePosition": str(self.members.index(member) + 1),
            "QueueTime": str(waited), "CurrentQueueSize": str(len(self.members))})

    def leave(self, member: tuple, result: str) -> None:
        call, entered, episode = member
        self.members.remove(member)
        waited = int((self.clock.now() - entered).total_seconds())
        answer = self.twilio.post(self.url("queue-result", episode), {
            "CallSid": call, "QueueResult": result, "QueueTime": str(waited)})
        if parse(answer.data).find("Enqueue") is not None:  # put back in line after an error
            self.members.append((call, self.clock.now(), 1))

    def callback(self, k: int) -> None:
        if (member := self.pick(k)) is None:
            return
        call, _, episode = member
        gather = {"CallSid": call, "From": "+14155550100", "Digits": "2"}
        offer = self.twilio.post(self.url("choice", episode), gather)
        confirm = parse(offer.data).find("Gather")
        if confirm is None:
            return
        done = self.twilio.post(confirm.get("action"), {**gather, "Digits": "1"})
        if parse(done.data).find("Leave") is not None:
            self.leave(member, "leave")

    def answer(self) -> None:
        if self.members:
            call, entered, _ = self.members[0]
            waited = int((self.clock.now() - entered).total_seconds())
            self.twilio.post("/voice/connect?queue=support",
                             {"CallSid": call, "QueueTime": str(waited)})
            self.leave(self.members[0], "bridged")

    def agent(self) -> None:
        """An agent asks for the next caller; a callback due first is dialled and answered."""
        agent = sid(f"agent{self.clock.now().timestamp()}")
        dial = parse(self.twilio.post("/voice/agent?queue=support", {"CallSid": agent}).data)
        number = dial.find(".//Number")
        if number is None:
            return self.answer()
        self.twilio.post(number.get("url"), {"CallSid": sid(f"leg{agent}")})
        self.twilio.post(dial.find("Dial").get("action"),
                         {"CallSid": agent, "DialCallStatus": "completed"})
        return None


def announced_positions(app) -> dict[str, list[int]]:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        rows = conn.execute(select(call_events.c.call_id, call_events.c.position)
                            .where(call_events.c.event == "ANNOUNCE",
                                   call_events.c.position.is_not(None))
                            .order_by(call_events.c.time, call_events.c.id)).all()
    said: dict[str, list[int]] = {}
    for call, position in rows:
        said.setdefault(call, []).append(position)
    return said


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=5, max_size=60))
@example(ops=[("arrive",), ("arrive",), ("tick", 5), ("poll", 0),  # told "you are next"
              ("error", 0), ("tick", 30), ("poll", 1)])  # then put back behind the other
def test_no_caller_ever_hears_a_higher_position_than_before(ops):
    with fresh_app(CONFIG) as (app, clock):
        line = Line(SignedClient(app.test_client(), AUTH_TOKEN), clock)
        for op, *args in ops:
            if op == "tick":
                clock.advance(args[0])
            elif op in ("hangup", "error"):
                if (member := line.pick(args[0])) is not None:
                    line.leave(member, op)
            else:
                getattr(line, op)(*args)
        for call, positions in announced_positions(app).items():
            assert positions == sorted(positions, reverse=True), (call, positions)
