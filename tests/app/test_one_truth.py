"""One truth per call, whatever order Twilio's webhooks arrive in (issue 11, hypothesis).

A call's webhooks (incoming, polls, a key press, the answer, the Enqueue action with any
QueueResult, the status callback; a caller put back in line after a Twilio error) are applied
to the real call log in any interleaving, with any of them delivered twice. The call's record
must be the same as when they arrive in order, and its events must never contradict it: no
call carries both ABANDON and CONNECT, and the outcome agrees with the events.

Polls of one call keep their order (Twilio asks for the next wait document only when the
previous one has played); everything else may overtake anything.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.storage import commands as c
from app.storage.apply import apply
from app.storage.db import as_utc, make_engine
from app.storage.migrate import upgrade
from app.storage.schema import call_events, calls
from hold_policies.call_outcome import FACT_ONLY, Fact, outcome_of

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RECORD = ("outcome", "wait_s", "entered_at", "orig_position", "announcements",
          "first_announced_wait_s", "first_announced_at_s", "callback_requested",
          "callback_promised_wait_s", "callback_wait_s", "answered_at", "ended_at",
          "departed_at", "polls")
ENDINGS = ("answered", "answered_untimed", "bridged_only", "hangup", "status_only", "leave",
           "error", "error_then_answered", "error_then_answered_untimed", "error_then_hangup")
"""`_untimed`: the answer's request left out QueueTime (the log times it when applied)."""


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('truth') / 'holdwell.db'}"
    upgrade(url)
    engine = make_engine(url)  # WAL, as the app runs it: hundreds of small commits here
    yield engine
    engine.dispose()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def webhooks(call_id: str, ending: str, polls: int, end_s: int, announce: bool,
             press: bool, status_too: bool) -> tuple[list[c.Command], list[c.Command]]:
    """(polls in order, everything else) for one call, every `now` consistent with QueueTime."""
    common = {"call_id": call_id, "queue": "support"}
    labels = {**common, "policy": "checkin", "arm": ""}
    ordered: list[c.Command] = [
        c.NotePoll(now=at(60 * k), queue_time_s=60 * k, position=4 - min(k, 3), **labels)
        for k in range(polls)]
    others: list[c.Command] = [c.BeginCall(now=at(0), from_number="+14155550100", **labels)]
    if announce and polls > 1:
        others.append(c.Announce(now=at(60), queue_time_s=60, position=3, kind="checkin",
                                 announced_wait_s=300.0, text="Sorry", **labels))
    if press and polls > 1:
        others.append(c.KeyPress(now=at(65), queue_time_s=65, digit="1", choice="keep",
                                 **labels))
    end = max(end_s, 60 * (polls - 1) + 1)
    untimed = ending.endswith("_untimed")
    if ending.startswith("answered"):
        others += [c.Connect(now=at(end), queue_time_s=None if untimed else end, **common),
                   c.QueueResult(now=at(end + 120), result="bridged", queue_time_s=end,
                                 **common)]
    elif ending == "bridged_only":
        others.append(c.QueueResult(now=at(end), result="bridged", queue_time_s=end, **common))
    elif ending in ("hangup", "leave", "error"):
        others.append(c.QueueResult(now=at(end), result=ending, queue_time_s=end, **common))
    elif ending.startswith("error_then"):
        back = end + 5  # put back in line: QueueTime starts again from 0
        # The error's answer is what puts them back in line: it precedes their next polls.
        ordered.append(c.QueueResult(now=at(end), result="error", queue_time_s=end, **common))
        ordered.append(c.NotePoll(now=at(back), queue_time_s=0, position=5, episode=1,
                                  **labels))
        again = 40
        if ending.startswith("error_then_answered"):
            others.append(c.Connect(now=at(back + again),
                                    queue_time_s=None if untimed else again, **common))
        else:
            others.append(c.QueueResult(now=at(back + again), result="hangup",
                                        queue_time_s=again, episode=1, **common))
        end = back + again
    if status_too or ending == "status_only":
        others.append(c.CallStatus(now=at(end + 130), status="completed", call_id=call_id))
    return ordered, others


def interleave(data, ordered: list, others: list) -> list:
    """Any merge of the others into the polls' order, with some deliveries repeated."""
    shuffled = data.draw(st.permutations(others))
    slots = sorted(data.draw(st.lists(st.integers(0, len(ordered)), min_size=len(shuffled),
                                      max_size=len(shuffled))))
    merged, taken = [], 0
    for position in range(len(ordered) + 1):
        while taken < len(shuffled) and slots[taken] == position:
            merged.append(shuffled[taken])
            taken += 1
        if position < len(ordered):
            merged.append(ordered[position])
    repeats = data.draw(st.lists(st.integers(0, len(merged) - 1), max_size=3)) if merged else []
    for original in repeats:  # a retry comes after the request it repeats, any time later
        command = merged[original]
        merged.insert(data.draw(st.integers(original + 1, len(merged))), command)
    return merged


