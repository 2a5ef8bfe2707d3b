"""The durable journal: ordered, crash-safe, shared by processes, never blocked by one bad line;
and the operator's view of it (/healthz, `holdwell db upgrade`, the worker's replay)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import OperationalError

from app.health import head_revision
from app.settings import SettingsError
from app.signed_client import SignedClient
from app.storage import commands as c
from app.storage.db import make_engine
from app.storage.journal import Journal
from app.storage.migrate import downgrade, upgrade
from cli.main import cli
from tests.app.test_voice_contract import call_row
from tests.conftest import AUTH_TOKEN
from tests.support.full_disk import fill, read_only, small_disk
from tests.support.sids import sid
from tests.support.tcp_proxy import tcp_proxy  # noqa: F401 - fixture

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def status(n: int) -> c.CallStatus:
    return c.CallStatus(call_id=f"CA{n:032d}", now=T0 + timedelta(seconds=n), status="completed")


def journal_until_full(journal: Journal, first: int = 0) -> int:
    """An outage that fills the journal's disk: status(first), status(first + 1)... until an
    append raises; returns the number of the first one refused."""
    kept = first
    with pytest.raises(OSError):
        while True:
            journal.append(status(kept))
            kept += 1
    return kept


def test_commands_come_back_in_order_once(tmp_path):
    journal = Journal(tmp_path)
    for n in range(5):
        journal.append(status(n))
    assert journal.backlog() == 5
    seen: list[c.Command] = []
    assert journal.replay(seen.append) == 5
    assert seen == [status(n) for n in range(5)]
    assert journal.backlog() == 0 and journal.path.stat().st_size == 0  # started afresh
    assert journal.replay(seen.append) == 0


def test_every_command_survives_the_round_trip(tmp_path):
    journal = Journal(tmp_path)
    commands = [
        c.BeginCall(call_id="CA1", now=T0, queue="q", policy="checkin", from_number=None),
        c.Announce(call_id="CA1", now=T0, queue="q", keys=("1", "2"), announced_wait_s=120.0),
        c.QueueResult(call_id="CA1", now=T0, queue="q", result="hangup", queue_time_s=None),
        c.CallbackUnanswered(call_id="CA1", now=T0, claim="abc", result="busy",
                             attempt_key="CAleg", retry_after_s=300.0),
    ]
    for command in commands:
        journal.append(command)
    seen: list[c.Command] = []
    journal.replay(seen.append)
    assert seen == commands


def test_a_database_error_pauses_the_replay_where_it_stopped(tmp_path):
    journal = Journal(tmp_path)
    for n in range(4):
        journal.append(status(n))
    applied: list[c.Command] = []

    def flaky(command: c.Command) -> None:
        if command == status(2):
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        applied.append(command)

    assert journal.replay(flaky) == 2
    assert journal.backlog() == 2  # status(2) and status(3) wait, in order
    assert Journal(tmp_path).replay(applied.append) == 2  # another process resumes
    assert applied == [status(n) for n in range(4)]


def _empty_and_die_between_the_two_steps(folder) -> None:  # noqa: ANN001 - a Path
    """A replayer killed between emptying the journal and moving its cursor back (in
    whichever order the journal takes them)."""
    steps: list[str] = []
    real_cursor, real_truncate = Journal._set_cursor, os.ftruncate

    def step(name: str, real, *args) -> None:  # noqa: ANN001
        steps.append(name)
        if len(steps) == 2:
            os._exit(9)
        real(*args)

    Journal._set_cursor = lambda self, offset: (
        step("cursor", real_cursor, self, offset) if offset == 0 else real_cursor(self, offset))
    os.ftruncate = lambda fd, length: step("truncate", real_truncate, fd, length)
    Journal(folder).replay(lambda command: None)
    os._exit(0)


def test_a_replayer_killed_while_starting_the_file_afresh_loses_nothing_written_later(
        tmp_path):
    """Killed there, then an outage long enough to journal more than the file held: every
    later command is still replayed, in order (those applied before may come again:
    harmless, dedupe keys)."""
    journal = Journal(tmp_path)
    for n in range(5):
        journal.append(status(n))
    child = multiprocessing.get_context("fork").Process(
        target=_empty_and_die_between_the_two_steps, args=(tmp_path,))
    child.start()
    child.join()
    assert child.exitcode == 9
    later = [status(100 + n) for n in range(8)]
    for command in later:
        journal.append(command)
    applied: list[c.Command] = []
    journal.replay(applied.append)
    assert [command for command in applied if command in later] == later
    assert journal.set_aside() == 0 and journal.backlog() == 0


def test_a_torn_line_and_a_poison_command_are_set_aside_not_blocking(tmp_path):
    journal = Journal(tmp_path)
    journal.append(status(0))
    with open(journal.path, "ab") as torn:  # a crash in the middle of a write
        torn.write(b'{"type": "CallStatus", "call_id": "CA')
    journal.append(status(1))
    seen: list[c.Command] = []
    assert journal.replay(seen.append) == 2
    assert seen == [status(0), status(1)]
    assert "CallStatus" in journal.rejected_path.read_text()
    assert journal.backlog() == 0
    assert journal.rejected_path.stat().st_mode & 0o077 == 0  # callers' numbers: owner only


def test_a_sqlite_database_made_here_is_readable_by_its_owner_only(tmp_path, monkeypatch):
    """It holds callers' numbers, transcripts and password hashes, and had been made 0644
    (security audit S3), by `holdwell db upgrade` too, whose first look made the file
    (review 37 R1); SQLite gives its -wal and -shm files the database's mode."""
    url = f"sqlite:///{tmp_path / 'line.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    old_mask = os.umask(0o022)  # the usual one: others may read what is not made private
    try:
        made = CliRunner().invoke(cli, ["db", "upgrade"])
    finally:
        os.umask(old_mask)
    assert made.exit_code == 0, made.output
    engine = make_engine(url)
    with engine.connect() as conn:  # held open: the -wal and -shm files are there
        conn.execute(text("SELECT 1 FROM calls")).all()
        for name in ("line.db", "line.db-wal", "line.db-shm"):
            assert (tmp_path / name).stat().st_mode & 0o077 == 0, name
    engine.dispose()


