"""Run a scenario through the real app with the Twilio emulator; summarise it like the fast engine.

The app gets the scenario's settings (queue policy, estimate window, callback retries) as its
configuration, a virtual clock, and the database at `database_url`; the calls stay there, so
reports and exports run on them afterwards.

The app's database work runs inline here (`InlineRunner`), not on its thread pool against a
0.5 s wall-clock budget: on a virtual clock that budget means nothing, and on a busy machine
it expired at random, journaling writes and tripping the breaker, so the same seed gave
different calls. For the same reason SQLite's steady polls are written here, never waiting
against the wall clock for a group-commit batch another request leads
(`BoundedRunner.unbounded`). The budget, the group commit and the journal have their own
fault tests (tests/app).
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app import create_app
from app.clock import ManualClock
from app.signed_client import SignedWsgiClient
from app.storage.db import as_utc, make_engine
from app.storage.deadline import BoundedRunner, DatabaseUnavailable, Deadline
from app.storage.migrate import upgrade
from app.storage.read import read_closed_frame, read_records_frame
from app.storage.schema import call_events
from audio.kinds import DEFAULT_LEVEL_DBOV, Kind
from emulator.clips import Clip, assumed
from emulator.closed_calls import with_closed_calls
from emulator.customer_first import WORKER_INTERVAL_S
from emulator.emulator import ListenerFactory, Posted, TwilioEmulator, VirtualCaller
from emulator.realism import Realism
from emulator.returning import RingingAgain
from hold_policies.config import (
    POLICY_NAMES,
    AudioUse,
    ExperimentConfig,
    HoldwellConfig,
    QueueConfig,
    ResumeConfig,
)
from hold_policies.records import RECORD_COLUMNS, CallRecord
from hold_policies.steps import is_external_audio
from simulator.metrics import summarise
from simulator.scenario import Scenario, ScenarioError
from simulator.streams import Callers, Streams, UniformStream
from simulator.table import CallTable

if TYPE_CHECKING:
    import pandas as pd

LINE = "+14155550000"
"""The support line's number (the `To` of every emulated call): callbacks' caller ID."""


class InlineRunner(BoundedRunner):
    """The app's database work in the request's own thread, with no wall-clock deadline: a
    failing statement is still DatabaseUnavailable, as the routes expect."""

    unbounded = True

    def run(self, work: Callable[[], object], deadline: Deadline, *, trip: bool = True,
            heed_breaker: bool = True) -> object:
        try:
            return work()
        except SQLAlchemyError as error:
            raise DatabaseUnavailable(str(error).splitlines()[0]) from error


class LoggedFaults(logging.Handler):
    """What the app logs at ERROR while the emulator drives it. A route that failed and
    answered its safe TwiML looks fine to Twilio; it must not look fine to a test."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"app logged ({record.name}): {record.getMessage()}")


@dataclass(frozen=True)
class EmulatedRun:
    """The summary (the same `--json` object as the fast engine), calls and any app faults."""

    summary: dict
    table: CallTable
    callers: list[VirtualCaller]
    errors: list[str]
    call_id_prefix: str
    requests: list[Posted]
    clips: dict[str, Clip] = field(default_factory=dict)  # each <Play> URL as callers heard it
    arms: dict[str, CallTable] = field(default_factory=dict)  # a split's calls per arm
    # (`split_by_arm`; empty for a run of one policy or variant)

    def posted(self, kind: str) -> list[dict[str, str]]:
        """The bodies of every `kind` request made (with `record`)."""
        return [request.params for request in self.requests if request.kind == kind]


Arms = str | Mapping[str, float]
"""What the emulated queue plays: a policy, one of the queue's variants, or a split of them
(name -> weight, any scale), as the experiment arms callers are drawn into."""


def served(queue: QueueConfig, arms: Arms) -> dict[str, object]:
    """The queue's `policy` and `experiment` under which the app's own arm assignment
    (hold_policies.factory.assign) serves `arms`, so calls log their arm as live ones do.

    A plain policy runs as the queue's policy, outside any experiment (arm ""). A variant runs
    as a split of one arm: every caller is drawn into it and hears its words, and the log
    carries it as their arm. A config file refuses a one-arm split (an experiment compares
    two), so that one is built here, unvalidated, for the emulator's pinned config only.
    The queue's own split (its `experiment.arms`) runs as the queue has it: its policy and
    experiment, salt and all, as the live app runs them (`holdwell simulate` without
    --policy on a queue running a split).
    """
    weights = {arms: 1.0} if isinstance(arms, str) else dict(arms)
    if queue.experiment is not None and weights == dict(queue.experiment.arms):
        return {"policy": queue.policy, "experiment": queue.experiment}
    for name in weights:
        if name not in POLICY_NAMES and name not in queue.variants:
            raise ScenarioError(f"policy: unknown {name!r}; choose from {', '.join(POLICY_NAMES)}"
                                + (f" or the queue's variants {', '.join(sorted(queue.variants))}"
                                   if queue.variants else ""))
    if not weights or any(not weight > 0 for weight in weights.values()):
        raise ScenarioError(f"arms: every arm needs a weight > 0 (got {weights})")
    if len(weights) == 1 and next(iter(weights)) in POLICY_NAMES:
        return {"policy": next(iter(weights)), "experiment": None}
    salt = queue.experiment.salt if queue.experiment else ""
    split = (ExperimentConfig.model_construct(arms=weights, salt=salt) if len(weights) == 1
             else ExperimentConfig(arms=weights, salt=salt))
    return {"policy": queue.base_policy(min(weights)), "experiment": split}


