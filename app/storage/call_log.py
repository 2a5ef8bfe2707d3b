"""The live call log as the voice routes see it: bounded in time, and never losing a write.

Every write is a command (`app.storage.commands`) applied by `app.storage.apply`. A write
that cannot reach the database within the request's deadline goes to the on-disk journal
instead, and while anything waits in the journal, later writes queue behind it so a call's
facts are applied in the order they happened. A background thread (one per process, started
on first use) replays the journal as soon as the database answers again. The one exception
is a callback request: it is only ever confirmed once it is in the database, and when its
COMMIT is cut off, what it did is read back before the caller is told anything.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import NamedTuple, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from app.storage import commands as c
from app.storage.apply import apply, stored
from app.storage.call_writes import (
    announce_at_once,
    before_its_check_in,
    count_steady_poll,
    note_poll,
)
from app.storage.cutoff import Cutoff
from app.storage.db import WriterTurns, begin_write
from app.storage.deadline import (
    BoundedRunner,
    DatabaseUnavailable,
    Deadline,
    NotTried,
    Unsettled,
    is_outage,
)
from app.storage.group_commit import GroupCommit
from app.storage.journal import Journal
from app.storage.locks import hold_call
from app.storage.migrate import head_revision, revision_of
from app.storage.per_process import OncePerProcess
from app.storage.prepared import BOOKED_SINCE_LAST_POLL, CALL, CALLBACKS_AHEAD
from app.storage.queue_flow import QueueFlows
from app.storage.rows import CallRow, call_row
from app.storage.sqlstates import UNDEFINED_COLUMN, sqlstate_of
from hold_policies.estimate import QueueFlow

log = logging.getLogger("holdwell.storage")
T = TypeVar("T")
REPLAY_EVERY_S = 0.5
CLOSE_WAIT_S = 30.0


CHECK_BACK_SHARE = 0.2
"""Of a request's budget, the part a write that must not be journaled leaves for reading back
what it did if its COMMIT is cut off: both end within the budget."""


@dataclass
class Attempt:
    """How far a write got: a COMMIT sent, or work still running on a pool thread after its
    deadline (no cutoff), may yet be stored; a write that failed before either is not."""

    committing: bool = False
    ended: bool = False

    @property
    def in_doubt(self) -> bool:
        return self.committing or not self.ended


NOT_STORED = object()
"""What a read-back of a write that is not in the database answers (`store_now`)."""


class Written(NamedTuple):
    """What became of a write: `stored` in the database (with the write's own `value`), or
    journaled to be applied later (`value` None)."""

    stored: bool
    value: object = None


@dataclass(frozen=True)
class SteadyPoll:
    """A poll handed to the group commit, with the route's decision to make on its view.
    `decide` may run in another request's thread (the one leading the batch): it must use
    only what it closed over, never Flask's request, `g` or `current_app`."""

    command: c.NotePoll
    decide: Callable[[Poll], tuple[object, c.Announce | None]]
    attempt: Attempt = field(default_factory=Attempt)


@dataclass(frozen=True)
class Poll:
    """One waitUrl request, as the log saw it."""

    call: CallRow
    flow: QueueFlow
    callbacks_ahead: int


class CallLogStore:
    """Reads and writes of the call log for the web app (`engine` is for read-only tools)."""

    def __init__(self, engine: Engine, *, estimate_window_s: float = 900,
                 journal: Journal | None = None, runner: BoundedRunner | None = None) -> None:
        self.engine = engine
        self.estimate_window_s = estimate_window_s
        self.journal = journal
        self.runner = runner or BoundedRunner(cutoff=Cutoff().install(engine))
        self.flows = QueueFlows()
        self._turns = WriterTurns(engine)
        self._replayer = OncePerProcess()
        self._replayer_thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._steady = GroupCommit(self._steady_polls)

    # -- writing -------------------------------------------------------------------------
    def write(self, command: c.Command, deadline: Deadline) -> Written:
        """Apply `command` within the deadline, else journal it (durably, before returning)."""
        if self._behind_journal() and self._journaled_if_it_can(command):
            return Written(False)
        try:
            return Written(True, self.runner.run(
                lambda: self._apply(command, deadline.expires), deadline))
        except DatabaseUnavailable as error:
            if not command.journaled or self.journal is None:
                raise
            log.warning("journaling %s for %s: %s", type(command).__name__, command.call_id,
                        error)
            return self._journal(command)
        except Exception:
            if not command.journaled or self.journal is None:
                raise
            # A bug, not an outage: keep the fact (the replay sets it aside if it fails again).
            log.exception("writing %s for %s failed; journaled", type(command).__name__,
                          command.call_id)
            return self._journal(command)

    def store_now(self, command: c.Command, deadline: Deadline) -> object:
        """Apply a command that must not be journaled (a callback request), or raise
        DatabaseUnavailable: not stored. Past its COMMIT the write may be stored though cut
        off, so what it did is read back (app.storage.apply.stored, under the call's lock) in
        the budget's last CHECK_BACK_SHARE; Unsettled if that cannot tell either."""
        def read_back(conn: Connection) -> object:
            found = stored(conn, command)  # False is an answer (a cancel refused), None none
            return NOT_STORED if found is None else found

        found = self.read_back_if_cut(lambda conn: apply(conn, command), read_back, deadline)
        if found is NOT_STORED:
            raise DatabaseUnavailable(f"{type(command).__name__} for {command.call_id} was "
                                      "cut off at its COMMIT and is not stored")
        return found

    def read_back_if_cut(self, work: Callable[[Connection], T],
                         read_back: Callable[[Connection], T], deadline: Deadline, *,
                         needed: Callable[[], bool] = lambda: True) -> T:
        """Run `work(conn)`, a write whose answer someone acts on, in one transaction. Cut
        off after its COMMIT went out, it may be stored all the same: `read_back(conn)` says
        what it did, on a fresh connection past the breaker its failure tripped, in the
        budget's last CHECK_BACK_SHARE (a callback request; an agent's claim, which landed
        unheard had left its callback held by an agent who never dialled it: trust audit
        35, D1). Unless `needed()` says the work wrote nothing there is to read (an agent
        with no callback to claim: review 35, R3). Unsettled if the read-back cannot say."""
        attempt = Attempt()

        def bounded() -> T:
            try:
                with self._writing(write.expires) as conn:
                    done = work(conn)
                    attempt.committing = True  # from here a cut-off leaves it in doubt
                return done
            finally:
                attempt.ended = True
                self.flows.forget()  # callback work may serve or release a caller

        def back() -> T:
            with self._writing(deadline.expires) as conn:
                return read_back(conn)

        write = deadline.reserving(CHECK_BACK_SHARE)
        try:
            return self.runner.run(bounded, write)
        except NotTried:
            raise
        except DatabaseUnavailable as cut:
            if not attempt.in_doubt or not needed():
                raise
            log.warning("a write cut off at its COMMIT (%s); reading it back", cut)
            try:
                return self.runner.run(back, deadline, trip=False, heed_breaker=False)
            except DatabaseUnavailable as error:
                raise Unsettled(f"{cut}; and reading it back: {error}") from error

    def _apply(self, command: c.Command, until: float | None = None) -> object:
        try:
            with self._writing(until) as conn:
                return apply(conn, command)
        finally:
            if not isinstance(command, c.Announce):  # any other fact may be a departure
                self.flows.forget()

    @contextmanager
    def _writing(self, until: float | None) -> Iterator[Connection]:
        """A transaction that holds the write lock from its start (db.begin_write), taken
        in turn with this process's other writers (db.WriterTurns) for as short a time as
        possible: the connection is checked out before the turn and returned after it."""
        with self.engine.connect() as conn, self._turns.turn(until), conn.begin():
            begin_write(conn, until)
            yield conn

    def _journal(self, command: c.Command) -> Written:
        self.journal.append(command)
        self.ensure_replayer()
        return Written(False)

    def _journaled_if_it_can(self, command: c.Command) -> bool:
        """Journal a write that must queue behind the journal; False when the journal takes
        no more lines (its disk full or gone read-only): the caller then writes the fact to
        the database ahead of the backlog rather than nowhere. (Every new caller's facts had
        been lost while the database was fine.) Facts are keyed and a call's outcome is
        decided from all of them, so only a poll replayed later than a newer one may go
        uncounted."""
        try:
            self._journal(command)
        except OSError as error:
            log.error("the journal cannot take %s for %s (%s): writing it to the database, "
                      "ahead of the journal's backlog", type(command).__name__,
                      command.call_id, error)
            return False
        return True

    def _behind_journal(self) -> bool:
        """Whether writes must queue behind the journal, looked up on every write: one stat,
        under a microsecond. (Trusting "empty" for 100 ms let another worker of this host
        count a caller's next poll before this one's journaled poll, which then no longer
        counted: a poll lost from the log, seen in the fault matrix's dropped connections.)"""
        return self.journal is not None and self.journal.has_backlog()

    # -- reading -------------------------------------------------------------------------
    def poll(self, command: c.NotePoll, deadline: Deadline,
             decide: Callable[[Poll], tuple[T, c.Announce | None]]) -> tuple[Poll, T] | None:
        """Count the poll, read what the policy needs, let `decide` choose the segment and log
        the check-in it serves, in one transaction. A steady poll (of a call already counted
        in this time in line) is cheaper: on SQLite its transaction is shared with the steady
        polls arriving with it (`_steady_polls`), on PostgreSQL it needs none
        (`_steady_poll_alone`). None (the poll journaled) when the database cannot answer in
        time; the route then decides without history."""
        if (self._behind_journal() or self.runner.is_down()) and self._journaled_if_it_can(
                replace(command, attempted=False)):  # never tried: never counted
            return None

        def work(attempt: Attempt) -> tuple[Poll, T]:
            seen: list[Poll] = []
            try:
                with self._writing(deadline.expires) as conn:
                    hold_call(conn, command.call_id)  # first, as apply takes it: one lock order
                    note_poll(conn, command, lambda call, ahead: seen.append(self._poll_view(
                        conn, before_its_check_in(conn, call, command), command.now, ahead,
                        command.rejoins)))
                    try:
                        decided, announcement = decide(seen[0])
                    except Exception as error:  # noqa: BLE001 - the policy failed this caller
                        failed = error  # only: its poll (entry, count) is committed all the same
                    else:
                        failed = None
                        if announcement is not None:
                            apply(conn, announcement)
                    attempt.committing = True  # from here a cut-off leaves it in doubt
            finally:
                attempt.ended = True
            if failed is not None:
                raise failed
            return seen[0], decided

        tried = Attempt()
        try:
            if not command.episode:
                steady = SteadyPoll(command, decide, tried)
                polled = self._write_steady(steady, deadline)
                if polled is not None:
                    return polled  # type: ignore[return-value]
                tried = Attempt()  # nothing of it written: the whole poll is tried afresh
            return self.runner.run(partial(work, tried), deadline)
        except DatabaseUnavailable as error:
            log.warning("poll of %s without the call log: %s", command.call_id, error)
            if self.journal is not None:  # a poll that never reached its COMMIT is uncounted
                self._journal(replace(command, attempted=not isinstance(error, NotTried)
                                      and tried.in_doubt))
            return None
        except SQLAlchemyError:
            # The write's own error (a bug), or its SQLite batch's: as `write` does, the poll
            # is kept, and its replay, alone, sets it aside only if it fails again.
            if self.journal is None:
                raise
            log.exception("counting the poll of %s failed; journaled", command.call_id)
            self._journal(command)
            return None

    def _write_steady(self, steady: SteadyPoll, deadline: Deadline) -> object:
        """PostgreSQL: alone, outside any transaction. SQLite: group-committed, or written
        here when the runner has no wall-clock deadline (the emulator's virtual clock)."""
        if self.engine.dialect.name == "postgresql":
            return self._steady_poll_alone(steady, deadline)
        if self.runner.unbounded:
            return self._steady.write_here(steady, deadline.expires)
        return self._steady.submit(steady, deadline.expires)

    def _steady_polls(self, polls: Sequence[SteadyPoll], expires: float) -> list[object]:
        """SQLite: group commit (app.storage.group_commit) of steady polls: their counts, what
        the policy reads, its decisions and the check-ins they serve, in one transaction and
        one turn at the file's write lock (the SQLite rate's limit: -31% CPU per poll under
        load, bench_webhooks). Per poll: (Poll, decision); None: not such a poll, nothing
        written (the request takes the full path); the policy's exception, that caller's
        alone. PostgreSQL takes writes concurrently and batching only added a transaction's
        round trips to each poll, so there a steady poll goes alone."""
        def work() -> list[object]:
            try:
                with self._writing(expires) as conn:
                    done = [self._steady_poll(conn, poll, apply) for poll in polls]
                    for poll in polls:  # from here a cut-off leaves them in doubt
                        poll.attempt.committing = True
                    return done
            finally:
                for poll in polls:
                    poll.attempt.ended = True

        return self.runner.run(work, Deadline(expires - time.monotonic()))

    def _steady_poll_alone(self, steady: SteadyPoll, deadline: Deadline) -> object:
        """PostgreSQL: a steady poll without a transaction (psycopg's BEGIN and COMMIT are
        round trips of their own): its count is one statement and its check-in one more
        (call_writes.announce_at_once), each atomic alone."""
        def work() -> object:
            try:
                with self.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT") as conn:
                    steady.attempt.committing = True  # each statement is stored as it runs
                    outcome = self._steady_poll(conn, steady, announce_at_once)
                    steady.attempt.committing = outcome is not None  # None: nothing written
            finally:
                steady.attempt.ended = True
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome

        return self.runner.run(work, deadline)

    def _steady_poll(self, conn: Connection, steady: SteadyPoll,
                     announce: Callable[[Connection, c.Announce], object]) -> object:
        """Count one steady poll on `conn`, view it, decide, and `announce` its check-in."""
        command = steady.command
        counted = count_steady_poll(conn, command)
        if counted is None:
            return None
        poll = self._poll_view(conn, before_its_check_in(conn, counted[0], command),
                               command.now, counted[1], command.rejoins)
        try:
            decided, announcement = steady.decide(poll)
        except Exception as error:  # noqa: BLE001 - the policy failed this caller only
            return error
        if announcement is not None:
            announce(conn, announcement)
        return poll, decided

    def snapshot(self, call_id: str, now: datetime, deadline: Deadline, *,
                 rejoins: bool = False, place_as_of_last_poll: bool = False) -> Poll | None:
        """The same view as a poll, without counting one (for key presses); None if the call
        is unknown or the database cannot answer in time. `place_as_of_last_poll`: the
        caller's place will be the one logged at their last poll (a key press carries no
        position), so callbacks booked since by callers then ahead, which Twilio's position
        still counted, are not counted again."""
        def work() -> Poll | None:
            with self.engine.connect() as conn:
                row = conn.execute(CALL, {"call": call_id}).mappings().first()
                if row is None:
                    return None
                call = call_row(row)
                poll = self._poll_view(conn, call, now, None, rejoins)
                if not place_as_of_last_poll:
                    return poll
                counted = BOOKED_SINCE_LAST_POLL.scalar(conn, {
                    "queue": call.queue, "entered": call.line_since or call.arrived_at,
                    "call": call.call_id}) or 0
                return replace(poll, callbacks_ahead=max(poll.callbacks_ahead - counted, 0))

        try:
            return self.runner.run(work, deadline)
        except DatabaseUnavailable as error:
            log.warning("snapshot of %s unavailable: %s", call_id, error)
            return None

    def read(self, work: Callable[[Connection], T], deadline: Deadline, *,
             trip: bool = True) -> T:
        """Run `work(conn)` in a transaction within the deadline (raises DatabaseUnavailable)."""
        def bounded() -> T:
            try:
                with self._writing(deadline.expires) as conn:
                    return work(conn)
            finally:
                self.flows.forget()  # callback work may serve or release a caller

        return self.runner.run(bounded, deadline, trip=trip)

    def _poll_view(self, conn: Connection, call: CallRow, now: datetime,
                   callbacks_ahead: int | None, rejoins: bool = False) -> Poll:
        """Departures from the head of the queue in the recent window (shorter if the log is
        new; shared by the queue's callers for a second, app.storage.queue_flow), and the
        pending callbacks (with `rejoins`, and rejoined callers) that entered before this
        caller (read now unless given)."""
        if callbacks_ahead is None:
            callbacks_ahead = CALLBACKS_AHEAD[rejoins].scalar(conn, {
                "queue": call.queue, "entered": call.line_since or call.arrived_at})
        flow = self.flows.flow(conn, call.queue, now, self.estimate_window_s)
        return Poll(call=call, flow=flow, callbacks_ahead=callbacks_ahead)

    # -- the journal ---------------------------------------------------------------------
    def replay(self) -> int:
        """Apply what the journal holds, in order (also run by `holdwell callbacks`)."""
        if self.journal is None:
            return 0
        return self.journal.replay(self._apply, waits=self._replay_waits)

    def _replay_waits(self, error: BaseException) -> bool:
        """Whether a journaled command that failed with `error` waits for a later round: an
        outage, or a column this code writes that a schema still behind lacks (new code
        deployed before `holdwell db upgrade`; on SQLite that is an OperationalError and
        waits anyway). Against a schema at the head such a write would wait forever."""
        if is_outage(error):
            return True
        if sqlstate_of(error) != UNDEFINED_COLUMN:
            return False
        try:
            with self.engine.connect() as conn:
                revision = revision_of(conn)
        except Exception:  # noqa: BLE001 - unreadable now: wait and ask again next round
            return True
        return revision != head_revision()

    def ensure_replayer(self) -> None:
        """One replaying thread per process (after a fork the parent's thread is gone)."""
        if self.journal is None:
            return
        self._replayer.ensure(self._start_replayer)

    def _start_replayer(self) -> None:
        self._replayer_thread = threading.Thread(
            target=_replay_forever, args=(weakref.ref(self), self._stop),
            name="holdwell-journal", daemon=True)
        self._replayer_thread.start()

    def close(self, timeout_s: float = CLOSE_WAIT_S) -> None:
        """Stop the replayer and wait for a replay under way to end, so that whoever closes
        the store can replay the rest itself and then remove the journal's folder."""
        self._stop.set()
        thread = self._replayer_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("the journal's replayer is still replaying after %.0f s", timeout_s)


def _replay_forever(store_ref: weakref.ref, stop: threading.Event) -> None:
    """Replay whenever there is a backlog and the database seems up; ends with its store."""
    while not stop.wait(REPLAY_EVERY_S):
        store = store_ref()
        if store is None:
            return
        if not store.runner.is_down() and store.journal.has_backlog():
            try:
                store.replay()
            except Exception:  # noqa: BLE001 - the replayer must outlive any one failure
                log.exception("journal replay failed; trying again shortly")
        del store

