"""A steady poll (a call already counted in this time in line) takes the group-committed path.

Why: a transaction per poll was most of a poll's database cost under load (issue 11). The
steady path must say and store exactly what the full transaction does, on both databases
(tests/app/test_group_commit.py: polls arriving together share one transaction).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, event, select

from app.storage import commands as c
from app.storage.call_log import CallLogStore
from app.storage.deadline import Deadline
from app.storage.schema import call_events, calls
from tests.support.sids import sid

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
QUEUE = "support"
ROW = ("polls", "last_position", "orig_position", "announcements", "told_position",
       "policy", "outcome")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, sqlite_url, make_app):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    make_app(database_url=url)  # migrates the database
    engine = create_engine(url)
    commits: list[object] = []
    event.listen(engine, "commit", commits.append)
    here = CallLogStore(engine)
    here.commits = commits
    yield here
    engine.dispose()


def poll(store: CallLogStore, call: str, queue_time_s: float, position: int,
         say: int | None = None, entered: datetime = NOW):
    """A poll at `queue_time_s`; with `say`, the policy serves a check-in telling that place."""
    at = entered + timedelta(seconds=queue_time_s)

    def decide(seen):
        if say is None:
            return seen, None
        return seen, c.Announce(call_id=sid(call), now=at, queue=QUEUE, policy="checkin",
                                queue_time_s=queue_time_s, position=say, kind="checkin",
                                text=f"You are number {say}.")

    polled = store.poll(c.NotePoll(call_id=sid(call), now=at, queue=QUEUE, policy="checkin",
                                   queue_time_s=queue_time_s, position=position),
                        Deadline.unbounded(), decide)
    return polled[0]


def row(store: CallLogStore, call: str) -> dict:
    with store.engine.connect() as conn:
        found = conn.execute(select(calls).where(calls.c.call_id == sid(call))).mappings().one()
        said = conn.execute(select(call_events.c.event).where(
            call_events.c.call_id == sid(call), call_events.c.event == "ANNOUNCE")).all()
    return {**{name: found[name] for name in ROW}, "announce_events": len(said)}


def test_steady_polls_count_once_each_and_log_their_check_ins(store):
    store.write(c.BeginCall(call_id=sid("CA1"), now=NOW, queue=QUEUE, policy="checkin"),
                Deadline.unbounded())
    poll(store, "CA1", 0, position=5)
    poll(store, "CA1", 60, position=4, say=4)
    poll(store, "CA1", 60, position=4, say=4)  # Twilio retried it: counted and said once
    poll(store, "CA1", 120, position=3)
    last = poll(store, "CA1", 180, position=2, say=2)
    assert (last.call.polls, last.call.last_position) == (4, 2)
    assert row(store, "CA1") == {"polls": 4, "last_position": 2, "orig_position": 5,
                                 "announcements": 2, "told_position": 2, "policy": "checkin",
                                 "outcome": None, "announce_events": 2}


def test_a_steady_poll_counts_the_callbacks_ahead_for_its_caller(store):
    for k, call in enumerate(("CA1", "CA2")):
        store.write(c.BeginCall(call_id=sid(call), now=NOW + timedelta(seconds=k), queue=QUEUE,
                                policy="checkin"), Deadline.unbounded())
    poll(store, "CA1", 0, position=1)
    poll(store, "CA2", 0, position=2, entered=NOW + timedelta(seconds=1))
    store.store_now(c.RequestCallback(call_id=sid("CA1"), now=NOW + timedelta(seconds=10),
                                      queue=QUEUE, number="+14155550100", digit="1",
                                      queue_time_s=10), Deadline.unbounded())
    assert poll(store, "CA2", 30, position=1, entered=NOW + timedelta(seconds=1)
                ).callbacks_ahead == 1


def test_a_row_an_overtaking_webhook_made_is_labelled_by_the_full_path(store):
    """A key press made the row before /voice/incoming (no policy yet): the steady count must
    not take it, so the poll labels it."""
    store.write(c.KeyPress(call_id=sid("CA1"), now=NOW + timedelta(seconds=5), queue=QUEUE,
                           policy="", queue_time_s=5, digit="1", choice="keep"),
                Deadline.unbounded())
    poll(store, "CA1", 30, position=3)
    assert row(store, "CA1")["policy"] == "checkin"


def test_on_postgresql_a_steady_poll_and_its_check_in_open_no_transaction(store):
    """psycopg's BEGIN and COMMIT are round trips of their own: a steady poll is one
    statement and its check-in one more (logged and counted at once), in autocommit."""
    store.write(c.BeginCall(call_id=sid("CA1"), now=NOW, queue=QUEUE, policy="checkin"),
                Deadline.unbounded())
    poll(store, "CA1", 0, position=5)
    before = len(store.commits)
    poll(store, "CA1", 60, position=4, say=4)
    poll(store, "CA1", 120, position=3)
    if store.engine.dialect.name == "postgresql":
        assert len(store.commits) == before
    assert row(store, "CA1")["announcements"] == row(store, "CA1")["announce_events"] == 1


def test_a_check_in_logged_at_once_before_its_row_exists_makes_the_row(store):
    """The one-statement check-in counts on the call's row; with no row yet (the poll's own
    write still journaled) the fact is kept and the row is made from it."""
    from app.storage.call_writes import announce_at_once

    said = c.Announce(call_id=sid("CA9"), now=NOW, queue=QUEUE, policy="checkin",
                      queue_time_s=60, position=2, kind="checkin", text="You are number 2.")
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        announce_at_once(conn, said)
        announce_at_once(conn, said)  # retried: nothing more
    assert row(store, "CA9")["announce_events"] == 1
    assert row(store, "CA9")["announcements"] == 1


@pytest.mark.parametrize("resume, counted", [("", False),
                                              ("[queues.support.resume]\nwithin_s = 120\n", True)])
def test_only_a_queue_that_keeps_dropped_places_looks_for_rejoined_callers(
        make_app, mocker, resume, counted):
    """Counting rejoined callers ahead cost PostgreSQL five times a steady poll's CPU under
    load (bench_webhooks: 0.19 -> 0.98 ms per request); a queue without the rule has none."""
    from app.signed_client import SignedClient
    from app.storage.prepared import COUNT_STEADY_POLL_VIEW
    from tests.conftest import AUTH_TOKEN

    assert "rejoined" not in str(COUNT_STEADY_POLL_VIEW[False].statement)
    assert "rejoined" in str(COUNT_STEADY_POLL_VIEW[True].statement)
    app = make_app('[queues.support]\npolicy = "checkin"\n' + resume)
    polled = mocker.spy(app.extensions["holdwell"].store, "poll")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    twilio.post("/voice/wait?queue=support&policy=checkin",
                {"CallSid": sid("CA1"), "QueuePosition": "1", "QueueTime": "0",
                 "CurrentQueueSize": "1", "AvgQueueTime": "0", "QueueSid": "QU" + "0" * 32})
    assert polled.call_args.args[0].rejoins is counted


def test_a_policy_failing_on_a_first_poll_or_a_steady_one_loses_neither_poll(store):
    """The policy fails for this caller only (the route answers its safe segment): the poll
    is counted and the caller's entry logged all the same, on the full path (a first poll,
    whose count, entry and decision share one transaction) as on the steady one."""
    def broken(seen):
        raise ValueError("the policy failed for this caller")

    store.write(c.BeginCall(call_id=sid("CA9"), now=NOW, queue=QUEUE, policy="checkin"),
                Deadline.unbounded())
    for queue_time_s in (0, 60):  # the full path, then the steady one
        with pytest.raises(ValueError):
            store.poll(c.NotePoll(call_id=sid("CA9"), now=NOW + timedelta(seconds=queue_time_s),
                                  queue=QUEUE, policy="checkin", queue_time_s=queue_time_s,
                                  position=3), Deadline.unbounded(), broken)
        assert row(store, "CA9")["polls"] == 1 + queue_time_s // 60
    with store.engine.connect() as conn:
        entries = conn.execute(select(call_events.c.event).where(
            call_events.c.call_id == sid("CA9"), call_events.c.event == "ENTERQUEUE")).all()
    assert len(entries) == 1
