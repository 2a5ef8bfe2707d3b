"""A host lost mid-write (its network gone, or its power, after it took a call's lock) must
not hold up the other hosts for hours: PostgreSQL kept its session idle in transaction, and
the call's advisory lock with it, until its own TCP keepalive gave up (2 h 11 min by Linux's
defaults). A healthy host then journaled that call's next write behind the lock, and since its
journal replays in order and later writes queue behind a backlog, every later write of every
caller there stayed in the journal. The server now ends a web session idle in a transaction
for IDLE_IN_TRANSACTION_MS, so the journal drains within seconds."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.storage import apply as apply_module
from app.storage import commands as c
from app.storage.call_log import CallLogStore
from app.storage.db import IDLE_IN_TRANSACTION_MS, make_engine
from app.storage.deadline import Deadline
from app.storage.journal import Journal
from tests.support.tcp_proxy import proxied_url, tcp_proxy  # noqa: F401 - fixture

T0 = datetime.now(UTC).replace(microsecond=0)
X, Y = "CA" + "1" * 32, "CA" + "2" * 32
BUDGET = 0.5


def begin(call: str) -> c.BeginCall:
    return c.BeginCall(call_id=call, now=T0, queue="support", policy="checkin")


def hangup(call: str, after_s: int) -> c.CallStatus:
    return c.CallStatus(call_id=call, now=T0 + timedelta(seconds=after_s), status="completed")


def hangups_logged(store: CallLogStore, call: str) -> int:
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM call_events WHERE call_id = :call"
                                 " AND event = 'HANGUP'"), {"call": call}).scalar()


def test_a_host_lost_mid_write_holds_no_other_hosts_journal_for_long(
        postgres_url, tcp_proxy, tmp_path, monkeypatch, make_app):  # noqa: F811
    lost = CallLogStore(make_engine(proxied_url(postgres_url, tcp_proxy), budget_s=BUDGET),
                        journal=Journal(tmp_path / "lost"))
    app = make_app(database_url=postgres_url, db_budget_s=BUDGET,
                   journal_dir=str(tmp_path / "healthy"))
    healthy = app.extensions["holdwell"].store
    healthy._stop.set()  # replayed by hand below
    assert healthy.write(begin(X), Deadline(BUDGET)).stored
    assert healthy.write(begin(Y), Deadline(BUDGET)).stored

    original = apply_module.WRITES[c.CallStatus]
    lock_taken = threading.Event()

    def network_lost_after_the_lock(conn, command):  # noqa: ANN001, ANN202
        if threading.current_thread().name == "lost-host":
            tcp_proxy.set_mode("hang")  # no FIN, no RST: the server thinks it is alive
            lock_taken.set()
        return original(conn, command)

    monkeypatch.setitem(apply_module.WRITES, c.CallStatus, network_lost_after_the_lock)
    writer = threading.Thread(name="lost-host", target=lambda: lost.write(
        c.CallStatus(call_id=X, now=T0 + timedelta(seconds=5), status="in-progress"),
        Deadline(3.0)))  # the lost host's own budget is not under test: on a loaded box its
    writer.start()  # first connection alone had outrun 0.5 s, so it never took the lock
    assert lock_taken.wait(5), "the lost host never reached its write under the lock"
    writer.join(5)
    try:
        started = time.monotonic()
        written = healthy.write(hangup(X, 30), Deadline(BUDGET))
        assert time.monotonic() - started < 1.5 and not written.stored  # within budget
        healthy.write(hangup(Y, 40), Deadline(BUDGET))  # another caller, behind the backlog
        limit = time.monotonic() + IDLE_IN_TRANSACTION_MS / 1000 + 10
        while healthy.journal.backlog() and time.monotonic() < limit:
            time.sleep(1.1)  # past the breaker
            healthy.replay()
        assert healthy.journal.backlog() == 0
        assert hangups_logged(healthy, X) == 1 and hangups_logged(healthy, Y) == 1
        assert time.monotonic() - started < IDLE_IN_TRANSACTION_MS / 1000 + 8
    finally:
        tcp_proxy.set_mode("pass")