def app_config(scenario: Scenario, policy: Arms, base: HoldwellConfig | None = None
               ) -> HoldwellConfig:
    """The operator's config with the scenario's queue policy (or variant, or split of them:
    `served`), estimates and callback retries (the regular spacing, the soonest one and the
    margin that calls for it)."""
    base = base or HoldwellConfig()
    queue = base.queues.get(scenario.queue) or next(iter(base.queues.values()))
    queue = queue.model_copy(update=served(queue, policy))
    if scenario.resume is not None:  # the rule the scenario's dropped callers ring back under
        queue = queue.model_copy(update={"resume": ResumeConfig(
            within_s=scenario.resume.within_s, after_checkin_s=scenario.resume.after_checkin_s)})
    model = scenario.callbacks
    callbacks = base.callbacks.model_copy(update={
        "max_attempts": model.retries + 1, "retry_after_s": int(model.retry_spacing_s),
        "min_retry_after_s": max(int(model.soonest_retry_s), 10),
        "at_risk_margin_s": int(model.retry_margin_s),
        "ring_timeout_s": int(max(model.ring_s, 5)), "sms_on_failure": False})
    estimate = base.estimate.model_copy(update={
        "window_s": int(scenario.estimates.window_s),
        "min_departures": scenario.estimates.min_departures,
        "confidence": scenario.estimates.confidence})
    line = base.line.model_copy(update={  # callbacks need a caller ID: the emulated line's
        "default_queue": scenario.queue, "support_number": base.line.support_number or LINE})
    offered = {name: base.queues[name] for name in queue.language_menu.values()
               if name != scenario.queue and name in base.queues}  # its language menu's: no
    # virtual caller chooses one (each speaks the rung queue's language), but the menu says them
    return base.model_copy(update={"queues": {scenario.queue: queue, **offered},
                                   "callbacks": callbacks, "estimate": estimate, "line": line})


AD_S = 15.0
"""How long an advert plays, as hold_policies.music_ads expects (its <Play>'s expected_s)."""
MUSIC_BED_S = 60.0
"""The music bed generated for a queue's music (an advert's is AD_S long)."""


class HeldAudio(NamedTuple):
    """One audio name or URL a queue's callers may hear: what kind of audio it is (noise or
    music; an advert is music too), the length the policy expects of it (the fast engine
    plays that long), the knob that names it and how long a stand-in file for it runs."""

    kind: Kind
    expected_s: float
    knob: str
    bed_s: float = 0.0  # music only


def audio_heard(queue: QueueConfig) -> dict[str, HeldAudio]:
    """Every audio name or URL the queue's policies and variants may <Play> (the first, in
    name order, that names one says what it is)."""
    heard: dict[str, HeldAudio] = {}
    for use in queue.audio_uses():
        heard.setdefault(use.audio, held_audio(use))
    return heard


def held_audio(use: AudioUse) -> HeldAudio:
    """What a clip is by the setting that names it: a silence policy's comfort noise plays a
    segment; music plays `music_s` of a 60 s bed; an advert is 15 s of music."""
    where = f"{use.name}.{use.knob}"
    if use.knob == "comfort_noise":
        return HeldAudio(Kind.NOISE, float(use.knobs["segment_s"]), where)
    if use.knob == "music":
        return HeldAudio(Kind.MUSIC, float(use.knobs["music_s"]), where, MUSIC_BED_S)
    return HeldAudio(Kind.MUSIC, AD_S, where, AD_S)


