"""outcome_of and a withdrawn callback (CALLBACK_CANCELLED): the call stays `left` (or
`voicemail`) with `callback_cancelled`, in any order of its facts; a callback's own result or
an answer is the stronger fact (the documented precedence), which a cancellation never
overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hold_policies.call_outcome import Fact, outcome_of
from hold_policies.records import Event, Outcome

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


ENTERED = Fact(at(0), Event.ENTERQUEUE, 0.0, position=3)
ANNOUNCED = Fact(at(30), Event.ANNOUNCE, 30.0, position=3, data={"announced_wait_s": 300.0})
REQUESTED = Fact(at(40), Event.CALLBACK_REQUESTED, 40.0, data={"promised_wait_s": 600})
LEFT = Fact(at(45), Event.EXITWITHKEY, 45.0)
CANCELLED = Fact(at(400), Event.CALLBACK_CANCELLED, 400.0, data={"by": "operator"})
BOOKED = [ENTERED, ANNOUNCED, REQUESTED, LEFT]


def test_a_cancelled_callback_is_left_and_cancelled_with_its_promise():
    record = outcome_of([*BOOKED, CANCELLED])
    assert record.outcome is Outcome.LEFT and record.wait_s == 45
    assert record.callback_cancelled and record.callback_requested
    assert record.callback_promised_wait_s == 640  # the promise stays: it was made
    assert not outcome_of(BOOKED).callback_cancelled


def test_a_callback_result_or_an_answer_settles_it_not_the_cancellation():
    connected = Fact(at(500), Event.CALLBACK_CONNECT, 500.0)
    failed = Fact(at(500), Event.CALLBACK_FAILED, 500.0)
    answered = Fact(at(42), Event.CONNECT, 42.0)
    for fact, outcome in ((connected, Outcome.CALLBACK_CONNECTED),
                          (failed, Outcome.CALLBACK_FAILED), (answered, Outcome.ANSWERED)):
        record = outcome_of([*BOOKED, CANCELLED, fact])
        assert record.outcome is outcome and not record.callback_cancelled, fact.event


def test_a_cancelled_message_stays_a_voicemail():
    message = Fact(at(120), Event.VOICEMAIL, None, data={"duration_s": 20})
    record = outcome_of([ENTERED, LEFT, message, CANCELLED])
    assert record.outcome is Outcome.VOICEMAIL and record.callback_cancelled


OPTIONAL_FACTS = [
    Fact(at(500), Event.CALLBACK_CONNECT, 500.0), Fact(at(510), Event.CALLBACK_FAILED, 510.0),
    Fact(at(300), Event.CALLBACK_ATTEMPT, 300.0, data={"result": "no-answer"}),
    Fact(at(42), Event.CONNECT, 42.0), Fact(at(46), "HANGUP", None,
                                            data={"source": "status:completed"}),
    CANCELLED, Fact(at(401), Event.CALLBACK_CANCELLED, 401.0, data={"by": "caller"}),
]




@given(chosen=st.sets(st.integers(0, len(OPTIONAL_FACTS) - 1)), data=st.data())
def test_any_order_of_a_callbacks_facts_gives_one_record(chosen, data):
    facts = [*BOOKED, *(OPTIONAL_FACTS[i] for i in sorted(chosen))]
    shuffled = data.draw(st.permutations(facts))
    record = outcome_of(shuffled)
    assert record == outcome_of(facts)
    events = {f.event for f in facts}
    withdrawn = Event.CALLBACK_CANCELLED in events
    settled = record.outcome in (Outcome.ANSWERED, Outcome.CALLBACK_CONNECTED,
                                 Outcome.CALLBACK_FAILED)
    assert record.callback_cancelled == (withdrawn and not settled)
    if not settled:
        assert record.outcome is Outcome.LEFT
