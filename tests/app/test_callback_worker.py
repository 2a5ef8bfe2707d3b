"""The callback worker's loop (app.callback_worker): it runs the config version made active in
the database after it started, outlives a database that refuses for a while (and replays the
journal once it is back), names the callback a failed round was on, and a stop between a
claim and its ring puts the claim back. Twilio's REST client is mocked at its boundary."""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine, select, text

from app.callback_worker import CallbackWorker, StopFlag, StoppingPlacer
from app.settings import Settings
from app.storage import callback_rest, config_versions
from app.storage import commands as c
from app.storage.journal import Journal
from app.storage.schema import callbacks
from hold_policies.config import HoldwellConfig, parse_config
from tests.conftest import AUTH_TOKEN
from tests.support.callback_rows import seed_pending
from tests.support.tcp_proxy import proxied_url, tcp_proxy  # noqa: F401 - fixture

PUBLIC = "https://hold.example.com"
AGENT_FIRST = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
"""
CUSTOMER_FIRST = AGENT_FIRST + """
[queues.support.callback]
dialling = "customer_first"
customer_first_at_once = 1
"""


def config(toml: str) -> HoldwellConfig:
    return parse_config(tomllib.loads(toml), "test")


class Lines:
    """What the worker printed, for assertions (and waiting on, from another thread)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.err: list[str] = []

    def count(self, words: str) -> int:
        return sum(words in line for line in self.out + self.err)


def make_worker(url: str, tmp_path, file_config: str, *, credentials: bool = True,
                interval_s: float = 0.05) -> tuple[CallbackWorker, Lines]:
    settings = Settings(database_url=url, journal_dir=str(tmp_path / "journal"),
                        auth_token=AUTH_TOKEN if credentials else None,
                        account_sid="AC123" if credentials else None,
                        public_url=PUBLIC if credentials else None)
    lines = Lines()
    worker = CallbackWorker(settings, config(file_config), interval_s=interval_s,
                            out=lines.out.append, err=lines.err.append)
    return worker, lines


def statuses(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(callbacks.c.call_id, callbacks.c.status,
                                   callbacks.c.claimed_by)).all()
    return {row.call_id: (row.status, row.claimed_by) for row in rows}


def activate(engine: Engine, toml: str) -> None:
    """What the console's save (or `holdwell config import`) does."""
    config_versions.add(engine, config(toml), author="operator", note="test",
                        now=datetime.now(UTC))


def eventually(condition: Callable[[], bool], timeout_s: float = 8.0) -> None:
    until = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < until, "timed out"
        time.sleep(0.02)


@pytest.fixture
def worker_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlite_url)
    yield engine
    engine.dispose()


def test_a_round_runs_the_version_activated_after_the_worker_started(
        sqlite_url, worker_engine, tmp_path, mocker):
    worker, lines = make_worker(sqlite_url, tmp_path, AGENT_FIRST)
    create = mocker.patch.object(worker.client.calls, "create")
    assert worker.start(wait=False)
    seed_pending(worker_engine, ["CA1"], datetime.now(UTC) - timedelta(minutes=5))
    assert worker.round()
    assert create.call_count == 0 and worker.placer is None  # agent-first: agents dial it
    activate(worker_engine, CUSTOMER_FIRST)  # the operator switches the queue in the console
    assert worker.round()
    assert create.call_count == 1 and create.call_args.kwargs["to"] == "+14155550100"
    assert statuses(worker_engine) == {"CA1": ("claimed", "rest")}
    assert "running config version 2; REST placement: customer-first queue(s) support" \
        in lines.out
    assert "placed by REST: CA1" in lines.out[-1]


def test_the_placer_follows_the_config_and_keeps_its_rate_limit(
        sqlite_url, worker_engine, tmp_path):
    worker, _ = make_worker(sqlite_url, tmp_path, CUSTOMER_FIRST)
    assert worker.start(wait=False) and worker.round()
    first = worker.placer
    assert isinstance(first, StoppingPlacer) and first.rate_limit is worker.rate_limit
    worker.rate_limit.until = datetime.now(UTC) + timedelta(minutes=1)  # Twilio said 429
    slower = CUSTOMER_FIRST.replace("[queues.support]",
                                    "[callbacks]\nmin_retry_after_s = 90\n[queues.support]")
    activate(worker_engine, slower)
    assert worker.round()
    assert worker.placer is not first and worker.placer.settings.min_retry_after_s == 90
    assert worker.placer.rate_limit.holds(datetime.now(UTC))  # same account: still paused
    again = worker.placer
    activate(worker_engine, slower.replace('policy = "callback"',
                                           'policy = "callback"\nmax_size = 50'))
    assert worker.round() and worker.placer is again  # nothing it depends on changed