def prepare_audio(folder: Path, queue: QueueConfig) -> dict[str, Clip]:
    """The clips the queue's callers hear, generated under the names its policies and their
    variants give them: a music bed for `music_ads` (and a 15 s one for its advert), and the
    comfort noise a silence policy names. Without its file the app plays dead air, which the
    emulated callers react to while the fast engine's callers hear the noise (the two drivers
    then disagreed beyond error).

    The config takes any text as an audio name, and the app reads it one of three ways; so
    does this. Returns the stand-ins for other sites' clips, by URL.
    - A library name (letters, digits, - and _): NAME.wav is written here, and the app serves
      it under /audio/.
    - An http:// or https:// URL: the app plays it as it is and Twilio fetches it from that
      site, which the emulator cannot reach. **Assumption**: it plays for the length the
      policy expects of it (segment_s, music_s, 15 s for an advert: what the fast engine
      plays) at its kind's target level. The stand-in's `note` (in the run's `clips`) says
      so; it is no error, as nothing went wrong.
    - Anything else: the app's library has no file for it, so the app plays silence of the
      same length (and logs a warning at start-up), as it would live; nothing is written.
    """
    from audio.formats import TELEPHONE_RATE
    from audio.generate import comfort_noise, music_bed
    from audio.library import is_library_name
    from audio.prepare import write_prepared

    external: dict[str, Clip] = {}
    for name, audio in audio_heard(queue).items():
        if is_external_audio(name):
            external[name] = assumed(name, audio.expected_s, DEFAULT_LEVEL_DBOV[audio.kind],
                                     audio.knob)  # never measured: its kind's target level
        elif is_library_name(name) and audio.kind is Kind.NOISE:
            write_prepared(folder / f"{name}.wav", comfort_noise(), Kind.NOISE)
        elif is_library_name(name):
            bed = music_bed(duration_s=audio.bed_s)[: int(audio.bed_s * TELEPHONE_RATE)]
            write_prepared(folder / f"{name}.wav", bed, Kind.MUSIC)
    return external


def emulate(
    scenario: Scenario,
    policy: Arms,
    rng: np.random.Generator,
    *,
    database_url: str,
    config: HoldwellConfig | None = None,
    progress: Callable[[int], None] | None = None,
    record: bool = False,
    customize: Callable[[Flask], None] | None = None,
    number_entries: tuple[str, ...] = (),
    callers: Callers | None = None,
    listener_for: ListenerFactory | None = None,
    realism: Realism | None = None,
    wall_clock_budget: bool = False,
    ringing_again: RingingAgain | None = None,
    callback_interval_s: float = WORKER_INTERVAL_S,
) -> EmulatedRun:
    """Drive `scenario` through the real app; the same seed gives the same callers.

    `callers` (arrival, talk and patience times) and `listener_for` (how each caller reacts)
    replace the scenario's draws and behaviour model, for scripted callers such as the demo's.
    `realism` sets the order of racing webhooks and the answering-machine mix; its draws come
    from their own stream, so changing it never changes the callers. `wall_clock_budget`
    keeps the app's threaded, time-budgeted database access (results then depend on the
    machine's load). `ringing_again`: callers with a callback booked who call again (off).
    A customer-first queue's callbacks are rung by the app's callback worker, run every
    `callback_interval_s` (`holdwell callbacks --interval`) through an emulated REST API.
    """
    began = time.perf_counter()
    upgrade(database_url)
    streams = Streams.spawn(rng)
    realism_draw = UniformStream(rng.spawn(1)[0])  # after the callers' streams: theirs stay
    callers = (callers or streams.callers(scenario)).before(scenario.horizon_s)  # whole days
    token, tag = secrets.token_hex(16), secrets.token_hex(4)
    line = scenario.closed_line
    start = fresh_start(database_url, scenario.start, line.hours.zone if line else UTC)
    scenario = replace(scenario, start=start)
    clock = ManualClock(start)
    settings = app_config(scenario, policy, config)
    with tempfile.TemporaryDirectory() as audio_dir:
        external_audio = prepare_audio(Path(audio_dir), settings.queues[scenario.queue])
        app = create_app({"auth_token": token, "database_url": database_url,
                          "audio_dir": audio_dir, "public_url": None,
                          "journal_dir": str(Path(audio_dir) / "journal")},
                         clock=clock, config=settings)
        if not wall_clock_budget:
            app.extensions["holdwell"].store.runner = InlineRunner()
        if customize is not None:  # tests break the app on purpose, to see Twilio's reaction
            customize(app)
        emulator = TwilioEmulator(
            SignedWsgiClient(app, token), clock, scenario, callers,
            UniformStream(streams.reactions), UniformStream(streams.callbacks),
            progress=progress, record=record, tag=tag,
            number_entries=number_entries, listener_for=listener_for, realism=realism,
            realism_draw=realism_draw, ringing_again=ringing_again,
            external_audio=external_audio)
        # `holdwell twilio setup` sizes the Twilio queue from the config: full at max_size
        emulator.max_queue_size = app.extensions["holdwell"].queue(scenario.queue).max_size
        emulator.start_worker(callback_interval_s)  # customer-first queues only
        faults = LoggedFaults()
        logging.getLogger("holdwell").addHandler(faults)
        store = app.extensions["holdwell"].store
        try:
            virtual_callers = emulator.run()
        finally:
            store.close()  # its replayer thread must not outlive the journal's folder
            store.replay()  # anything journaled reaches the log before the log is read
            logging.getLogger("holdwell").removeHandler(faults)
            store.engine.dispose()
    errors = emulator.errors + faults.messages
    frame = read_records_frame(database_url, call_id_prefix=f"CA{tag}", for_twin=True)
    records = records_from_frame(frame)
    table = replace(CallTable.from_records(records, scenario.start),  # as the fast engine's
                    talk_s=frame["talk_s"].to_numpy(float),
                    callback_attempts=frame["callback_attempts"].to_numpy(np.int64))
    arms = split_by_arm(records, table)
    split_run = not isinstance(policy, str) and len(dict(policy)) > 1
    if not split_run and len(arms) <= 1:
        arms = {}  # one policy's run: its figures are the whole run's
    if arms:  # a split's whole run is no one arm's, even when its callers all drew one arm
        table = replace(table, arm="")
    if not records:  # no caller reached the queue: the run is still its policy's
        table = replace(table, **labels_served(settings.queues[scenario.queue], policy))
    if line is not None:  # callers who rang while closed: counted apart, as the fast engine
        table = with_closed_calls(table, read_closed_frame(database_url,
                                                           call_id_prefix=f"CA{tag}"))
    summary = summarise(table, wall_s=time.perf_counter() - began,
                        service_level_s=scenario.service_level_s)
    if arms:  # and each arm's figures, as the fast engine gives one arm's; no
        # wall time of their own (they ran together: 0.00 s each had read as none taken)
        summary["arms"] = {arm: summarise(each, wall_s=None,
                                          service_level_s=scenario.service_level_s)
                           for arm, each in arms.items()}
    summary["engine"] = "twilio"
    summary["app_errors"] = len(errors)
    return EmulatedRun(summary, table, virtual_callers, errors, f"CA{tag}", emulator.requests,
                       emulator.clips, arms)


