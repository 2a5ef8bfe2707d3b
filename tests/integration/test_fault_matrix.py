"""Nothing lost, nobody dropped: the Procfile's gunicorn under database faults (issue 11).

The same scripted calls run against a healthy database and against one that refuses, hangs
(a black hole), answers slowly, drops connections mid-run, or is an SQLite file locked by
another process. Every webhook must answer valid TwiML (or the status callback's 204) within
its budget, and once the database is back the journal must leave exactly the call log the
healthy run left: same outcomes, waits, positions and events.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from app.storage.schema import call_events, calls
from hold_policies.call_outcome import FACT_ONLY
from tests.support.live_server import LiveServer
from tests.support.locked_sqlite import locked_sqlite
from tests.support.tcp_proxy import proxied_url, running_proxy

BUDGET_MS = 500
ANSWER_WITHIN_S = 2.5  # the budget plus a loaded 2-core box's scheduling; Twilio allows 15
CALLS = 6
CONFIG_TOML = '[queues.support]\npolicy = "checkin"\n[queues.support.checkin]\ninterval_s = 60\n'


def sid(i: int) -> str:
    return f"CA{i:032x}"


def script() -> list[tuple[str, dict[str, str]]]:
    """Webhooks of CALLS callers, in an order Twilio could send them (statuses early too)."""
    steps: list[tuple[str, dict[str, str]]] = []
    wait = "/voice/wait?policy=checkin&queue=support"
    for i in range(CALLS):
        call = {"CallSid": sid(i), "From": "+14155550100"}
        steps.append(("/voice/incoming?queue=support", call))
        for queue_time in (0, 60):
            steps.append((wait, {**call, "QueueTime": str(queue_time),
                                 "QueuePosition": str(i + 1), "CurrentQueueSize": str(CALLS)}))
    for i in range(CALLS):
        call = {"CallSid": sid(i), "From": "+14155550100"}
        result = "/voice/queue-result?policy=checkin&queue=support"
        if i % 3 == 0:
            steps.append(("/voice/choice?policy=checkin&queue=support",
                          {**call, "Digits": "1", "QueueTime": "65", "QueuePosition": "1"}))
            steps.append(("/voice/connect?queue=support", {**call, "QueueTime": "70"}))
            steps.append((result, {**call, "QueueResult": "bridged", "QueueTime": "70"}))
            steps.append(("/voice/status", {**call, "CallStatus": "completed"}))
        elif i % 3 == 1:
            steps.append((result, {**call, "QueueResult": "hangup", "QueueTime": "80"}))
            steps.append(("/voice/status", {**call, "CallStatus": "completed"}))
        else:  # the status callback overtakes the Enqueue action
            steps.append(("/voice/status", {**call, "CallStatus": "completed"}))
            steps.append((result, {**call, "QueueResult": "hangup", "QueueTime": "90"}))
    steps.append(("/voice/agent?queue=support", {"CallSid": sid(999)}))
    return steps


def run_script(*servers: LiveServer) -> list[str]:
    """Post every step (to each server in turn, as a load balancer would); the problems seen
    (slow, not TwiML) as readable lines."""
    problems = []
    for step, (path, params) in enumerate(script()):
        answer = servers[step % len(servers)].post(path, params, timeout=20)
        wanted = answer.status == 204 if path.startswith("/voice/status") else answer.is_twiml
        if not wanted:
            problems.append(f"{path}: {answer.status} {answer.error} {answer.body[:120]!r}")
        if answer.elapsed > ANSWER_WITHIN_S:
            problems.append(f"{path}: answered after {answer.elapsed:.2f} s")
    return problems


def call_log(url: str) -> dict[str, tuple]:
    """What analysts would read, per call: the record and the sorted event names."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            records = conn.execute(select(
                calls.c.call_id, calls.c.outcome, calls.c.wait_s, calls.c.orig_position,
                calls.c.announcements, calls.c.polls)).all()
            events = conn.execute(select(call_events.c.call_id, call_events.c.event).where(
                call_events.c.event.not_in(sorted(FACT_ONLY)))).all()
    finally:
        engine.dispose()
    names: dict[str, list[str]] = {}
    for call_id, event in events:
        names.setdefault(call_id, []).append(event)
    return {row.call_id: (row.outcome, row.wait_s, row.orig_position, row.announcements,
                          row.polls, tuple(sorted(names.get(row.call_id, []))))
            for row in records}