def test_a_torn_last_line_is_set_aside_without_waiting_for_another_append(tmp_path):
    """Nothing appended after the crash: the replay had stopped at the torn line, and the
    journal said a backlog of one until some later write ended it (trust audit 35, D3)."""
    journal = Journal(tmp_path)
    journal.append(status(0))
    with open(journal.path, "ab") as torn:  # a crash in the middle of the last write
        torn.write(b'{"type": "CallStatus", "call_id": "CA')
    seen: list[c.Command] = []
    assert journal.replay(seen.append) == 1 and seen == [status(0)]
    assert not journal.has_backlog() and journal.backlog() == 0
    assert journal.set_aside() == 1 and "a torn last line" in journal.rejected_path.read_text()
    journal.append(status(1))  # the file was started afresh: nothing blank, nothing set aside
    assert journal.replay(seen.append) == 1 and seen == [status(0), status(1)]
    assert journal.set_aside() == 1


def test_a_line_written_for_another_database_is_kept_aside_never_applied_here(tmp_path):
    """Two lines sharing a journal folder (or a web briefly started against another
    database) had replayed one database's calls into the other's (operator audit 35, D5b):
    each line now names its database, and another's is kept aside whole, never lost."""
    ours = f"sqlite:///{tmp_path / 'ours.db'}"
    theirs = "postgresql+psycopg://olu:secret@10.9.9.9:5432/other_line"
    Journal(tmp_path, theirs).append(status(0))
    Journal(tmp_path, ours).append(status(1))
    Journal(tmp_path).append(status(2))  # as written before lines named a database
    spelt_otherwise = f"sqlite:///{os.path.relpath(tmp_path / 'ours.db')}"
    seen: list[c.Command] = []
    assert Journal(tmp_path, spelt_otherwise).replay(seen.append) == 2
    assert seen == [status(1), status(2)]
    kept = (tmp_path / "other_databases.jsonl").read_text()
    assert "10.9.9.9:5432/other_line" in kept and "secret" not in kept and "olu" not in kept
    assert kept.count("\n") == 1 and Journal(tmp_path).set_aside() == 0
    again: list[c.Command] = []
    assert Journal(tmp_path, theirs).replay(again.append) == 0  # the file was started afresh


