"""Facts applied late leave the row the projection of all facts (issue 11, two hosts).

A host whose database is away journals a caller's check-in or poll; meanwhile another host
writes the caller's next ones. When the first host replays, the older fact arrives after the
newer: the row used to keep the estimate that arrived first (not the one told first) and set
its clocks back to the older fact's time, which the resume rule then read as a longer
silence. Each test applies a call's facts newest-first and asks that the row say what the
in-order row says.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.storage import commands as c
from app.storage.apply import apply
from app.storage.db import as_utc, make_engine
from app.storage.schema import call_events, callbacks, calls

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COLUMNS = ("announcements", "first_announced_wait_s", "first_announced_at_s",
           "last_announced_at", "told_position", "last_polled_at")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, sqlite_url):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    if request.param == "sqlite":
        from app.storage.migrate import upgrade

        upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_call(call_id: str) -> tuple[list[c.Command], list[c.Command]]:
    """(the first poll, then two polls each with its check-in), in the order they happened."""
    labels = {"call_id": call_id, "queue": "support", "policy": "checkin", "arm": ""}
    first = [c.BeginCall(now=at(0), from_number="+14155550100", **labels),
             c.NotePoll(now=at(0), queue_time_s=0, position=4, **labels)]
    later = []
    for queue_time, position, estimate in ((60, 3, 300.0), (120, 2, 240.0)):
        later += [c.NotePoll(now=at(queue_time), queue_time_s=queue_time, position=position,
                             **labels),
                  c.Announce(now=at(queue_time), queue_time_s=queue_time, position=position,
                             kind="checkin", announced_wait_s=estimate, text="Sorry",
                             **labels)]
    return first, later


def apply_each(engine, commands: list[c.Command]) -> str:
    """Each command in a transaction of its own, as webhooks and replays write them; the
    call's id."""
    for command in commands:
        with engine.begin() as conn:
            apply(conn, command)
    return commands[0].call_id


def row_of(conn, call_id: str):  # noqa: ANN001, ANN201 - a row mapping
    return conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().one()


def row_after(engine, commands: list[c.Command]) -> dict:
    call_id = apply_each(engine, commands)
    with engine.connect() as conn:
        row = row_of(conn, call_id)
    return {name: as_utc(row[name]) if name.endswith("_at") else row[name] for name in COLUMNS}


def renamed(commands: list[c.Command], call_id: str) -> list[c.Command]:
    return [replace(command, call_id=call_id) for command in commands]


def test_a_check_in_and_poll_replayed_after_newer_ones_change_nothing(engine):
    first, later = a_call("X")
    in_order = row_after(engine, renamed(first + later, f"CA{uuid.uuid4().hex}"))
    newest_first = later[2:] + later[:2]  # the second check-in's host wrote first
    late = row_after(engine, renamed(first + newest_first, f"CA{uuid.uuid4().hex}"))
    assert in_order["first_announced_wait_s"] == 300.0  # the order the test relies on
    assert in_order["last_announced_at"] == at(120) and in_order["last_polled_at"] == at(120)
    assert late == in_order


def test_a_first_poll_never_tried_counts_and_places_the_caller_when_replayed_late(engine):
    """Host A's database was away: A journaled the caller's first poll (QueueTime 0, position
    5) without trying it; the next poll (60 s, position 4) reached host B, which counted it
    as the first. A's replay must count the poll and give the caller their real entry place,
    once however often it is replayed; as if both had arrived in order."""
    labels = {"queue": "support", "policy": "checkin", "arm": ""}
    begin = c.BeginCall(call_id="X", now=at(0), from_number="+14155550100", **labels)
    first = c.NotePoll(call_id="X", now=at(0), queue_time_s=0, position=5, **labels)
    second = c.NotePoll(call_id="X", now=at(60), queue_time_s=60, position=4, **labels)
    journaled = replace(first, attempted=False)
    in_order = entry_of(engine, renamed([begin, first, second], f"CA{uuid.uuid4().hex}"))
    late = entry_of(engine, renamed([begin, second, journaled, journaled],
                                    f"CA{uuid.uuid4().hex}"))
    assert in_order == (2, 5, 5)
    assert late == in_order


