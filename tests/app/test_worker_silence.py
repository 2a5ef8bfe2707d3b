"""/healthz (and the console) say when the callbacks worker stopped while promises wait on it
(app.storage.worker_rounds).

`holdwell callbacks` is the backstop of every callback promise: it frees claims whose agent
call died unheard, checks ended claims and booking calls with Twilio, rings customer-first
callbacks and texts customers it could not reach. When it crashed, or a deploy left out the
Procfile's `worker:`, nothing said so. Each round now notes that it ran; the web app reads it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.callback_worker import CallbackWorker
from app.settings import Settings
from app.storage import worker_rounds
from app.storage.db import make_engine
from tests.app.test_callback_worker import AGENT_FIRST, Lines, config
from tests.support.callback_rows import seed_pending
from tests.support.sids import sid


@pytest.fixture
def line(make_app, clock, sqlite_url, tmp_path):
    """The app, a pending callback, and a worker on the same database and clock."""
    app = make_app(AGENT_FIRST)
    seed_pending(app.extensions["holdwell"].store.engine, [sid("CA1")],
                 clock.now() - timedelta(minutes=1))
    lines = Lines()
    worker = CallbackWorker(Settings(database_url=sqlite_url,
                                     journal_dir=str(tmp_path / "worker-journal")),
                            config(AGENT_FIRST), interval_s=15.0, out=lines.out.append,
                            err=lines.err.append, clock=clock)
    assert worker.start(wait=False)
    return app, worker, lines


def health(app) -> dict:
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200, answer.json  # the web instance still serves
    return answer.json


def test_a_worker_that_never_ran_is_said_while_a_callback_waits_on_it(line):
    app, _, _ = line
    said = health(app)
    assert said["callbacks_worker"] is None
    assert any("has never run against this database, and 1 callback promised waits on it"
               in warning for warning in said["warnings"])


def test_a_running_worker_is_shown_and_not_warned_of(line, clock):
    app, worker, _ = line
    assert worker.round()
    clock.advance(50)
    said = health(app)
    assert said["callbacks_worker"] == {
        "last_finished_round_at": (clock.now() - timedelta(seconds=50)).isoformat(),
        "seconds_since": 50.0, "interval_s": 15.0, "silent": False}
    assert "warnings" not in said


def test_a_worker_silent_for_four_rounds_and_two_minutes_is_warned_of(line, clock):
    app, worker, _ = line
    assert worker.round()
    clock.advance(120)
    assert "warnings" not in health(app)
    clock.advance(60)
    said = health(app)
    assert said["callbacks_worker"]["silent"]
    assert any("has not finished a round since" in warning and "3 min ago" in warning
               and "1 callback promised waits on it" in warning
               for warning in said["warnings"])
    assert worker.round()  # it runs again: nothing to say
    assert "warnings" not in health(app)


def test_a_silent_worker_with_no_promise_waiting_is_not_warned_of(line, clock):
    app, worker, _ = line
    engine = app.extensions["holdwell"].store.engine
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE callbacks SET status = 'connected'")
    assert worker.round()
    clock.advance(3600)
    said = health(app)
    assert said["callbacks_worker"]["silent"] and "warnings" not in said


def test_a_failing_round_keeps_its_last_finished_round_and_says_why(line, clock,
                                                                   monkeypatch):
    app, worker, lines = line
    assert worker.round()
    clock.advance(15)

    def fails(*_args, **_kwargs):
        raise RuntimeError("the placer broke")

    monkeypatch.setattr("app.callback_worker.watch_round", fails)
    assert not worker.round()
    assert not any("could not note" in line for line in lines.err), lines.err
    said = health(app)
    assert said["callbacks_worker"]["seconds_since"] == 15.0  # the round before still counts
    # /healthz answers anyone: this code's words, the error's own to the worker's log and
    # the console (security probe F5's rule)
    assert any("the callbacks worker runs, but its last round failed; the worker's log "
               "and the console's callbacks page say why" in warning
               for warning in said["warnings"])
    assert "placer broke" not in str(said)
    assert any("placer broke" in line for line in lines.err)
    with app.extensions["holdwell"].store.engine.connect() as conn:
        latest = worker_rounds.newest_round(conn)
    assert worker_rounds.worker_warning(latest, 1, clock.now()) == (
        "the callbacks worker runs, but its last round failed: RuntimeError: the placer "
        "broke")


def test_a_failed_rounds_problem_names_no_callers_number(line, clock, monkeypatch):
    """/healthz answers anyone (a load balancer, the internet): a round failing on Twilio's
    refusal of a number had put the caller's number in its warnings, and in a table
    `holdwell privacy` never erases."""
    app, worker, _ = line

    def fails(*_args, **_kwargs):
        raise RuntimeError("HTTP 400 error: The 'To' number +14155550123 is not valid")

    monkeypatch.setattr("app.callback_worker.watch_round", fails)
    assert not worker.round()
    said = health(app)
    assert "14155550123" not in str(said)
    with app.extensions["holdwell"].store.engine.connect() as conn:
        problem = worker_rounds.newest_round(conn).problem
    assert "The 'To' number +•••••••••23 is not valid" in problem


def test_rounds_are_noted_once_per_host_on_either_database(any_url, clock):
    engine = make_engine(any_url)
    start = clock.now()
    for minute, ok in ((0, True), (1, False), (2, True)):
        worker_rounds.note_round(engine, host="worker-1", pid=7, interval_s=15.0,
                                 started_at=start, now=start + timedelta(minutes=minute),
                                 ok=ok, problem=None if ok else "broke")
        with engine.connect() as conn:
            latest = worker_rounds.newest_round(conn)
            assert conn.exec_driver_sql("SELECT count(*) FROM worker_rounds").scalar() == 1
        finished = 0 if minute == 1 else minute
        assert latest.last_ok_at == start + timedelta(minutes=finished)
        assert latest.last_round_at == start + timedelta(minutes=minute)
        assert latest.problem == (None if ok else "broke")
    engine.dispose()



def test_a_healthz_that_could_not_read_the_rounds_does_not_say_none_ever_ran(
        line, monkeypatch):
    """`callbacks_worker: null` means no worker ever ran against this database: a database
    too slow to answer within the budget (or a worker_rounds table dropped by hand) had
    been reported as that."""
    app, worker, _ = line
    assert worker.round()

    def slow(_conn):
        from app.storage.deadline import DatabaseUnavailable
        raise DatabaseUnavailable("the database did not answer within 0.5 s")

    monkeypatch.setattr(worker_rounds, "newest_round", slow)
    said = health(app)
    assert "callbacks_worker" not in said
    assert not any("never run" in warning for warning in said.get("warnings", []))


def test_a_running_worker_costs_healthz_no_count_of_the_callbacks(line, monkeypatch):
    """Load balancers poll /healthz every few seconds: the count of outstanding callbacks
    (no index leads with status: a scan of every callback ever booked) is read only when a
    warning may need it."""
    app, worker, _ = line
    assert worker.round()
    counted = []
    real = worker_rounds.outstanding_callbacks
    monkeypatch.setattr(worker_rounds, "outstanding_callbacks",
                        lambda conn: counted.append(1) or real(conn))
    assert "warnings" not in health(app)
    assert counted == []


def test_a_round_that_cannot_be_noted_is_said_once_not_each_round(line, clock, monkeypatch):
    """A worker role lacking INSERT on worker_rounds (GRANT ... ON ALL TABLES covers only
    the tables there were) had said 'could not note the round' every 15 s round: the very
    flood app.seldom_warnings ends for Twilio's refusals."""
    _, worker, lines = line

    def refused(*_args, **_kwargs):
        raise RuntimeError("permission denied for table worker_rounds")

    monkeypatch.setattr(worker_rounds, "note_round", refused)
    for _ in range(4):
        assert worker.round()
        clock.advance(15)
    noted = [said for said in lines.err if "could not note the round" in said]
    assert len(noted) == 1, lines.err