def test_the_apps_journal_names_the_apps_database(make_app, sqlite_url):
    journal = make_app().extensions["holdwell"].store.journal
    assert journal.database == f"sqlite:///{os.path.realpath(sqlite_url.removeprefix('sqlite:///'))}"


def _append_many(folder: str, start: int) -> None:
    journal = Journal(folder)
    for n in range(start, start + 200):
        journal.append(status(n))


def test_processes_appending_at_once_never_interleave_lines(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(str(tmp_path), k * 1000))
               for k in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    seen: list[c.Command] = []
    Journal(tmp_path).replay(seen.append)
    assert len(seen) == 600 and len({command.call_id for command in seen}) == 600
    assert not Journal(tmp_path).rejected_path.exists()


def test_healthz_reports_database_schema_and_backlog(make_app, sqlite_url):
    app = make_app()
    client = app.test_client()
    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json["database"] == "ok" and healthy.json["journal_backlog"] == 0
    assert healthy.json["schema_revision"] == healthy.json["schema_head"]
    app.extensions["holdwell"].store.journal.append(status(1))
    assert client.get("/healthz").json["journal_backlog"] in (0, 1)  # replayed meanwhile, or not


def test_healthz_is_503_when_the_database_is_unreachable_or_behind(make_app, sqlite_url):
    gone = make_app(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none",
                    db_budget_s=0.5)
    answer = gone.test_client().get("/healthz")
    assert answer.status_code == 503 and answer.json["database"] == "unreachable"
    downgrade(sqlite_url, "0004")
    behind = make_app().test_client().get("/healthz")
    assert behind.status_code == 503 and "holdwell db upgrade" in behind.json["problem"]


def test_healthz_is_503_when_the_database_refuses_writes_or_lacks_tables_or_is_newer(
        make_app, sqlite_url):
    """A database that answers reads is not enough: a standby after a failover (read-only),
    a `db stamp head` on an empty database, or a schema newer than this code all left every
    webhook journaling while the check said 200."""
    client = make_app().test_client()
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    newer = client.get("/healthz")
    assert newer.status_code == 503 and "not one this code knows" in newer.json["problem"]
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE alembic_version SET version_num = '{head_revision()}'"))
        conn.execute(text("DROP TABLE call_events"))
    missing = client.get("/healthz")
    assert missing.status_code == 503 and missing.json["database"] == "not writable"
    assert "call_events" in missing.json["problem"]
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    empty = client.get("/healthz")
    assert empty.status_code == 503 and "holdwell db upgrade" in empty.json["problem"]
    engine.dispose()


def test_healthz_is_503_on_a_read_only_postgresql(make_app, postgres_url):
    client = make_app(database_url=postgres_url, db_budget_s=2.0).test_client()
    assert client.get("/healthz").status_code == 200
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = postgres_url.rsplit("/", 1)[1]
    with admin.connect() as conn:  # as a standby, or a failover's old primary, would be
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    try:
        fresh = make_app(database_url=postgres_url, db_budget_s=2.0).test_client()
        answer = fresh.get("/healthz")
        assert answer.status_code == 503 and answer.json["database"] == "not writable"
        assert "read-only" in answer.json["problem"]
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off'))
        admin.dispose()


def test_healthz_proves_the_database_writable_without_writing(make_app, postgres_url):
    """Load balancers ask every few seconds: the probe must not leave a row version (and a
    WAL record) each time. The row's xmin, the transaction that wrote it, stays put."""
    client = make_app(database_url=postgres_url, db_budget_s=2.0).test_client()
    engine = create_engine(postgres_url)
    row_version = text("SELECT xmin::text FROM alembic_version")
    with engine.connect() as conn:
        before = conn.execute(row_version).scalar()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    with engine.connect() as conn:
        assert conn.execute(row_version).scalar() == before
    engine.dispose()