def test_a_never_tried_poll_replayed_twice_around_a_later_poll_counts_once(engine):
    """Host A replays the caller's journaled second poll (counted in order) and dies before
    its cursor moves; host B then counts the caller's third poll; A's replay, restarted,
    applies the same line again: it was counted, so it counts nothing now."""
    labels = {"queue": "support", "policy": "checkin", "arm": ""}
    begin = c.BeginCall(call_id="X", now=at(0), from_number="+14155550100", **labels)
    polls = [c.NotePoll(call_id="X", now=at(t), queue_time_s=t, position=5 - t // 30,
                        **labels) for t in (0, 30, 60)]
    journaled = replace(polls[1], attempted=False)
    in_order = entry_of(engine, renamed([begin, *polls], f"CA{uuid.uuid4().hex}"))
    replayed_twice = entry_of(engine, renamed([begin, polls[0], journaled, polls[2], journaled],
                                              f"CA{uuid.uuid4().hex}"))
    assert in_order == (3, 5, 5)
    assert replayed_twice == in_order


def test_a_first_time_in_line_replayed_after_the_answer_keeps_its_own_entry(engine):
    """Put back in line after a Twilio error: the first time in line's polls and error
    journaled on host A, the second time in line and the answer written by host B. The
    answer cannot tell which time in line it ends, so it logged the first entry with the
    second's time; A's replay now moves it back. Both entries as in the in-order log."""
    labels = {"queue": "support", "policy": "checkin", "arm": ""}
    begin = c.BeginCall(call_id="X", now=at(0), from_number="+14155550100", **labels)
    first_time = [c.NotePoll(call_id="X", now=at(1), queue_time_s=0, position=5, **labels),
                  c.NotePoll(call_id="X", now=at(31), queue_time_s=30, position=4, **labels),
                  c.QueueResult(call_id="X", now=at(80), queue="support", result="error",
                                queue_time_s=79)]
    second_time = [
        c.NotePoll(call_id="X", now=at(81), queue_time_s=0, position=6, episode=1, **labels),
        c.Connect(call_id="X", now=at(140), queue="support", queue_time_s=59,
                  agent_call_id="CA" + "a" * 32),
        c.QueueResult(call_id="X", now=at(400), queue="support", result="bridged",
                      queue_time_s=59, episode=1)]
    in_order = entries_of(engine, renamed([begin, *first_time, *second_time],
                                          f"CA{uuid.uuid4().hex}"))
    journaled = [replace(command, attempted=False) if isinstance(command, c.NotePoll)
                 else command for command in first_time]
    two_hosts = entries_of(engine, renamed([begin, *second_time, *journaled],
                                           f"CA{uuid.uuid4().hex}"))
    assert in_order == {"ENTERQUEUE": at(1), "ENTERQUEUE:1": at(81), "entered_at": at(1)}
    assert two_hosts == in_order


def entries_of(engine, commands: list[c.Command]) -> dict[str, datetime]:
    """The call's ENTERQUEUE events' times, and its record's entry (`entered_at`)."""
    call_id = apply_each(engine, commands)
    with engine.connect() as conn:
        found = conn.execute(select(call_events.c.dedupe_key, call_events.c.time).where(
            call_events.c.call_id == call_id, call_events.c.event == "ENTERQUEUE")).all()
        entered = row_of(conn, call_id)["entered_at"]
    return {**{key.split(":", 1)[1]: as_utc(time) for key, time in found},
            "entered_at": as_utc(entered)}


def test_a_late_poll_that_may_have_been_counted_is_not_counted_again(engine):
    """A poll whose write was tried (it may have committed before its answer timed out) is
    not counted when replayed late: the row keeps what the live write left."""
    labels = {"queue": "support", "policy": "checkin", "arm": ""}
    commands = [c.BeginCall(call_id="X", now=at(0), from_number="+14155550100", **labels),
                c.NotePoll(call_id="X", now=at(0), queue_time_s=0, position=5, **labels),
                c.NotePoll(call_id="X", now=at(60), queue_time_s=60, position=4, **labels)]
    tried_again = commands[1]  # attempted=True: its live write counted it
    assert entry_of(engine, renamed([*commands, tried_again], f"CA{uuid.uuid4().hex}")) == \
        (2, 5, 5)


def entry_of(engine, commands: list[c.Command]) -> tuple[int, int, int]:
    """(polls, orig_position, the ENTERQUEUE event's position) after `commands`."""
    call_id = apply_each(engine, commands)
    with engine.connect() as conn:
        row = row_of(conn, call_id)
        [entry] = conn.execute(select(call_events.c.position).where(
            call_events.c.call_id == call_id, call_events.c.event == "ENTERQUEUE")).scalars()
    return row["polls"], row["orig_position"], entry


