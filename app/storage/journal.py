"""A durable local journal for writes the database could not take in time.

Commands are appended as JSON lines, each `fsync`'d before the webhook answers, so a worker
or host restart loses nothing. Every process of one host shares one journal (an `flock`
guards appends); one process at a time replays it, in order, through the same `apply` as
live writes, remembering how far it got in a cursor file so a crash mid-replay resumes where
it stopped (or, on a disk that takes no more writes, in this process's memory). Dedupe keys
make a command applied twice harmless. A line that can never be
applied (corrupt, or rejected by the write itself) is set aside in `rejected.jsonl` with the
reason, so one bad line cannot block the rest.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import stat
import threading
from collections.abc import Callable
from contextlib import contextmanager, suppress
from pathlib import Path

from app.number_mask import without_numbers
from app.storage.commands import Command, from_json
from app.storage.db_identity import same_database, which_database
from app.storage.deadline import first_line, is_outage

log = logging.getLogger("holdwell.journal")


HEAD_BYTES = 512
"""How much of the file's start identifies it to a process holding its cursor in memory."""

OTHER_DATABASES = "other_databases.jsonl"


class TornLine(ValueError):
    """A line the journal holds only part of, set aside as never applicable."""


class Journal:
    """`journal.jsonl` (commands), `cursor` (bytes replayed) and locks, in one folder."""

    def __init__(self, folder: str | Path, database_url: str | None = None) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "journal.jsonl"
        self.cursor_path = self.folder / "cursor"
        self.rejected_path = self.folder / "rejected.jsonl"
        self.elsewhere_path = self.folder / OTHER_DATABASES
        self.database = which_database(database_url) if database_url else None
        """Each line names the database it was written for, and is replayed only into that
        one: a folder two lines (or a web briefly pointed elsewhere) shared had replayed one
        database's calls into the other's (operator audit 35, D5b). None: lines name none."""
        self._same: dict[str, bool] = {}
        self._held_cursor: int | None = None
        """Bytes this process replayed where the cursor file could not say so (a full or
        read-only disk): without it each round applied the whole backlog again, and on a
        read-only disk the backlog never looked replayed, so every write queued behind it."""
        self._held_head = b""
        """The file's first bytes when the held cursor was taken: another process may empty
        the file and new commands grow it past that offset, and they had been skipped."""

    def unwritable(self) -> str | None:
        """Why a command could not be journaled here now (None: one can). It writes, fsyncs
        and removes a probe file, so a full disk or a used-up inode table counts, not only
        the folder's permission bits; and a `journal.jsonl` that is not a writable file."""
        try:
            self.prove_writable()
        except OSError as error:
            return str(error)
        return None

    def prove_writable(self) -> None:
        """Write, fsync and remove a file, or raise OSError naming the folder (at start-up:
        an instance that cannot journal would lose writes in the first database fault)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OSError(f"journal folder {self.folder}: {error.strerror or error}") from None
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise OSError(f"journal folder {self.folder}: not writable by this process")
        probe = self.folder / f".probe-{os.getpid()}-{threading.get_ident()}"
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _write_all(fd, b"ok")
                os.fsync(fd)
            finally:
                os.close(fd)
                probe.unlink(missing_ok=True)
            if self.path.exists() or self.path.is_symlink():
                os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND))  # a folder, read-only
            if not self.cursor_path.exists():
                self._make_cursor()
        except OSError as error:
            raise OSError(f"journal folder {self.folder}: {error.strerror or error}") from None

    # -- appending -------------------------------------------------------------------------
    def append(self, command: Command) -> None:
        """Durably record `command` (returns after fsync)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.cursor_path.exists():
            self._make_cursor()
        written = command.to_json()
        if self.database:  # {"database": …, "type": …}: older code reads past a key it lacks
            written = f'{{"database": {json.dumps(self.database)}, {written[1:]}'
        line = (written + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and _last_byte(self.path, size) != b"\n":
                line = b"\n" + line  # a torn last line (a crash mid-write) stays on its own
            try:
                _write_all(fd, line)
                os.fsync(fd)
            except OSError:
                # A full disk writes what fits and says so only on the next write: without
                # this the caller was told a command was kept that the file holds half of.
                _cut_back(fd, size)
                raise
        finally:
            os.close(fd)  # closing releases the lock

    def has_backlog(self) -> bool:
        """True while some journaled command has not been applied (one stat; the cursor is
        read only when the journal is not empty, i.e. during or just after an outage)."""
        try:
            found = os.stat(self.path)
        except OSError:  # none yet, the folder gone, or unreadable (/healthz says which)
            return False
        if not stat.S_ISREG(found.st_mode):  # a folder in its place: nothing can be behind it
            return False
        return found.st_size > 0 and found.st_size > self._cursor(found.st_size)

    def backlog(self) -> int:
        """How many commands wait to be replayed (OSError: the journal cannot be read)."""
        if not self.has_backlog():
            return 0
        with open(self.path, "rb") as journal:
            journal.seek(self._cursor(os.fstat(journal.fileno()).st_size))
            return sum(1 for line in journal if line.strip())

    def set_aside(self) -> int:
        """How many commands were set aside as never applicable (someone should look)."""
        try:
            with open(self.rejected_path, "rb") as rejected:
                return sum(1 for line in rejected if line.strip())
        except (FileNotFoundError, NotADirectoryError):
            return 0

    # -- replaying -------------------------------------------------------------------------
    def replay(self, apply: Callable[[Command], object],
               waits: Callable[[BaseException], bool] = is_outage) -> int:
        """Apply pending commands in order until done or the database fails; returns how many
        were applied. An error `waits` accepts pauses the replay at that command for the next
        round; any other sets the command aside. Only one process replays at a time; others
        return 0 at once."""
        if not self.has_backlog():
            return 0
        with self._replay_lock() as locked:
            if not locked:
                return 0
            return self._replay_locked(apply, waits)

    def _replay_locked(self, apply: Callable[[Command], object],
                       waits: Callable[[BaseException], bool]) -> int:
        applied = 0
        with open(self.path, "rb") as journal:
            end = _settled_size(journal.fileno())
            offset = self._cursor(end)
            journal.seek(offset)
            for raw in journal:
                if offset + len(raw) > end:
                    break  # appended since (or being written): next round
                # A last line without its newline, though no append was under way when the
                # size settled, was torn by a crash: set aside now. The replay had waited for
                # the next append to end it, saying a backlog of one through a quiet night
                # and keeping agents' retried claims from them (trust audit 35, D3).
                if not raw.endswith(b"\n"):
                    self._reject(raw, TornLine("a torn last line: a crash cut it off as it "
                                               "was written"))
                elif not raw.strip():
                    pass  # a blank line (an append's newline after a torn one)
                elif (theirs := self._written_elsewhere(raw)) is not None:
                    self._keep_for(theirs, raw)
                else:
                    try:
                        apply(from_json(raw.decode()))
                    except Exception as error:  # noqa: BLE001 - a poison line must not block
                        if waits(error):  # the database is away: the same line, next round
                            log.info("journal replay paused at byte %d: %s", offset,
                                     first_line(error))
                            break
                        self._reject(raw, error)  # it would fail again (a bug, a long value)
                    else:
                        applied += 1
                offset += len(raw)
                self._set_cursor(offset)
        self._truncate_if_done(offset)
        if applied:
            log.info("journal: replayed %d command(s)", applied)
        return applied

    def _truncate_if_done(self, replayed_to: int) -> None:
        """Start the file afresh once everything in it is applied (no append can interleave).

        The cursor goes back to 0 before the file is emptied: a crash in between replays
        commands already applied (harmless: dedupe keys), where the other order left a
        cursor past what later appends were written at, and they were skipped. On a full
        disk the cursor is overwritten in place or forgotten (`_set_cursor`), neither of
        which needs free space, so a journal that filled its disk still empties."""
        try:
            fd = os.open(self.path, os.O_WRONLY)
        except OSError as error:  # a read-only disk: the held cursor says it is replayed
            log.debug("journal: cannot start the file afresh: %s", error)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_size == replayed_to:
                self._set_cursor(0)
                os.ftruncate(fd, 0)
                os.fsync(fd)
        finally:
            os.close(fd)

    def _written_elsewhere(self, raw: bytes) -> str | None:
        """The database a line names, when it is not this journal's (None: this one's, or a
        line naming none, as lines written before they named one)."""
        if not self.database or b'"database"' not in raw[:12]:
            return None
        try:
            theirs = json.loads(raw).get("database")
        except ValueError:
            return None  # the replay sets it aside as it would any unreadable line
        if not isinstance(theirs, str) or theirs == self.database:
            return None
        if theirs not in self._same:
            self._same[theirs] = same_database(theirs, self.database)
        return None if self._same[theirs] else theirs

    def _keep_for(self, theirs: str, raw: bytes) -> None:
        """A line written for another database, kept aside whole in OTHER_DATABASES (never
        applied here, never lost): a process of that line replays none of it, so it is said
        loudly, naming both."""
        log.error("journal: a command written for %s, not this process's %s, is kept in %s, "
                  "not applied here: replay it with a process of that database, or give each "
                  "line its own HOLDWELL_JOURNAL_DIR", theirs, self.database, self.elsewhere_path)
        try:
            with open(self.elsewhere_path, "ab") as kept:
                kept.write(raw)
                kept.flush()
                os.fsync(kept.fileno())
        except OSError as failed:
            log.error("journal: could not keep it in %s (%s); the command was: %s",
                      self.elsewhere_path.name, failed.strerror or failed,
                      without_numbers(raw.decode(errors="replace").strip()))

    def _reject(self, raw: bytes, error: Exception) -> None:
        """Keep a command that can never be applied in `rejected.jsonl`, or, with no room
        for it (a full disk), say it in the process log: either way the replay goes past it
        (it had stopped there for good, every later write queued behind it)."""
        log.error("journal: set aside a command that cannot be applied: %s", error)
        entry = {"line": raw.decode(errors="replace").strip(), "error": repr(error)}
        try:
            with open(os.open(self.rejected_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                              0o600), "a", encoding="utf-8") as rejected:  # callers' numbers
                rejected.write(json.dumps(entry) + "\n")
                rejected.flush()
                os.fsync(rejected.fileno())
        except OSError as failed:
            log.error("journal: could not keep it in %s (%s); the command was: %s",
                      self.rejected_path.name, failed.strerror or failed,
                      without_numbers(entry["line"]))

    # -- cursor and locks ------------------------------------------------------------------
    def _cursor(self, size: int) -> int:
        """Bytes already replayed; past the end means the file was emptied after a crash
        that left the cursor behind (or, for the held cursor, by another process), so
        everything in it now is new."""
        try:
            cursor = int(self.cursor_path.read_text() or 0)
        except (FileNotFoundError, ValueError):
            cursor = 0
        if cursor > size:
            cursor = 0
        held = self._held_cursor
        if held is not None and (held > size
                                 or self._head(len(self._held_head)) != self._held_head):
            self._held_cursor = held = None  # another process emptied the file, and new
            # commands since may have grown it past this offset: they had been skipped
        return cursor if held is None else max(cursor, held)

    def _head(self, length: int = 0) -> bytes:
        """The file's first bytes: its first command, which no later file starts with (a
        command carries its moment and call), so a file emptied and refilled is told apart."""
        try:
            with open(self.path, "rb") as journal:
                return journal.read(length or HEAD_BYTES)
        except OSError:
            return b""

    def _set_cursor(self, offset: int) -> None:
        """Remember `offset` as replayed, atomically (a new file renamed over the old). With
        no room for a new file (a full disk), the cursor file is overwritten in place, which
        takes no new block (it was made at start-up: prove_writable); failing that too (a
        read-only disk), this process holds the cursor in memory and forgets the file's if it
        can: another process, or this one restarted, replays from the file's start, which
        dedupe keys make harmless, and the replay still goes on to empty the file."""
        if self._save_cursor(offset):
            self._held_cursor = None
            return
        if self._held_cursor is None:
            log.warning("journal: cannot save the replay cursor; this process remembers it "
                        "(another replays from the start, harmlessly)")
        self._held_cursor, self._held_head = offset, self._head()
        try:
            self._forget_cursor()
        except OSError as error:  # read-only: the file keeps an older cursor, also harmless
            log.debug("journal: cannot forget the replay cursor: %s", error)

    def _save_cursor(self, offset: int) -> bool:
        """Write the cursor file (renamed into place, else overwritten); False if neither."""
        temporary = self.cursor_path.with_suffix(".tmp")
        try:
            with open(temporary, "w") as cursor:
                cursor.write(str(offset))
                cursor.flush()
                os.fsync(cursor.fileno())
            temporary.replace(self.cursor_path)
        except OSError:
            with suppress(OSError):  # a read-only disk: it was never made
                temporary.unlink(missing_ok=True)
            return self._overwrite_cursor(offset)
        self._sync_folder()  # the rename itself survives a power cut
        return True

    def _make_cursor(self) -> None:
        """A cursor file at 0 (nothing replayed), made while there is room (start-up, or a
        journal's first append), so that a full disk later can overwrite it in place."""
        try:
            fd = os.open(self.cursor_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        except OSError:
            return  # no room now: the cursor is then forgotten when it cannot be saved
        try:
            os.write(fd, b"0")
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def _overwrite_cursor(self, offset: int) -> bool:
        """Write `offset` over the cursor file's own bytes (a few digits in a block it
        already has); False when there is no cursor file or the write fails."""
        try:
            fd = os.open(self.cursor_path, os.O_WRONLY)
        except OSError:
            return False
        try:
            digits = str(offset).encode()
            os.pwrite(fd, digits, 0)
            os.ftruncate(fd, len(digits))
            os.fsync(fd)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)

    def _forget_cursor(self) -> None:
        """No cursor: everything in the file counts as not yet replayed (needs no space)."""
        self.cursor_path.unlink(missing_ok=True)
        self._sync_folder()

    def _sync_folder(self) -> None:
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    @contextmanager
    def _replay_lock(self):  # noqa: ANN202 - a context manager of bool
        """Whether this process may replay now (one at a time per host). The lock is taken on
        the folder itself, which a read-only disk still lets every process open: a lock file
        opened for writing there had stopped every replay."""
        fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)


def _settled_size(fd: int) -> int:
    """The journal's size with no append under way (a shared lock against their exclusive
    one): the replay reads no further, so it never applies a line an append then takes back
    (a failed fsync cuts its line off again; a cursor past it had later skipped into the
    middle of the next line, which was set aside as corrupt and lost)."""
    fcntl.flock(fd, fcntl.LOCK_SH)
    try:
        return os.fstat(fd).st_size
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is down: a short write (a disk filling up) raises the error
    the next write gets, ENOSPC, instead of passing for the whole."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _cut_back(fd: int, size: int) -> None:
    """Take a failed append's bytes off the end again (the caller holds the file's lock)."""
    try:
        os.ftruncate(fd, size)
    except OSError as error:  # the torn tail stays; the next append starts a fresh line
        log.error("journal: could not remove a half-written line: %s", error)


def _last_byte(path: Path, size: int) -> bytes:
    with open(path, "rb") as journal:
        journal.seek(size - 1)
        return journal.read(1)
