"""The journal on a full disk and against appends that fail: it never stalls behind a line
it cannot set aside, never re-applies what it replayed when it cannot save its cursor as a
new file, and never replays a line an append then takes back."""

from __future__ import annotations

import builtins
import os
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

from app.storage import commands as c
from app.storage.journal import Journal
from tests.app.test_journal import T0, journal_until_full, status
from tests.support.full_disk import small_disk


def test_a_poison_line_on_a_full_disk_does_not_stall_the_journal(tmp_path):
    """A line that can never be applied is set aside in rejected.jsonl; with no room for
    that file the replay must still get past it (else the journal stalls for good)."""
    with small_disk(tmp_path / "disk") as disk:
        journal = Journal(disk / "journal")
        journal.append(status(0))
        with open(journal.path, "ab") as f:
            f.write(b"{not json}\n")   # a poison line
        journal_until_full(journal, first=1)
        seen: list[c.Command] = []
        try:
            journal.replay(seen.append)
        except OSError as error:
            pytest.fail(f"replay raised {error!r}; backlog stays {journal.backlog()}")
        assert journal.backlog() == 0


def test_a_full_disk_cursor_is_kept_in_place_so_a_pause_reapplies_nothing(tmp_path):
    """The cursor cannot be saved as a new file (full disk) and the database goes away
    mid-replay: it had been forgotten, and the next round applied the first lines again."""
    with small_disk(tmp_path / "disk") as disk:
        journal = Journal(disk / "journal")
        kept = journal_until_full(journal)
        applied: list[c.Command] = []
        outage = [True]

        def flaky(command):  # the database drops once, at the sixth command
            if command == status(5) and outage:
                outage.clear()
                raise OperationalError("INSERT", {}, Exception("server closed the connection"))
            applied.append(command)

        journal.replay(flaky)
        journal.replay(flaky)
        assert applied == [status(n) for n in range(kept)], applied[:8]


def test_a_line_an_append_takes_back_is_never_replayed_and_loses_nothing_after(
        tmp_path, monkeypatch):
    """An append writes a whole line, its fsync fails and the line is cut off again. A
    replayer between the two had applied it and saved a cursor past the end; the next
    append's line was then read from its middle, set aside as corrupt and lost. The replay
    now reads no further than the journal's size with no append under way: started between
    the write and the failed fsync, it waits for the append and finds its line gone."""
    journal = Journal(tmp_path)
    journal.append(status(1))
    journal.replay(lambda command: None)  # applied: the file starts afresh
    seen: list[c.Command] = []
    real_fsync = os.fsync
    replayer: list[threading.Thread] = []

    def failing_fsync(fd: int) -> None:
        if not replayer and os.path.samefile(f"/proc/self/fd/{fd}", journal.path):
            replayer.append(threading.Thread(target=journal.replay, args=(seen.append,)))
            replayer[0].start()  # another worker's replay, between the write and the fsync
            time.sleep(0.3)
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        journal.append(c.CallStatus(call_id="CA" + "9" * 32, now=T0, status="busy"))
    replayer[0].join(10)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert seen == []  # the caller was told it failed: it was never applied either
    later = c.CallStatus(call_id="CA" + "7" * 32, now=T0, status="no-answer")
    journal.append(later)
    got: list[c.Command] = []
    journal.replay(got.append)
    assert got == [later] and journal.set_aside() == 0


def test_with_no_room_for_a_new_cursor_a_bad_line_is_set_aside_once(tmp_path, monkeypatch):
    """No room for cursor.tmp: the replay pauses at an outage, and the next round had set
    the same bad line aside again (set_aside, and /healthz, counted 2 for one line)."""
    journal = Journal(tmp_path)
    journal.append(status(0))
    with open(journal.path, "ab") as f:
        f.write(b"{not json}\n")
    journal.append(status(1))
    journal.append(status(2))
    real_open = builtins.open

    def no_room(path, *args, **kw):
        if str(path).endswith("cursor.tmp"):
            raise OSError(28, "No space left on device")
        return real_open(path, *args, **kw)

    monkeypatch.setattr(builtins, "open", no_room)
    down = {"on": True}

    def apply(command):
        if command == status(2) and down["on"]:
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    journal.replay(apply)
    down["on"] = False
    journal.replay(apply)
    assert journal.set_aside() == 1
