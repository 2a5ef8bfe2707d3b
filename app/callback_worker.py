"""`holdwell callbacks`' loop (the Procfile's `worker:`): one watch round every interval.

Why a module of its own, and why it is careful: the worker replays the journal the web
workers write while the database is away, so it must outlive exactly those outages (a round
that meets one says so in one line and is retried, backing off); it must run the config
version the console made active, as every web worker does (app.console.live_config); and a
deploy's SIGTERM must not leave a callback claimed with no call placed. The CLI only reads
the environment and prints what this module says.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import FrameType

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from app.callback_placer import PlacerError, RateLimit, RestPlacer
from app.callback_watch import CallbackError, WatchReport, watch_round
from app.clock import Clock, SystemClock
from app.console.live_config import LiveConfig
from app.failure_text_sender import send_owed
from app.security import SignatureCheck
from app.seldom_warnings import SeldomWarnings, kind_of
from app.services import Services, writable_journal
from app.settings import Settings
from app.storage import callback_rest, config_versions, worker_rounds
from app.storage.call_log import CallLogStore
from app.storage.callback_queue import Callback
from app.storage.db import make_engine, sqlite_file_problem
from app.storage.deadline import first_line, is_outage
from app.storage.migrate import upgrade
from app.twilio_rest import make_client
from hold_policies.config import HoldwellConfig

BACKOFF_CAP_S = 60.0
"""Rounds failing for an outage in a row wait interval, 2x, 4x ... but never longer than this
(or the interval, if that is longer): the database is found again within a minute."""
POLL_S = 0.1
"""How often a sleep between rounds looks at the stop flag."""
Say = Callable[[str], None]


class StopFlag:
    """Set by SIGTERM or SIGINT: the placement under way finishes, no other starts, and the
    worker exits 0. A plain attribute, not a threading.Event: a signal handler must not take
    a lock the code it interrupted may be holding."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def __call__(self) -> bool:
        return self.reason is not None

    def set(self, reason: str = "asked to stop") -> None:
        self.reason = self.reason or reason

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds`, or less if a stop is asked meanwhile."""
        until = time.monotonic() + seconds
        while not self() and (left := until - time.monotonic()) > 0:
            time.sleep(min(left, POLL_S))

    @contextmanager
    def catching_signals(self) -> Iterator[StopFlag]:
        """Catch SIGTERM and SIGINT meanwhile (main thread only; a second one stops at once),
        then put the previous handlers back."""
        numbers = (signal.SIGTERM, signal.SIGINT)
        previous = {number: signal.signal(number, self._on_signal) for number in numbers}
        try:
            yield self
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _on_signal(self, number: int, _frame: FrameType | None) -> None:
        self.set(signal.Signals(number).name)
        signal.signal(number, signal.SIG_DFL)


@dataclass(frozen=True)
class StoppingPlacer(RestPlacer):
    """A RestPlacer that starts no REST request once the worker is stopping: a claim taken
    just before the stop goes back to its place at once (no call was placed), instead of
    sitting claimed by `rest` until claim_timeout_s."""

    stopping: Callable[[], bool] = field(default=lambda: False, compare=False)

    def ring(self, engine: Engine, callback: Callback, now: datetime, *,
             space_refusal: bool = True) -> bool:
        if self.stopping():
            callback_rest.release(engine, callback.call_id, callback.claim or "")
            return False
        return super().ring(engine, callback, now, space_refusal=space_refusal)


def rest_reasons(config: HoldwellConfig) -> list[str]:
    """Why `config` needs REST placement (empty: it does not)."""
    reasons = ["place_via_rest = true"] if config.callbacks.place_via_rest else []
    queues = config.customer_first_queues()
    if queues:
        reasons.append(f"customer-first queue(s) {', '.join(queues)}")
    return reasons


def report_line(report: WatchReport) -> str:
    checked = report.checked
    settled = "" if checked is None else (
        f"ended claims answered: {len(checked.connected)}, unanswered: "
        f"{len(checked.unanswered)}, still ringing or unknown: {len(checked.kept)}; ")
    bookings = report.bookings
    held = "" if bookings is None or not (bookings.still_on or bookings.stayed_on) else (
        f"new callbacks held, caller still on the booking call: {len(bookings.still_on)}, "
        f"stayed on past the confirmation: {len(bookings.stayed_on)}; ")
    return (f"callbacks pending: {report.pending}; released claims: {report.released}; "
            f"{settled}{held}"
            f"at risk: {', '.join(report.at_risk) or 'none'}; "
            f"overdue: {', '.join(report.overdue) or 'none'}; "
            f"placed by REST: {', '.join(report.placed) or 'none'}")


NOTING = "noting the round for /healthz"
"""The scope of note_round's failures (app.seldom_warnings)."""


@dataclass(frozen=True)
class _ErrLines:
    """The worker's error lines as a logger's `warning` (what SeldomWarnings says to)."""

    err: Callable[[str], None]

    def warning(self, message: str, *args: object) -> None:
        self.err(message % args if args else message)


class CallbackWorker:
    """The watch's state between rounds: the config version it runs, the placer built for
    it, and how many rounds in a row met an outage."""

    def __init__(self, settings: Settings, file_config: HoldwellConfig, *, interval_s: float,
                 out: Say, err: Say, stop: StopFlag | None = None,
                 clock: Clock | None = None, debug: bool = False) -> None:
        self.settings = settings
        self.file_config = file_config  # seeds version 1 on a database that has none
        self.interval_s = interval_s
        self.out, self.err, self.debug = out, err, debug
        self.stop = stop or StopFlag()
        self.clock = clock or SystemClock()
        self.where = make_url(settings.database_url).render_as_string(hide_password=True)
        self.engine = make_engine(settings.database_url)
        store = CallLogStore(self.engine, journal=writable_journal(settings))  # its REST
        # placements journal what an outage keeps from the database, as the web workers do
        # The web workers' live config, reused whole: LiveConfig follows the active version
        # into a Services' config; the worker's Services holds no more than that and the store.
        self.services = Services(settings=settings, config=file_config, store=store,
                                 clock=self.clock, signatures=SignatureCheck(None, None),
                                 serves_audio=False)  # no "callers will hear silence" here
        self.live = LiveConfig()
        self.announced = False
        self.running: int | None = None  # the version announced (None: the config file)
        self.client = make_client(settings)
        self.rate_limit = RateLimit()
        """Twilio's 429 pause, for this process's account: kept by every placer it builds."""
        self.placer: RestPlacer | None = None
        self.placer_basis: tuple | None = None
        self.rest_problem: str | None = None
        self.outages = 0
        self.once = False  # run(once=True): one round, so no "next round" is promised
        self.started_at = self.clock.now()
        self.unnoted = SeldomWarnings()
        """note_round's failures, said once and then seldom."""

    @property
    def config(self) -> HoldwellConfig:
        return self.services.config

    def run(self, *, once: bool = False) -> int:
        """Rounds until stopped (or one, with `once`); the process's exit status."""
        self.once = once
        if self.start(wait=not once):
            while True:
                done = self.round()
                if once and not self.stop():
                    return 0 if done and self.rest_problem is None else 1
                if not self.stop():
                    self.stop.sleep(self.delay_s())
                if self.stop():
                    break
        if not self.stop():
            return 1  # one try (--once) and the database was away
        self.err(f"stopped ({self.stop.reason})")
        return 0

    def start(self, *, wait: bool) -> bool:
        """Bring the schema up to date and seed config version 1 if there is none, waiting
        for the database while it is away (without `wait`, one try). A database that cannot
        be used at all (a bad URL, no driver) raises: waiting would not help."""
        tries = 0
        while not self.stop():
            try:
                upgrade(self.settings.database_url)
                config_versions.seed(self.engine, self.file_config, self.clock.now(),
                                     self.settings.resolved_config_path())
                if tries:
                    self.err(f"database at {self.where} is back")
                return True
            except Exception as error:
                if not is_outage(error):
                    raise
                tries += 1
                if (cause := sqlite_file_problem(self.settings.database_url, error)):
                    self.err(f"cannot use the database at {self.where}: {cause}")
                    return False  # no waiting mends a folder: the operator must
                if not wait:
                    self.err(f"database at {self.where} unreachable ({first_line(error)}); "
                             f"nothing done")
                    return False
                pause = self.backoff_s(tries)
                self.err(f"waiting for the database at {self.where} (try {tries}: "
                         f"{first_line(error)}); next try in {pause:g} s")
                self.stop.sleep(pause)
        return False

    def round(self) -> bool:
        """Replay the journal, follow the active config, watch once. False if the round
        failed: an outage (one line; the next round backs off) or a failure of its own (one
        line naming the callback if one was being handled; the next round runs as usual)."""
        try:
            with self.engine.connect() as conn:  # an outage shows here, before the config
                conn.execute(text("SELECT 1"))  # look-up could log it as its own failure
            replayed = self.services.store.replay()
            if replayed:
                self.out(f"journal: replayed {replayed} write(s)")
            self.follow_config()
            report = watch_round(self.engine, self.config, self.clock.now(), self.placer,
                                 self.stop, self.client, self.interval_s)
            texted = send_owed(self.engine, self.client, self.config.callbacks,
                               self.config.line.support_number, self.clock.now(),
                               languages=self.services.queue_languages())
        except Exception as error:
            if is_outage(error):
                self.outages += 1
                self.err(f"database unavailable ({first_line(error)}){self.next_round()}")
            else:
                self.outages = 0
                what = str(error) if isinstance(error, CallbackError) else \
                    f"{type(error).__name__}: {first_line(error)}"
                self.err(f"callback round failed: {what}{self.next_round()}")
                if self.debug:
                    self.err(traceback.format_exc().rstrip())
                self.note_round(ok=False, problem=what)
            return False
        self.outages = 0
        self.out(f"{report_line(report)}; failure texts sent: {texted}")
        self.note_round(ok=True, problem=self.rest_problem)
        return True

    def note_round(self, *, ok: bool, problem: str | None) -> None:
        """Say in the database that this host's worker ran (app.storage.worker_rounds), so
        /healthz and the console can say when it stopped; a failure to say so is said here
        and costs the round nothing."""
        said = _ErrLines(self.err)
        try:
            worker_rounds.note_round(self.engine, host=socket.gethostname(), pid=os.getpid(),
                                     interval_s=self.interval_s, started_at=self.started_at,
                                     now=self.clock.now(), ok=ok, problem=problem)
        except Exception as error:  # noqa: BLE001 - the round's work is done either way
            if not is_outage(error):  # an outage: the next round says it, once
                # said once, then every ten minutes (a role lacking INSERT on the table
                # fails every round alike)
                self.unnoted.warning(said, NOTING, kind_of(error), self.clock.now(),
                                     "could not note the round for /healthz (%s)",
                                     first_line(error))
            return
        self.unnoted.clear(NOTING, said)

    def follow_config(self) -> None:
        """Run the active config version (LiveConfig, as the web workers do) and, when it
        changed, say so and rebuild the placer if what it depends on changed."""
        self.live.refresh(self.services, force=True)
        if self.announced and self.live.number == self.running:
            return
        self.announced, self.running = True, self.live.number
        source = "the config file" if self.live.number is None else \
            f"config version {self.live.number}"
        reasons = rest_reasons(self.config)
        self.out(f"running {source}; REST placement: {'; '.join(reasons) or 'off'}")
        self.build_placer(reasons)
        if self.rest_problem:
            self.err(self.rest_problem)

    def build_placer(self, reasons: list[str]) -> None:
        """A placer for the running config (None if it needs none or cannot have one; then
        `rest_problem` says why). Rebuilt only when what it depends on changed; the rate
        limit carries over, since the account (the process's credentials) is the same."""
        config = self.config
        languages = self.services.queue_languages()
        basis = (bool(reasons), config.line.support_number, config.callbacks,
                 tuple(sorted(languages.items(), key=lambda item: item[0])))
        if basis == self.placer_basis:
            return
        self.placer_basis, self.placer, self.rest_problem = basis, None, None
        if not reasons:
            return
        try:
            placer = StoppingPlacer.configured(self.client, self.settings.public_url,
                                               config.line.support_number, config.callbacks)
        except PlacerError as error:
            self.rest_problem = (f"REST placement needed ({'; '.join(reasons)}) but impossible: "
                                 f"{error}; no callback is rung by REST until that is set "
                                 f"(the watch goes on)")
            return
        self.placer = dataclasses.replace(placer, rate_limit=self.rate_limit,
                                          stopping=self.stop, languages=languages)

    def backoff_s(self, failures: int) -> float:
        """The interval, doubled for each failure in a row after the first, capped."""
        return min(self.interval_s * 2 ** min(max(failures - 1, 0), 16),
                   max(self.interval_s, BACKOFF_CAP_S))

    def next_round(self) -> str:
        """When the next round runs, as a failed round's line ends (--once runs no other)."""
        return "" if self.once else f"; next round in {self.delay_s():g} s"

    def delay_s(self) -> float:
        """Until the next round: the interval, or the outage backoff."""
        return self.backoff_s(self.outages) if self.outages else self.interval_s