def applied(engine, commands: list[c.Command], call_id: str) -> tuple[dict, list[str]]:
    for command in commands:
        with engine.begin() as conn:
            apply(conn, _as(command, call_id))
    with engine.connect() as conn:
        row = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().one()
        events = [e for (e,) in conn.execute(select(call_events.c.event).where(
            call_events.c.call_id == call_id, call_events.c.event.not_in(sorted(FACT_ONLY))))]
    return {name: row[name] for name in RECORD}, events


def _as(command: c.Command, call_id: str) -> c.Command:
    from dataclasses import replace

    return replace(command, call_id=call_id)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), ending=st.sampled_from(ENDINGS), polls=st.integers(0, 3),
       end_s=st.integers(1, 400), announce=st.booleans(), press=st.booleans(),
       status_too=st.booleans())
def test_any_order_of_a_calls_webhooks_gives_one_record(engine, data, ending, polls, end_s,
                                                        announce, press, status_too):
    ordered, others = webhooks("X", ending, polls, end_s, announce, press, status_too)
    in_order_id, shuffled_id = f"CA{uuid.uuid4().hex}", f"CA{uuid.uuid4().hex}"
    expected, _ = applied(engine, ordered + others, in_order_id)
    record, events = applied(engine, interleave(data, ordered, others), shuffled_id)
    assert {k: v for k, v in record.items() if v != expected[k]} == {}, expected
    assert not ({"ABANDON", "CONNECT"} <= set(events)), events
    assert events.count("ABANDON") <= 1 and events.count("ENTERQUEUE") <= 2
    outcome = record["outcome"]
    assert ("ABANDON" in events) == (outcome == "abandoned"), (outcome, events)
    if outcome == "answered":
        assert {"CONNECT", "COMPLETE"} & set(events)
    if ending.startswith("error_then") or (ending == "answered_untimed" and polls):
        # back in line: not an error, waited from the start; untimed: timed from the log
        assert outcome == ("answered" if "answered" in ending else "abandoned")
        departed = as_utc(record["departed_at"])
        assert record["wait_s"] == pytest.approx((departed - at(0)).total_seconds())


def test_the_precedence_is_the_documented_one():
    entered, hangup, connect = (Fact(at(0), "ENTERQUEUE", 0.0), Fact(at(50), "HANGUP", 50.0,
                                data={"source": "queue-result"}), Fact(at(40), "CONNECT", 40.0))
    status = Fact(at(90), "HANGUP", None, data={"source": "status:completed"})
    assert outcome_of([entered, hangup, connect]).outcome == "answered"
    assert outcome_of([entered, status]).outcome == "abandoned"
    assert outcome_of([entered, status]).wait_s == 90
    refined = outcome_of([entered, status, hangup])
    assert refined.outcome == "abandoned" and refined.wait_s == 50  # the queue's own QueueTime
    error = Fact(at(30), "ERROR", 30.0, data={"queue_result": "error"})
    assert outcome_of([entered, error, status]).outcome == "error"
    back = Fact(at(35), "ENTERQUEUE", 0.0, data={"episode": 1})
    later_hangup = Fact(at(75), "HANGUP", 40.0, data={"source": "queue-result", "episode": 1})
    record = outcome_of([entered, error, back, later_hangup])
    assert record.outcome == "abandoned" and record.wait_s == 75 and record.entered_at == at(0)
    # back after the error and answered before any poll of that time in line: its answer's
    # QueueTime (2 s) is counted from the first entry, not on its own
    answered_at_once = Fact(at(302), "CONNECT", 2.0)
    answered = outcome_of([Fact(at(0), "ENTERQUEUE", 0.0), Fact(at(300), "ERROR", 300.0,
                                                                data={"queue_result": "error"}),
                           answered_at_once])
    assert answered.outcome == "answered" and answered.wait_s == 302


def test_a_hang_up_that_came_first_is_kept_when_a_key_press_makes_the_row(engine):
    """Found by the property above: the status callback overtook everything (a bare fact, no
    row yet), then a key press made the row; no later write projected the hang-up, so the
    call stayed 'waiting' forever."""
    ordered, others = webhooks("X", "status_only", 2, 1, False, True, False)
    by_kind = {type(command).__name__: command for command in others}
    overtaken = [by_kind["CallStatus"], by_kind["KeyPress"], by_kind["BeginCall"], *ordered]
    expected, _ = applied(engine, ordered + others, f"CA{uuid.uuid4().hex}")
    record, events = applied(engine, overtaken, f"CA{uuid.uuid4().hex}")
    assert expected["outcome"] == "abandoned"
    assert record == expected and "ABANDON" in events