def test_a_worker_failing_on_a_new_host_is_said_beside_the_old_hosts_last_round(any_url,
                                                                                clock):
    """A worker restarted on a new host (a container's name changes with each deploy) whose
    rounds all fail: the warning had read the old host's row alone ('has not finished a
    round since last week'), as if no worker ran, and said nothing of the failure."""
    engine = make_engine(any_url)
    week_ago = clock.now() - timedelta(days=7)
    worker_rounds.note_round(engine, host="old-pod", pid=1, interval_s=15.0,
                             started_at=week_ago, now=week_ago, ok=True)
    for minute in range(3):
        worker_rounds.note_round(engine, host="new-pod", pid=1, interval_s=15.0,
                                 started_at=clock.now(),
                                 now=clock.now() + timedelta(minutes=minute), ok=False,
                                 problem="RuntimeError: the placer broke")
    with engine.connect() as conn:
        latest = worker_rounds.newest_round(conn)
    engine.dispose()
    now = clock.now() + timedelta(minutes=3)
    said = worker_rounds.worker_warning(latest, 1, now)
    assert "has not finished a round since" in said
    assert "its last round failed: RuntimeError: the placer broke" in said
    assert "its last round failed; the worker's log" in worker_rounds.worker_warning(
        latest, 1, now, to_anyone=True)