def health(server: LiveServer) -> dict:
    """/healthz's JSON, 200 or 503 alike (503 while the database is away)."""
    try:
        with urllib.request.urlopen(server.url("/healthz"), timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read() or b"{}")


def wait_for_empty_journal(server: LiveServer, timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    seen: dict = {}
    while time.monotonic() < deadline:
        seen = health(server)
        if seen.get("journal_backlog") == 0 and seen.get("database") == "ok":
            return seen
        time.sleep(0.3)
    raise AssertionError(f"journal not replayed in {timeout_s} s: {seen}")


def serve(database_url: str, workdir: Path) -> LiveServer:
    config = workdir / "holdwell.toml"
    workdir.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG_TOML, encoding="utf-8")
    return LiveServer(database_url, workdir=workdir, config=config,
                      extra_env={"HOLDWELL_DB_BUDGET_MS": str(BUDGET_MS)}).start()


@pytest.fixture(scope="module")
def healthy_log(tmp_path_factory) -> dict[str, tuple]:
    """The call log the script leaves on a database with no fault at all."""
    from app.storage.migrate import upgrade

    folder = tmp_path_factory.mktemp("healthy")
    url = f"sqlite:///{folder / 'holdwell.db'}"
    upgrade(url)
    server = serve(url, folder)
    try:
        assert run_script(server) == []
        wait_for_empty_journal(server)
    finally:
        server.stop()
    return call_log(url)


@pytest.mark.parametrize("fault", ["refuse", "hang", "slow", "drop"])
def test_postgres_faults_answer_in_budget_and_lose_nothing(fault, postgres_url, tmp_path,
                                                           healthy_log):
    with running_proxy() as proxy:
        server = serve(proxied_url(postgres_url, proxy), tmp_path / "web")
        try:
            server.post("/voice/incoming", {"CallSid": sid(500), "From": "+1"})  # warm the pool
            proxy.set_mode(fault, **({"delay_ms": 1500} if fault == "slow" else {}))
            problems = run_script(server)
            if fault == "hang":  # a killed worker must not lose what it journaled
                killed = server.kill_worker()
                server.wait_for_workers(2, exclude={killed})
            proxy.set_mode("pass")
            wait_for_empty_journal(server)
        finally:
            server.stop()
    assert problems == []
    log = call_log(postgres_url)
    log.pop(sid(500), None)
    assert log == healthy_log


def test_a_locked_sqlite_file_answers_in_budget_and_loses_nothing(tmp_path, healthy_log):
    from app.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'holdwell.db'}"
    upgrade(url)
    server = serve(url, tmp_path / "web")
    try:
        with locked_sqlite(url, "EXCLUSIVE"):  # another process's long write, as it were
            problems = run_script(server)
        wait_for_empty_journal(server)
    finally:
        server.stop()
    assert problems == []
    assert call_log(url) == healthy_log


def test_a_host_cut_off_from_postgres_beside_one_that_is_not_loses_nothing(
        postgres_url, tmp_path, healthy_log):
    """Two hosts behind a load balancer: every other webhook, so each caller's polls
    alternate between them. Host A's database path refuses; host B's works. A journals its
    share (behind its backlog: never tried) while B writes the callers' next webhooks; once
    A's path is back and it has replayed, the log is the healthy run's: polls, entry places,
    outcomes and events."""
    with running_proxy() as proxy:
        cut_off = serve(proxied_url(postgres_url, proxy), tmp_path / "a")
        fine = serve(postgres_url, tmp_path / "b")
        try:
            cut_off.post("/voice/incoming", {"CallSid": sid(500), "From": "+1"})  # warm
            proxy.set_mode("refuse")
            problems = run_script(cut_off, fine)
            journaled = health(cut_off)["journal_backlog"]
            proxy.set_mode("pass")
            wait_for_empty_journal(cut_off)
        finally:
            cut_off.stop()
            fine.stop()
    assert problems == []
    assert journaled > 0  # the fault did cut host A off
    log = call_log(postgres_url)
    log.pop(sid(500), None)
    assert log == healthy_log