def test_rest_placement_it_cannot_do_is_said_at_each_change_and_the_watch_goes_on(
        sqlite_url, worker_engine, tmp_path):
    worker, lines = make_worker(sqlite_url, tmp_path, AGENT_FIRST, credentials=False)
    assert worker.start(wait=False) and worker.round()
    assert lines.err == []
    activate(worker_engine, CUSTOMER_FIRST)
    assert worker.round() and worker.round()
    problem = [line for line in lines.err if "place_via_rest needs" in line]
    assert len(problem) == 1 and "customer-first queue(s) support" in problem[0]
    assert "TWILIO_ACCOUNT_SID" in problem[0] and "HOLDWELL_PUBLIC_URL" in problem[0]
    activate(worker_engine, CUSTOMER_FIRST + "\n[callbacks]\nplace_via_rest = true\n")
    assert worker.round()
    assert lines.count("place_via_rest needs") == 2  # said again for the new version
    assert lines.out[-1].startswith("callbacks pending:")  # rounds still run


def test_a_stop_between_the_claim_and_the_ring_puts_the_claim_back(
        sqlite_url, worker_engine, tmp_path, mocker):
    worker, lines = make_worker(sqlite_url, tmp_path, CUSTOMER_FIRST)
    create = mocker.patch.object(worker.client.calls, "create")
    claim = callback_rest.claim_in_turn

    def claim_then_sigterm(*args, **kwargs):
        taken = claim(*args, **kwargs)
        worker.stop.set("SIGTERM")  # the signal lands right after the claim's commit
        return taken

    mocker.patch("app.callback_watch.callback_rest.claim_in_turn", claim_then_sigterm)
    seed_pending(worker_engine, ["CA1", "CA2"], datetime.now(UTC) - timedelta(minutes=5))
    assert worker.run() == 0
    assert create.call_count == 0
    assert statuses(worker_engine) == {"CA1": ("pending", None), "CA2": ("pending", None)}
    assert lines.err[-1] == "stopped (SIGTERM)"


def test_a_stop_during_a_ring_lets_it_finish_and_starts_no_other(
        sqlite_url, worker_engine, tmp_path, mocker):
    worker, lines = make_worker(sqlite_url, tmp_path,
                                CUSTOMER_FIRST.replace("at_once = 1", "at_once = 2"))
    create = mocker.patch.object(worker.client.calls, "create",
                                 side_effect=lambda **_: worker.stop.set("SIGTERM"))
    seed_pending(worker_engine, ["CA1", "CA2"], datetime.now(UTC) - timedelta(minutes=5))
    assert worker.run() == 0
    assert create.call_count == 1
    assert statuses(worker_engine) == {"CA1": ("claimed", "rest"), "CA2": ("pending", None)}
    assert "placed by REST: CA1" in lines.out[-1]


def test_a_failed_round_names_its_callback_and_the_next_round_runs(
        sqlite_url, worker_engine, tmp_path, mocker):
    worker, lines = make_worker(sqlite_url, tmp_path, CUSTOMER_FIRST)
    mocker.patch.object(StoppingPlacer, "ring", side_effect=[ValueError("a bug"), True])
    seed_pending(worker_engine, ["CA1"], datetime.now(UTC) - timedelta(minutes=5))
    assert worker.start(wait=False)
    assert not worker.round()
    assert lines.err == ["callback round failed: callback CA1: ValueError: a bug; next round "
                         "in 0.05 s"]
    assert worker.delay_s() == 0.05  # not an outage: no backoff
    assert worker.round()