def test_a_poll_journaled_behind_a_backlog_is_marked_never_tried(make_app):
    from app.storage.commands import from_json
    from app.storage.deadline import Deadline
    from tests.app.test_journal import status

    store = make_app().extensions["holdwell"].store
    store.ensure_replayer = lambda: None  # keep the backlog while we look
    store.journal.append(status(1))
    poll = c.NotePoll(call_id="CA1", now=at(0), queue_time_s=0, position=5, queue="support",
                      policy="checkin", arm="")
    assert store.poll(poll, Deadline(5.0), lambda seen: (None, None)) is None
    lines = store.journal.path.read_text().splitlines()
    assert from_json(lines[-1]) == replace(poll, attempted=False)


def test_the_first_request_replayed_late_still_says_when_and_how_the_call_arrived(engine):
    """Host A journaled /voice/incoming; host B kept the status callback as a bare fact (no
    row yet), or made the row from a poll. The replayed first request gives the call its
    arrival time and labels every fact logged meanwhile."""
    labels = {"queue": "support", "policy": "checkin", "arm": ""}
    begin = c.BeginCall(call_id="X", now=at(0), from_number="+14155550100", **labels)
    poll = c.NotePoll(call_id="X", now=at(62), queue_time_s=60, position=4, **labels)
    status = c.CallStatus(call_id="X", now=at(90), status="completed")
    for late in ([poll, begin], [status, begin]):
        call_id = apply_each(engine, renamed(late, f"CA{uuid.uuid4().hex}"))
        with engine.connect() as conn:
            row = row_of(conn, call_id)
            unlabelled = conn.execute(select(call_events.c.event).where(
                call_events.c.call_id == call_id, call_events.c.policy == "")).all()
        assert as_utc(row["arrived_at"]) == at(0)
        assert unlabelled == []


def test_a_callback_keeps_the_first_entry_when_the_first_time_in_line_is_replayed_late(engine):
    """The caller's first time in line (polls, then Twilio's error) was journaled on host A;
    back in line, their callback request reached host B, which knew only the second entry.
    A's replay must give the callback the caller's first place."""
    labels = {"queue": "support", "policy": "callback", "arm": ""}
    q = {"queue": "support"}
    call_id = f"CA{uuid.uuid4().hex}"
    on_b = [c.BeginCall(call_id=call_id, now=at(0), from_number="+14155550100", **labels),
            c.NotePoll(call_id=call_id, now=at(205), queue_time_s=0, position=3, episode=1,
                       **labels),
            c.RequestCallback(call_id=call_id, now=at(240), number="+14155550100", digit="2",
                              promised_wait_s=600.0, queue_time_s=35, episode=1, **q)]
    journaled_on_a = [
        c.NotePoll(call_id=call_id, now=at(0), queue_time_s=0, position=5, attempted=False,
                   **labels),
        c.QueueResult(call_id=call_id, now=at(200), result="error", queue_time_s=200, **q)]
    apply_each(engine, on_b + journaled_on_a)
    with engine.connect() as conn:
        place = conn.execute(select(callbacks.c.entered_at).where(
            callbacks.c.call_id == call_id)).scalar_one()
    assert as_utc(place) == at(0)


def test_a_reason_stored_late_keeps_the_place_the_caller_spoke_from(engine):
    """The caller's words (after the check-in that asked, at 4th in line) were journaled on
    host A; host B counted their later poll at 2nd. The agent must hear 4th."""
    labels = {"queue": "support", "policy": "checkin", "arm": ""}
    call_id = f"CA{uuid.uuid4().hex}"
    apply_each(engine, [
            c.BeginCall(call_id=call_id, now=at(0), from_number="+14155550100", **labels),
            c.NotePoll(call_id=call_id, now=at(60), queue_time_s=60, position=4, **labels),
            c.Announce(call_id=call_id, now=at(60), queue_time_s=60, position=4,
                       kind="checkin", announced_wait_s=None, text="Sorry", **labels),
            c.NotePoll(call_id=call_id, now=at(120), queue_time_s=120, position=2, **labels),
            c.Reason(call_id=call_id, now=at(65), text="my bill", confidence=0.9, **labels)])
    with engine.connect() as conn:
        place = conn.execute(select(call_events.c.position).where(
            call_events.c.call_id == call_id, call_events.c.event == "REASON")).scalar_one()
    assert place == 4