def labels_served(queue: QueueConfig, arms: Arms) -> dict[str, str]:
    """The policy and arm a run's records carry when it served `arms` (`served`), for a
    run with no record to read them from (every caller rang while the line was closed):
    its column had been named "" beside the other policies'."""
    arm = arms if isinstance(arms, str) and arms not in POLICY_NAMES else ""
    return {"policy": queue.policy, "arm": arm}


def fresh_start(database_url: str, wanted: datetime, zone: tzinfo = UTC) -> datetime:
    """A start after everything already logged, so runs sharing a database never mix.

    The app estimates waits and orders callbacks from the log's recent past; a second run
    replayed over the same virtual hours would see the first run's callers. The start moves
    by whole weeks, so every call keeps its weekday and time of day (the line's opening hours
    and a fitted weekday meet the same day): moved by days, a replayed Saturday had rung on
    Sunday's hours, and a fitted Tuesday on Wednesday's. The weeks are counted on the line's
    clock (`zone`), so a week across a daylight-saving change still starts at its midnight.
    """
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            latest = as_utc(conn.execute(select(func.max(call_events.c.time))).scalar())
    finally:
        engine.dispose()
    return wanted if latest is None or latest < wanted else weeks_after(wanted, latest, zone)


def weeks_after(wanted: datetime, latest: datetime, zone: tzinfo) -> datetime:
    """`wanted` moved by the fewest whole weeks on `zone`'s clock that put it after `latest`
    (the same local weekday and time of day; a week is an hour short or long across a
    daylight-saving change, so UTC weeks had moved a Berlin midnight to 01:00)."""
    weeks = max((latest - wanted).days // 7, 0)
    while (start := (wanted.astimezone(zone) + timedelta(weeks=weeks)).astimezone(UTC)) \
            <= latest:
        weeks += 1
    return start


def records_from_frame(frame: pd.DataFrame) -> list[CallRecord]:
    """The app's own call records of this run (`read_records_frame`'s)."""
    frame = frame.astype({"outcome": str, "queue": str, "policy": str, "arm": str})
    return [CallRecord(**{name: row[name] for name in RECORD_COLUMNS})
            for row in frame.to_dict("records")]


def split_by_arm(records: list[CallRecord], table: CallTable) -> dict[str, CallTable]:
    """A run's calls per experiment arm, in arm order (one arm, "", outside experiments):
    the rows of `table` (`records`' own, in their order: talk and dial attempts kept), each
    labelled with its arm and the policy its callers heard, as the records carry them."""
    arm_of = np.array([record.arm for record in records], dtype=object)
    policy_of = {record.arm: record.policy for record in records}
    return {arm: replace(table.rows(arm_of == arm), arm=arm, policy=policy_of[arm])
            for arm in sorted(policy_of)}