def test_an_instance_that_cannot_journal_refuses_to_start_and_healthz_says_so(make_app,
                                                                             tmp_path):
    """Without a writable journal the first database fault would lose writes silently."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(SettingsError, match="HOLDWELL_JOURNAL_DIR"):
        make_app(journal_dir=str(blocker / "journal"))
    app = make_app(journal_dir=str(tmp_path / "journal"))
    shutil.rmtree(tmp_path / "journal")
    (tmp_path / "journal").write_text("")  # the folder replaced by a file after start-up
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503 and answer.json["journal"] == "not writable"


def test_a_mistyped_sqlite_path_is_said_and_not_made_into_an_empty_database(
        make_app, tmp_path, caplog):
    """The web app had created an empty file at a mistyped DATABASE_URL (the worker and every
    command refuse one): a stray database that `db upgrade` would then fill. Now it opens only
    a file that exists, says the path in its log and why in /healthz, answers callers from the
    journal meanwhile, and takes the database once it is created."""
    typo = tmp_path / "holdwel.db"
    url = f"sqlite:///{typo}"
    with caplog.at_level("ERROR", logger="holdwell"):
        app = make_app(database_url=url, db_budget_s=0.5)
    assert f"DATABASE_URL names {typo}, which does not exist" in caplog.text
    client = app.test_client()
    sick = client.get("/healthz")
    assert sick.status_code == 503 and "cannot open the SQLite file" in sick.json["problem"]
    assert str(typo) not in sick.text  # the path is in the log, not on an open endpoint
    twilio = SignedClient(client, AUTH_TOKEN)
    call = sid("CA1")
    answer = twilio.post("/voice/incoming", {"CallSid": call, "From": "+14155550100"})
    assert answer.status_code == 200 and b"<Enqueue" in answer.data
    assert not typo.exists()
    store = app.extensions["holdwell"].store
    assert store.journal.backlog() >= 1
    upgrade(url)  # the operator creates it (or fixes the URL and restarts)
    deadline = time.monotonic() + 30
    while client.get("/healthz").status_code != 200 or store.journal.backlog():
        assert time.monotonic() < deadline, client.get("/healthz").json
        time.sleep(0.2)
    assert call_row(app, call)["queue"] == "support"


def test_db_upgrade_recreates_tables_dropped_after_their_migration(sqlite_url, monkeypatch):
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE callbacks"))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "recreated missing table callbacks" in result.output
    assert "callbacks" in inspect(engine).get_table_names()
    engine.dispose()


def test_db_upgrade_says_plainly_when_it_cannot(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:9/none")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code != 0
    assert "cannot upgrade the database" in result.output and "secret" not in result.output


def test_the_callbacks_worker_replays_the_journal(tmp_path, sqlite_url, monkeypatch):
    pending = 3
    journal = Journal(tmp_path / "journal")
    for n in range(pending):
        journal.append(c.BeginCall(call_id=f"CA{n:032d}", now=T0, queue="support",
                                   policy="checkin", from_number=None))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("HOLDWELL_JOURNAL_DIR", str(tmp_path / "journal"))
    monkeypatch.setenv("HOLDWELL_INSECURE_SKIP_SIGNATURE", "1")
    result = CliRunner().invoke(cli, ["callbacks", "--once"])
    assert result.exit_code == 0, result.output
    assert f"journal: replayed {pending} write(s)" in result.output
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM calls")).scalar() == pending
    engine.dispose()


def test_closing_the_store_waits_for_a_replay_under_way(tmp_path, sqlite_url, make_app):
    """Whoever closes a store replays the rest and may then remove the journal's folder (the
    emulator does): close() must not return while the replayer is still reading that folder.
    (It did: the emulator's own replay found the lock taken and replayed nothing, and the
    replayer then failed on the removed folder, leaving six calls out of the log.)"""
    import threading
    import time

    from app.storage.call_log import CallLogStore

    make_app(database_url=sqlite_url)  # migrates
    engine = create_engine(sqlite_url)
    store = CallLogStore(engine, journal=Journal(tmp_path / "journal"))
    started, applied = threading.Event(), []

    def slow_apply(command: c.Command, until: float | None = None) -> None:
        started.set()
        time.sleep(0.1)
        applied.append(command)

    store._apply = slow_apply  # noqa: SLF001 - the replay's one way into the database
    for n in range(5):
        store.journal.append(status(n))
    store.ensure_replayer()
    assert started.wait(10)
    store.close()
    assert applied == [status(n) for n in range(5)]  # the replay under way ran to its end
    assert store.replay() == 0 and not store.journal.has_backlog()
    engine.dispose()


def test_a_poll_the_breaker_turned_away_is_journaled_as_never_tried(tmp_path, any_url):
    """The breaker opened between the store's own look and the poll's write: the poll never
    reached the database, so its journaled copy says so, and replayed after the caller's
    later polls it still counts (a copy marked tried is taken as maybe counted, and is not)."""
    from app.storage.deadline import Deadline

    store, poll = _a_counted_caller(any_url, tmp_path, budget_s=5.0)
    looks = iter([False, True])  # open by the time the write asks
    real_is_down = store.runner.is_down
    store.runner.is_down = lambda: next(looks, None) or real_is_down()
    try:
        assert store.poll(poll(60), Deadline(5.0), lambda seen: (seen, None)) is None
    finally:
        store.runner.is_down = real_is_down
    _counted_once_replayed_after_another_hosts_poll(store, poll, tmp_path, any_url)


def _a_counted_caller(url: str, tmp_path, budget_s: float):  # noqa: ANN001, ANN202
    """A store on `url` with a journal, and a caller whose first poll it counted; the
    caller's polls by QueueTime."""
    from app.storage.call_log import CallLogStore
    from app.storage.db import make_engine
    from app.storage.deadline import Deadline

    store = CallLogStore(make_engine(url, budget_s=budget_s), journal=Journal(tmp_path / "j"))
    labels = {"call_id": "CA" + "7" * 32, "queue": "support", "policy": "checkin"}
    store.write(c.BeginCall(now=T0, **labels), Deadline(5.0))

    def poll(queue_time_s: int) -> c.NotePoll:
        return c.NotePoll(now=T0 + timedelta(seconds=queue_time_s), queue_time_s=queue_time_s,
                          position=3, **labels)

    assert store.poll(poll(0), Deadline(5.0), lambda seen: (seen, None)) is not None
    return store, poll


