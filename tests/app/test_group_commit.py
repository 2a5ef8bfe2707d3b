"""Group commit: steady polls arriving together share one transaction, each told its own truth.

Why: on SQLite a transaction per poll (a pool checkout, a turn at the file's one write lock,
BEGIN IMMEDIATE, COMMIT) was most of a poll's database cost under load (issue 11). These
hold one batch open so that the next polls queue behind it, then check that they were written
as one batch, each with its own count, view and check-in, and that a poll whose deadline
passed while it queued is journaled rather than written by the batch.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, event, select

from app.storage import commands as c
from app.storage.call_log import CallLogStore
from app.storage.deadline import DatabaseUnavailable, Deadline, NotTried
from app.storage.group_commit import GroupCommit
from app.storage.journal import Journal
from app.storage.schema import call_events, calls
from tests.support.sids import sid

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
QUEUE = "support"
WAIT_S = 10.0


@pytest.fixture
def store(sqlite_url, make_app, tmp_path):
    """SQLite: PostgreSQL takes writes concurrently, and a steady poll there is one statement
    outside any transaction (tests/app/test_steady_polls.py), which batching made dearer."""
    make_app(database_url=sqlite_url)  # migrates the database
    engine = create_engine(sqlite_url)
    commits: list[object] = []
    event.listen(engine, "commit", commits.append)
    here = CallLogStore(engine, journal=Journal(tmp_path / "journal"))
    here.commits = commits
    yield here
    here.close()
    engine.dispose()


def command(call: str, queue_time_s: float, position: int) -> c.NotePoll:
    return c.NotePoll(call_id=sid(call), now=NOW + timedelta(seconds=queue_time_s), queue=QUEUE,
                      policy="checkin", queue_time_s=queue_time_s, position=position)


def telling(call: str, queue_time_s: float, say: int):
    """The route's decision: a check-in telling `say` (and what the view showed)."""
    def decide(seen):
        return seen, c.Announce(call_id=sid(call), now=NOW + timedelta(seconds=queue_time_s),
                                queue=QUEUE, policy="checkin", queue_time_s=queue_time_s,
                                position=say, kind="checkin", text=f"You are number {say}.")
    return decide


def first_polls(store: CallLogStore, calls_: list[str]) -> None:
    for k, call in enumerate(calls_):
        store.write(c.BeginCall(call_id=sid(call), now=NOW, queue=QUEUE, policy="checkin"),
                    Deadline.unbounded())
        store.poll(command(call, 0, k + 1), Deadline.unbounded(), lambda seen: (seen, None))


def hold_a_batch_open(store: CallLogStore, call: str):
    """Start a steady poll of `call` whose decision waits for the returned gate: its batch is
    being written (inside its transaction) until the gate opens."""
    inside, gate = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def decide(seen):
        inside.set()
        assert gate.wait(WAIT_S)
        return seen, None

    holder = threading.Thread(target=lambda: results.setdefault(call, store.poll(
        command(call, 60, 1), Deadline(WAIT_S), decide)))
    holder.start()
    assert inside.wait(WAIT_S)
    return gate, holder, results