def test_a_failed_round_under_once_promises_no_next_round(sqlite_url, worker_engine,
                                                           tmp_path, mocker):
    """`holdwell callbacks --once` had said "next round in 15 s" and exited (operator audit
    33, D9)."""
    worker, lines = make_worker(sqlite_url, tmp_path, CUSTOMER_FIRST)
    mocker.patch.object(StoppingPlacer, "ring", side_effect=ValueError("a bug"))
    seed_pending(worker_engine, ["CA1"], datetime.now(UTC) - timedelta(minutes=5))
    assert worker.run(once=True) == 1
    assert "callback round failed: callback CA1: ValueError: a bug" in lines.err
    assert not lines.count("next round")


def test_the_worker_outlives_a_database_that_refuses_and_catches_up_after(
        postgres_url, tcp_proxy, tmp_path, mocker):  # noqa: F811 - the fixture
    worker, lines = make_worker(proxied_url(postgres_url, tcp_proxy), tmp_path, CUSTOMER_FIRST)
    create = mocker.patch.object(worker.client.calls, "create")
    ran = threading.Thread(target=lambda: lines.out.append(f"exit {worker.run()}"))
    ran.start()
    direct = create_engine(postgres_url)
    try:
        eventually(lambda: lines.count("callbacks pending: 0") >= 1)
        tcp_proxy.set_mode("refuse")  # PostgreSQL down (connections reset, none accepted)
        Journal(tmp_path / "journal").append(c.BeginCall(  # a web worker journals a call
            call_id="CAweb", now=datetime.now(UTC), queue="support", policy="callback"))
        seed_pending(direct, ["CA1"], datetime.now(UTC) - timedelta(minutes=5))
        eventually(lambda: lines.count("database unavailable") >= 3)
        assert ran.is_alive() and create.call_count == 0
        assert "next round in 0.1 s" in lines.err[1]  # backing off
        tcp_proxy.set_mode("pass")
        eventually(lambda: lines.count("placed by REST: CA1") == 1)
        assert lines.count("journal: replayed 1 write(s)") == 1
        with direct.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM calls WHERE call_id = 'CAweb'")
                                ).scalar() == 1
        assert create.call_count == 1
    finally:
        worker.stop.set("test over")
        ran.join(10)
        direct.dispose()
    assert lines.out[-1] == "exit 0"
    assert all(len(line.splitlines()) == 1 for line in lines.err)  # one line each


def test_the_worker_waits_for_a_database_down_at_start(
        postgres_url, tcp_proxy, tmp_path):  # noqa: F811 - the fixture
    tcp_proxy.set_mode("refuse")
    worker, lines = make_worker(proxied_url(postgres_url, tcp_proxy), tmp_path, AGENT_FIRST)
    ran = threading.Thread(target=lambda: lines.out.append(f"exit {worker.run()}"))
    ran.start()
    try:
        eventually(lambda: lines.count("waiting for the database") >= 2)
        assert "(try 1: " in lines.err[0] and "password" not in lines.err[0]
        tcp_proxy.set_mode("pass")
        eventually(lambda: lines.count("callbacks pending: 0") >= 1)
        assert lines.count("is back") == 1
    finally:
        worker.stop.set("test over")
        ran.join(10)
    assert lines.out[-1] == "exit 0"


def test_the_stop_flag_ends_the_sleep_between_rounds_at_once():
    stop = StopFlag()
    threading.Timer(0.05, stop.set, ("SIGTERM",)).start()
    started = time.monotonic()
    stop.sleep(30)
    assert time.monotonic() - started < 1 and stop.reason == "SIGTERM"


MUSIC = AGENT_FIRST.replace('policy = "callback"', 'policy = "music_ads"') \
    + '[queues.support.music_ads]\nmusic = "jazz"\n'


def test_the_worker_plays_nothing_so_it_never_warns_of_missing_audio(
        sqlite_url, worker_engine, tmp_path, caplog):
    """A queue whose music has no file: the web workers warn that callers will hear silence,
    the worker (which plays nothing) stays quiet about it, at start and at a config change."""
    worker, _ = make_worker(sqlite_url, tmp_path, MUSIC)
    with caplog.at_level("WARNING"):
        assert worker.start(wait=False)
        activate(worker_engine, MUSIC.replace('"jazz"', '"blues"'))
        assert worker.round()
    assert worker.config.queues["support"].knobs("music_ads")["music"] == "blues"
    assert not [r for r in caplog.records if "audio" in r.getMessage()], caplog.text
