"""What a poll shares with the other callers of its queue, and what it never shares (issue 11).

A queue's departure rate is read once a second per process (app.storage.queue_flow): another
host's departures reach this host's estimates within that second, this host's own at once.
A caller's place (the callbacks ahead of them) is never shared: it is counted for them on
every poll, so every host tells a caller the same place.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine

from app.storage import commands as c
from app.storage.call_log import CallLogStore
from app.storage.deadline import Deadline
from app.storage.journal import Journal
from tests.support.sids import sid

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
QUEUE = "support"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, sqlite_url, make_app):
    chosen = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    make_app(database_url=chosen)  # migrates the database
    return chosen


@pytest.fixture
def hosts(url):
    """Two stores on one database, as two hosts' web workers would have."""
    engines = [create_engine(url) for _ in range(2)]
    yield [CallLogStore(engine) for engine in engines]
    for engine in engines:
        engine.dispose()


def begin(store: CallLogStore, call: str, at: datetime) -> None:
    store.write(c.BeginCall(call_id=sid(call), now=at, queue=QUEUE, policy="checkin"),
                Deadline.unbounded())


def poll(store: CallLogStore, call: str, at: datetime, queue_time_s: float, position: int = 1):
    polled = store.poll(c.NotePoll(call_id=sid(call), now=at, queue=QUEUE, policy="checkin",
                                   queue_time_s=queue_time_s, position=position),
                        Deadline.unbounded(), lambda seen: (None, None))
    return polled[0]


def answer(store: CallLogStore, call: str, at: datetime) -> None:
    store.write(c.Connect(call_id=sid(call), now=at, queue=QUEUE, queue_time_s=30),
                Deadline.unbounded())


def test_another_hosts_departure_reaches_the_estimate_within_a_second(hosts):
    here, there = hosts
    for call in ("CA1", "CA2"):
        begin(here, call, NOW)
        poll(here, call, NOW, 0)
    assert poll(here, "CA1", NOW + timedelta(seconds=30), 30).flow.departures == 0
    answer(there, "CA2", NOW + timedelta(seconds=30.2))
    shared = poll(here, "CA1", NOW + timedelta(seconds=30.5), 30.5)
    later = poll(here, "CA1", NOW + timedelta(seconds=31.5), 31.5)
    assert shared.flow.departures == 0  # the queue's reading taken at 30 s, shared
    assert later.flow.departures == 1


def test_this_hosts_own_departure_is_seen_at_once(hosts):
    here, _ = hosts
    for call in ("CA1", "CA2"):
        begin(here, call, NOW)
        poll(here, call, NOW, 0)
    answer(here, "CA2", NOW + timedelta(seconds=0.2))
    assert poll(here, "CA1", NOW + timedelta(seconds=0.5), 0.5).flow.departures == 1


def test_the_measuring_window_still_ends_at_each_polls_own_time(hosts):
    here, _ = hosts
    begin(here, "CA1", NOW)
    poll(here, "CA1", NOW, 0)
    second = poll(here, "CA1", NOW + timedelta(seconds=0.5), 0.5)
    assert second.flow.window_s == pytest.approx(0.5)  # the log began at NOW


def test_a_callers_place_is_counted_for_them_on_every_poll_on_any_host(hosts):
    here, there = hosts
    begin(here, "CA1", NOW)
    poll(here, "CA1", NOW, 0, position=1)
    begin(here, "CA2", NOW + timedelta(seconds=5))
    poll(here, "CA2", NOW + timedelta(seconds=5), 0, position=2)
    there.store_now(c.RequestCallback(call_id=sid("CA1"), now=NOW + timedelta(seconds=10),
                                      queue=QUEUE, number="+14155550100", digit="1",
                                      queue_time_s=10), Deadline.unbounded())
    # Within the second CA2's queue reading is shared, but the callback ahead is not missed.
    for store in hosts:
        seen = poll(store, "CA2", NOW + timedelta(seconds=10.5), 5.5, position=1)
        assert seen.callbacks_ahead == 1
    assert poll(here, "CA1", NOW + timedelta(seconds=10.5), 10.5).callbacks_ahead == 0


def test_a_journal_another_process_started_holds_writes_back_at_once(url, tmp_path):
    folder = tmp_path / "journal"
    here = CallLogStore(create_engine(url), journal=Journal(folder))
    elsewhere = Journal(folder)
    begin(here, "CA1", NOW)
    assert not here._behind_journal()
    elsewhere.append(c.CallStatus(call_id=sid("CA9"), now=NOW, status="completed"))
    assert here.write(c.CallStatus(call_id=sid("CA1"), now=NOW, status="ringing"),
                      Deadline.unbounded()).stored is False  # queued behind the backlog
    here.close()
    here.engine.dispose()


def test_a_poll_another_worker_journaled_still_counts_when_the_next_poll_comes_here(
        url, tmp_path):
    """One worker journals a caller's first poll (its database call failed); the caller's
    next poll reaches the other worker of the host, which had just found the journal empty.
    Both polls must count, as they would have without the failure: a poll applied before an
    earlier one is journaled behind it, not counted first (the earlier one would then be
    older than the last counted, and lost)."""
    folder = tmp_path / "journal"
    here, there = (CallLogStore(create_engine(url), journal=Journal(folder)) for _ in range(2))
    begin(here, "CA1", NOW)
    assert not there._behind_journal()  # it looked a moment ago: nothing waited then
    here._journal(c.NotePoll(call_id=sid("CA1"), now=NOW, queue=QUEUE, policy="checkin",
                             queue_time_s=0, position=1))
    assert there.poll(c.NotePoll(call_id=sid("CA1"), now=NOW + timedelta(seconds=60),
                                 queue=QUEUE, policy="checkin", queue_time_s=60, position=1),
                      Deadline.unbounded(), lambda seen: (None, None)) is None  # journaled
    assert here.replay() == 2
    assert poll(here, "CA1", NOW + timedelta(seconds=120), 120).call.polls == 3
    for store in (here, there):
        store.close()
        store.engine.dispose()