def queued(store: CallLogStore, count: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while len(store._steady._pending) < count:  # noqa: SLF001 - the test's only window
        assert time.monotonic() < deadline, "the polls never queued"
        time.sleep(0.005)


def test_polls_arriving_together_share_one_transaction_and_each_gets_its_own_view(store):
    callers = ["CA0", "CA1", "CA2", "CA3", "CA4"]
    first_polls(store, callers)
    gate, holder, results = hold_a_batch_open(store, "CA0")
    before = len(store.commits)
    waiting = [threading.Thread(target=lambda k=k, call=call: results.setdefault(call, store.poll(
        command(call, 60, k), Deadline(WAIT_S), telling(call, 60, k))))
        for k, call in enumerate(callers[1:], start=1)]
    for thread in waiting:
        thread.start()
    queued(store, len(waiting))
    gate.set()
    for thread in [holder, *waiting]:
        thread.join(WAIT_S)
    assert len(store.commits) - before == 2  # the open batch, then all four queued behind it
    with store.engine.connect() as conn:
        rows = {row.call_id: row for row in conn.execute(select(calls))}
        said = conn.execute(select(call_events.c.call_id, call_events.c.position).where(
            call_events.c.event == "ANNOUNCE")).all()
    for k, call in enumerate(callers):
        poll, _ = results[call]
        assert poll.call.call_id == sid(call) and poll.call.polls == 2
        assert (rows[sid(call)].polls, rows[sid(call)].last_position) == (2, k or 1)
        assert rows[sid(call)].announcements == (1 if k else 0)
    assert sorted(said) == sorted((sid(call), k) for k, call in enumerate(callers) if k)


def test_a_poll_whose_deadline_passed_in_the_queue_is_journaled_not_batched(store):
    first_polls(store, ["CA0", "CA1"])
    gate, holder, results = hold_a_batch_open(store, "CA0")
    late = store.poll(command("CA1", 60, 2), Deadline(0.05), telling("CA1", 60, 2))
    assert late is None  # answered without history
    assert store.journal.has_backlog()
    gate.set()
    holder.join(WAIT_S)
    with store.engine.connect() as conn:
        assert conn.execute(select(calls.c.polls).where(
            calls.c.call_id == sid("CA1"))).scalar_one() == 1  # the batch left it out
    store.replay()
    with store.engine.connect() as conn:
        assert conn.execute(select(calls.c.polls).where(
            calls.c.call_id == sid("CA1"))).scalar_one() == 2  # the journal counted it once


def test_a_policy_failing_one_caller_fails_that_caller_alone(store):
    first_polls(store, ["CA0", "CA1", "CA2"])
    gate, holder, results = hold_a_batch_open(store, "CA0")
    errors: dict[str, BaseException] = {}

    def broken(seen):
        raise ZeroDivisionError("a policy bug")

    def run(call, decide):
        try:
            results[call] = store.poll(command(call, 60, 1), Deadline(WAIT_S), decide)
        except ZeroDivisionError as error:
            errors[call] = error

    threads = [threading.Thread(target=run, args=("CA1", broken)),
               threading.Thread(target=run, args=("CA2", telling("CA2", 60, 2)))]
    for thread in threads:
        thread.start()
    queued(store, 2)
    gate.set()
    for thread in [holder, *threads]:
        thread.join(WAIT_S)
    assert set(errors) == {"CA1"}
    assert results["CA2"][0].call.polls == 2


def test_every_request_is_answered_even_when_its_batch_breaks():
    calls_seen: list[list[int]] = []

    def flush(items, expires):
        calls_seen.append(list(items))
        if 13 in items:
            raise RuntimeError("a bug in the flush")
        return [ValueError(item) if item < 0 else item * 2 for item in items]

    batches = GroupCommit(flush)
    assert batches.submit(4, time.monotonic() + WAIT_S) == 8
    with pytest.raises(ValueError):
        batches.submit(-1, time.monotonic() + WAIT_S)
    with pytest.raises(RuntimeError):
        batches.submit(13, time.monotonic() + WAIT_S)
    assert batches.submit(5, time.monotonic() + WAIT_S) == 10  # the next batch is written
    with pytest.raises(DatabaseUnavailable):
        batches.submit(6, time.monotonic() - 1)  # no time left: never written
    assert batches.submit(7, time.monotonic() + WAIT_S) == 14  # taken after 6 was dropped
    assert all(6 not in items for items in calls_seen)


def test_without_a_wall_clock_budget_a_steady_poll_is_written_in_the_requests_thread(store):
    """The emulator's runner has no deadline (its clock is virtual): a steady poll must not
    wait on another request's batch against the wall clock, or a slow machine journals it at
    random and the same seed gives different calls (a CI run lost six of thirty that way)."""
    from emulator.run import InlineRunner

    store.runner = InlineRunner()
    first_polls(store, ["CA0"])
    threads: list[threading.Thread] = []

    def slow(seen):
        threads.append(threading.current_thread())
        time.sleep(0.2)  # past the poll's whole budget
        return seen, None

    polled = store.poll(command("CA0", 60, 1), Deadline(0.05), slow)
    assert polled is not None and polled[0].call.polls == 2
    assert threads == [threading.current_thread()] and not store.journal.has_backlog()


def test_a_request_alone_writes_its_own_batch_in_its_own_thread():
    """No thread of its own: a quiet line's request writes at once where it runs (the
    handoff to a flushing thread cost about 5% of an answer, bench_request_cost)."""
    writers: list[threading.Thread] = []

    def flush(items, expires):
        writers.append(threading.current_thread())
        return list(items)

    before = set(threading.enumerate())
    batches = GroupCommit(flush)
    assert [batches.submit(n, time.monotonic() + WAIT_S) for n in range(3)] == [0, 1, 2]
    assert writers == [threading.current_thread()] * 3
    assert set(threading.enumerate()) <= before  # it started none (others may have ended)


def test_many_requests_at_once_each_get_their_own_result_and_none_is_written_twice():
    """Threads submitting together, some with deadlines too short to wait: every request
    answers (its result or DatabaseUnavailable), nothing is written twice, and everything
    whose request got a result was written, in batches of more than one."""
    import random

    written: list[int] = []
    sizes: list[int] = []
    lock = threading.Lock()

    def flush(items, expires):
        time.sleep(0.002)  # a transaction's worth of time, for others to queue behind
        with lock:
            written.extend(items)
            sizes.append(len(items))
        return [item * 10 for item in items]

    batches = GroupCommit(flush, max_batch=5)
    answers: dict[int, object] = {}
    randomness = random.Random(11)
    budgets = {n: randomness.choice([0.0005, 0.002, WAIT_S]) for n in range(400)}

    def run(numbers: list[int]) -> None:
        for n in numbers:
            try:
                answers[n] = batches.submit(n, time.monotonic() + budgets[n])
            except DatabaseUnavailable:
                answers[n] = None

    threads = [threading.Thread(target=run, args=(list(range(k, 400, 8)),)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a request never answered"
    assert len(answers) == 400 and len(written) == len(set(written))
    assert all(answers[n] == n * 10 for n in answers if answers[n] is not None)
    assert {n for n in answers if answers[n] is not None} <= set(written)
    assert all(answers[n] is not None for n in budgets if budgets[n] == WAIT_S)
    assert max(sizes) > 1 and max(sizes) <= 5


def test_the_request_leading_a_batch_answers_by_its_own_deadline():
    """The leader writes in its own thread, so its batch must not run to a later member's
    deadline: with the file locked, a 0.3 s leader waited out a 2 s follower's budget (the
    batch then carried the latest deadline of its members)."""
    from app.storage.group_commit import _Ticket

    def locked_file(items, expires):
        time.sleep(max(expires - time.monotonic(), 0))  # waits on the lock to the deadline
        raise DatabaseUnavailable("database is locked")

    batches = GroupCommit(locked_file)
    later = _Ticket("later", time.monotonic() + 2.0)
    batches._pending.append(later)  # noqa: SLF001 - a request already waiting, deterministically
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable):
        batches.submit("leader", started + 0.3)
    assert time.monotonic() - started < 0.3 + 0.5
    assert later.done and isinstance(later.error, DatabaseUnavailable)  # it journals its write


def test_the_wait_routes_decision_needs_no_request_context(make_app):
    """A follower's decision runs in the leader's thread, under the leader's request: the
    route's `decide` must read only what it closed over, or it would answer one caller with
    another's request. Here every steady poll's batch is written in a thread with no Flask
    context at all, where reading `request`, `g` or `current_app` raises."""
    from app.signed_client import SignedClient
    from tests.conftest import AUTH_TOKEN

    app = make_app()
    store = app.extensions["holdwell"].store
    outcomes: list[object] = []

    def elsewhere(item, expires):
        def run():
            try:
                outcomes.append(store._steady.write_here(item, expires))  # noqa: SLF001
            except Exception as error:  # noqa: BLE001 - what the test looks at
                outcomes.append(error)
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(WAIT_S)
        if isinstance(outcomes[-1], Exception):
            raise outcomes[-1]
        return outcomes[-1]

    store._steady.submit = elsewhere  # noqa: SLF001 - the batch's leader is another thread
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    for queue_time in ("0", "60", "120"):
        answer = twilio.post("/voice/wait?queue=support&policy=checkin",
                             {"CallSid": sid("CA1"), "QueuePosition": "3",
                              "QueueTime": queue_time, "CurrentQueueSize": "3",
                              "AvgQueueTime": "0", "QueueSid": "QU" + "0" * 32})
        assert answer.status_code == 200
    assert not any(isinstance(outcome, Exception) for outcome in outcomes)
    assert len([outcome for outcome in outcomes if outcome is not None]) == 2  # the steady two
    with store.engine.connect() as conn:
        assert conn.execute(select(calls.c.polls).where(
            calls.c.call_id == sid("CA1"))).scalar_one() == 3


def test_a_request_whose_batch_is_under_way_at_its_deadline_gets_that_batchs_result():
    """A member whose write a batch took, still being written at the member's deadline: it
    used to answer without history and journal what it said while the batch went on to
    commit the check-in it had decided (the log then told what the caller never heard).
    Now the batch ends by its earliest member's deadline and the member waits for it."""
    from app.storage.group_commit import _Ticket

    taken, release, deadlines = threading.Event(), threading.Event(), []

    def slow(items, expires):
        deadlines.append(expires)
        taken.set()
        release.wait(5)
        return [f"committed {item}" for item in items]

    batches = GroupCommit(slow)
    member = _Ticket("member", time.monotonic() + 0.4)
    batches._pending.append(member)  # noqa: SLF001 - waiting when the leader arrives
    leader = threading.Thread(target=batches.submit, args=("leader", time.monotonic() + 2.0))
    leader.start()
    assert taken.wait(5)
    outcome: list[object] = []

    def member_asks() -> None:
        try:
            outcome.append(batches._answer(member))  # noqa: SLF001 - submit's wait, queued
        except DatabaseUnavailable as error:
            outcome.append(error)

    asker = threading.Thread(target=member_asks)
    asker.start()
    time.sleep(0.5)  # the member's deadline passes while its batch is written
    release.set()
    asker.join(5)
    leader.join(5)
    assert outcome == ["committed member"]
    assert deadlines == [member.expires]  # the batch was written by its earliest deadline



def test_a_request_nearly_out_of_time_is_left_out_of_a_batch_and_answers_at_once():
    """Put in a batch, a request with a few milliseconds left would cut the whole batch's
    deadline to its own; left out, it answers at once (it journals its write) instead of
    waiting for a batch that never took it."""
    from app.storage.group_commit import MIN_BATCH_S, TAKEN_GRACE_S, _Ticket

    first, release, deadlines = threading.Event(), threading.Event(), []

    def flush(items, expires):
        deadlines.append((tuple(items), expires))
        if "first" in items:
            first.set()
            release.wait(5)
        return [f"committed {item}" for item in items]

    batches = GroupCommit(flush)
    leader = threading.Thread(target=batches.submit, args=("first", time.monotonic() + 5.0))
    leader.start()
    assert first.wait(5)
    short = _Ticket("short", time.monotonic() + 0.1)
    batches._pending.append(short)  # noqa: SLF001 - queued while the first batch is written
    answers: dict[str, object] = {}

    def ask(name: str, answer) -> None:  # noqa: ANN001
        try:
            answers[name] = answer()
        except DatabaseUnavailable as error:
            answers[name] = error
        answers[f"{name} at"] = time.monotonic()

    asking = [threading.Thread(target=ask, args=("short", lambda: batches._answer(short))),
              threading.Thread(target=ask, args=("long", lambda: batches.submit(
                  "long", time.monotonic() + 5.0)))]
    for thread in asking:
        thread.start()
    time.sleep(0.1 - MIN_BATCH_S / 2)  # the short request now has less than MIN_BATCH_S left
    release.set()
    for thread in [*asking, leader]:
        thread.join(5)
    assert isinstance(answers["short"], NotTried)  # nothing of it was written
    assert answers["short at"] < short.expires + TAKEN_GRACE_S / 2  # not after the grace
    assert answers["long"] == "committed long"
    assert all("short" not in items and expires > short.expires for items, expires in deadlines
               if "first" not in items)