def _counted_once_replayed_after_another_hosts_poll(store, poll, tmp_path, read_url: str
                                                     ) -> None:  # noqa: ANN001
    """The poll at 60 s was journaled as never tried; another host counts the one at 120 s
    first; replayed then, the journaled one still counts: 3 polls."""
    from app.storage.commands import from_json
    from app.storage.deadline import Deadline

    [line] = store.journal.path.read_text().splitlines()
    assert from_json(line) == replace(poll(60), attempted=False)
    store.runner.down_until = 0.0
    store.journal.path.rename(tmp_path / "held")  # another host counts the next poll first
    assert store.poll(poll(120), Deadline(5.0), lambda seen: (seen, None)) is not None
    (tmp_path / "held").rename(store.journal.path)
    assert store.replay() == 1
    engine = create_engine(read_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT polls FROM calls")).scalar() == 3
    engine.dispose()
    store.close()
    store.engine.dispose()


def test_an_append_the_disk_cannot_hold_whole_raises_and_leaves_no_half_line(tmp_path):
    """A full disk writes what fits without an error; the journal must not say it kept a
    command it holds half of (the webhook would answer as if the write were safe)."""
    with small_disk(tmp_path / "disk") as disk:
        journal = Journal(disk / "journal")
        kept = journal_until_full(journal)
        lines = journal.path.read_bytes().split(b"\n")
        assert lines[-1] == b""  # ends on a whole line
        assert len(lines) - 1 == kept
        seen: list[c.Command] = []
        journal.replay(seen.append)
        assert seen == [status(n) for n in range(kept)]
        assert not journal.rejected_path.exists()


def test_a_journal_that_filled_its_disk_drains_once_the_database_is_back(tmp_path):
    """The replay's cursor needs a new file per line; on a full disk it must go on without
    it, empty the journal and free the disk, not stall with every later write behind it."""
    with small_disk(tmp_path / "disk") as disk:
        journal = Journal(disk / "journal")
        kept = journal_until_full(journal)
        seen: list[c.Command] = []
        assert journal.replay(seen.append) == kept
        assert seen == [status(n) for n in range(kept)]
        assert journal.backlog() == 0 and journal.path.stat().st_size == 0
        journal.append(status(kept))  # the disk is free again
        assert journal.backlog() == 1


def test_a_backlog_on_a_disk_gone_read_only_is_applied_once_and_stops_holding_writes(
        tmp_path):
    """The journal's disk went read-only (a disk error) while it held a backlog. The replay
    must still apply it, once, though it can neither save its cursor nor empty the file:
    the replay lock's file could not be opened for writing, so nothing was ever applied and
    every later write queued behind the backlog for good. Writable again, the next round
    applies only what is new."""
    with small_disk(tmp_path / "disk") as disk:
        journal = Journal(disk / "journal")
        for n in range(5):
            journal.append(status(n))
        applied: list[c.Command] = []
        with read_only(disk):
            with pytest.raises(OSError):
                journal.append(status(99))
            assert journal.replay(applied.append) == 5
            assert applied == [status(n) for n in range(5)]
            assert not journal.has_backlog() and journal.backlog() == 0
            assert journal.replay(applied.append) == 0  # not the whole backlog every round
        journal.append(status(5))
        assert journal.replay(applied.append) == 1
        assert applied == [status(n) for n in range(6)]
        assert journal.path.stat().st_size == 0  # started afresh


def test_a_cursor_held_in_memory_skips_nothing_another_process_journaled_since(tmp_path):
    """Two processes of one host share the journal. A replayed a backlog on a read-only disk
    and held its cursor in memory; writable again, B replayed first and emptied the file,
    then a new outage journaled ten commands there. A's held offset had skipped the first
    five of them, and B then took them as done: never applied by anyone."""
    with small_disk(tmp_path / "disk") as disk:
        a, b = Journal(disk / "journal"), Journal(disk / "journal")
        for n in range(5):
            a.append(status(n))
        applied: list[c.Command] = []
        with read_only(disk):
            assert a.replay(applied.append) == 5  # A holds its cursor in memory
        b.replay(applied.append)  # writable again: B's round first (harmless repeats)
        assert b.path.stat().st_size == 0
        for n in range(100, 110):
            b.append(status(n))
        a.replay(applied.append)
        b.replay(applied.append)
        new = [command for command in applied if int(command.call_id[2:]) >= 100]
        assert new == [status(n) for n in range(100, 110)]
        assert a.backlog() == b.backlog() == 0


def test_healthz_is_503_when_the_journal_disk_is_full_or_its_file_is_not_a_file(make_app,
                                                                                  tmp_path):
    with small_disk(tmp_path / "disk") as disk:
        app = make_app(journal_dir=str(disk / "journal"))
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        filler = fill(disk)
        full = client.get("/healthz")
        assert full.status_code == 503 and full.json["journal"] == "not writable"
        assert "No space left" in full.json["problem"]
        filler.unlink()
        assert client.get("/healthz").status_code == 200
    app = make_app(journal_dir=str(tmp_path / "other"))
    (tmp_path / "other" / "journal.jsonl").mkdir()
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503 and answer.json["journal"] == "not writable"
    assert not app.extensions["holdwell"].store.journal.has_backlog()  # writes go straight on


def test_a_write_journaled_against_a_schema_still_behind_waits_for_db_upgrade(make_app,
                                                                               any_url):
    """New code deployed before `holdwell db upgrade`: its writes name a column the schema
    lacks. SQLite kept them until the upgrade; PostgreSQL (42703, not an outage) set them
    aside for good. Against a schema at the head the same error still sets aside."""
    app = make_app(database_url=any_url)
    store = app.extensions["holdwell"].store
    store._stop.set()  # replay by hand below
    downgrade(any_url, "0007")  # calls.told_position (0008) is not there yet
    poll = c.NotePoll(call_id="CA" + "1" * 32, now=T0, queue="support", policy="checkin",
                      queue_time_s=5, position=2, episode=1)
    store.journal.append(poll)
    store.engine.dispose()
    store.replay()
    assert store.journal.backlog() == 1 and store.journal.set_aside() == 0
    upgrade(any_url)
    store.engine.dispose()
    assert store.replay() == 1
    assert store.journal.backlog() == 0 and store.journal.set_aside() == 0


def test_a_new_callers_facts_reach_a_healthy_database_when_the_journal_takes_no_more(
        make_app, tmp_path):
    """An outage filled the journal's disk, then the database came back. While the backlog
    waits, every write queues behind it, and each append failed with ENOSPC: a new caller's
    entry, polls and hang-up were lost though the database answered (a hostile review)."""
    from app.signed_client import SignedClient
    from tests.app.test_voice_contract import call_row, logged_events, wait_form
    from tests.conftest import AUTH_TOKEN

    with small_disk(tmp_path / "disk") as disk:
        app = make_app(journal_dir=str(disk / "journal"))
        store = app.extensions["holdwell"].store
        store._stop.set()  # the backlog stays while the caller calls
        journal_until_full(store.journal)
        assert store.journal.has_backlog()
        twilio = SignedClient(app.test_client(), AUTH_TOKEN)
        caller = "CA" + "b" * 32
        assert twilio.post("/voice/incoming", {"CallSid": caller, "From": "+15005550006"}
                           ).status_code == 200
        assert twilio.post("/voice/wait?policy=checkin&queue=support",
                           wait_form(caller, queue_time=0)).status_code == 200
        assert twilio.post("/voice/queue-result?policy=checkin&queue=support",
                           {"CallSid": caller, "QueueResult": "hangup", "QueueTime": "40"}
                           ).status_code == 200
        assert call_row(app, caller)["outcome"] == "abandoned"
        assert "ENTERQUEUE" in logged_events(app, caller)


@pytest.mark.parametrize("fault", ["postgresql_refuses", "sqlite_locked"])
def test_a_poll_that_never_reached_its_commit_is_journaled_as_never_counted(
        tmp_path, fault, request):
    """A poll whose database refused the connection (or whose SQLite file stayed locked) was
    never counted, though it was tried: its journaled copy says so, and replayed after another
    host counted the caller's next poll it still counts. (Journaled as maybe counted, it was
    skipped: two hosts split across a refused proxy logged 2 polls where a healthy run logged
    3.)"""
    from app.storage.deadline import Deadline
    from tests.support.locked_sqlite import locked_sqlite
    from tests.support.tcp_proxy import proxied_url

    if fault == "postgresql_refuses":
        url = request.getfixturevalue("postgres_url")
        proxy = request.getfixturevalue("tcp_proxy")
        store_url = proxied_url(url, proxy)

        def fault_on():  # noqa: ANN202 - a context manager
            return _refusing(proxy)
    else:
        url = store_url = request.getfixturevalue("sqlite_url")

        def fault_on():  # noqa: ANN202 - a context manager
            return locked_sqlite(url, "EXCLUSIVE")
    store, poll = _a_counted_caller(store_url, tmp_path, budget_s=1.0)
    with fault_on():
        assert store.poll(poll(60), Deadline(1.0), lambda seen: (seen, None)) is None
    _counted_once_replayed_after_another_hosts_poll(store, poll, tmp_path, url)


@contextlib.contextmanager
def _refusing(proxy):  # noqa: ANN001, ANN202 - a TcpProxy; a context manager
    """The proxy refuses new connections and breaks open ones, then passes again."""
    proxy.set_mode("refuse")
    try:
        yield
    finally:
        proxy.set_mode("pass")
