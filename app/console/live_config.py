"""Every worker runs the newest config version within seconds of it being saved.

Before a request, at most once per CHECK_EVERY_S in each process, one query reads the active
version number (the request waits for it at most WAIT_S); when it changed, the process rebuilds
its policies from that version. A failure is logged and the worker keeps the config it has.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from flask import Flask, current_app

from app.console import last_config
from app.services import Services, audio_names, configured, load_audio, policies_of
from app.storage import config_versions
from app.storage.deadline import first_line, is_outage, is_unreachable
from app.storage.stranded import stranded_queues
from hold_policies.callback import with_plan
from hold_policies.config import (
    ConfigError,
    HoldwellConfig,
    QueueConfig,
    parse_config,
    same_written,
)
from hold_policies.factory import build_policy

log = logging.getLogger("holdwell.config")
CHECK_EVERY_S = 2.0
WAIT_S = 0.1
"""How long a request waits for the version look-up before going on with what it has."""


class LiveConfig:
    """The version a process runs, and when it last looked for a newer one."""

    def __init__(self, check_every_s: float = CHECK_EVERY_S) -> None:
        self.number: int | None = None
        self.refused: int | None = None  # the version last refused: said once, not re-read
        self.checked_at = float("-inf")
        self.check_every_s = check_every_s
        self.lock = threading.Lock()

    def refresh(self, svc: Services, *, force: bool = False) -> None:
        """Look for a newer version if one is due (or `force`d, after a save).

        A request waits at most WAIT_S for the look-up: a hung database must not cost a voice
        route its time budget, so a slow look-up finishes in the background instead.
        """
        if not force and time.monotonic() - self.checked_at < self.check_every_s:
            return
        if not self.lock.acquire(timeout=1.0 if force else 0):  # someone is already looking
            return
        self.checked_at = time.monotonic()
        looking = threading.Thread(target=self._look, args=(svc,), daemon=True)
        looking.start()
        looking.join(None if force else WAIT_S)

    def _look(self, svc: Services) -> None:
        try:
            with svc.store.engine.connect() as conn:
                number = config_versions.active_number(conn)
            if number is None and self.number is None:  # a worker started without the
                number = seed_from_file(svc)  # database, which answers now with none
            if number is not None and number not in (self.number, self.refused):
                version = config_versions.get(svc.store.engine, number)
                try:
                    config = version.config()
                except ConfigError as error:  # saved by an older release, checked since
                    self.refused = number
                    said = "; ".join(line.strip() for line in str(error).splitlines())
                    log.error("config version %s refused (%s); keeping version %s", number,
                              said, self.number)
                    return
                if self.number is not None:
                    apply(svc, config, before=svc.config)
                else:  # started after the change: the versions before it say what it removed
                    apply(svc, config, before=version_before(svc, number),
                          removed=removed_still_waiting(svc, number, config))
                log.info("now running config version %s", number)
                self.number = number
                last_config.remember(svc.settings.journal_dir, svc.settings.database_url,
                                     number, version.body)
        except Exception as error:
            if is_outage(error):  # the database is away: one line, not a traceback a check
                log.warning("could not check the config version (%s); keeping version %s",
                            first_line(error), self.number)
            else:
                log.exception("could not check the config version; keeping version %s",
                              self.number)
        finally:
            self.lock.release()


def apply(svc: Services, config: HoldwellConfig, before: HoldwellConfig | None = None,
          removed: Mapping[str, QueueConfig] | None = None) -> None:
    """Swap in a config's policies; each attribute is replaced whole, never half-built, and a
    request running meanwhile finds every policy the config it reads may ask for. A queue
    `before` had and `config` has not is retired: kept, at its last settings, for the callers
    still in it; so is each of `removed` (queues removed earlier, at their last settings)."""
    retired = retired_queues({**svc.retired, **(removed or {})}, before, config)
    policies = {(name, policy): with_plan(build_policy(queue, policy), config.callbacks)
                for name, queue in (*retired.items(), *config.queues.items())
                for policy in policies_of(queue)}
    old_config = svc.config
    svc.policies = {**svc.policies, **policies}  # meanwhile both configs find their policies
    svc.retired = {**svc.retired, **retired}
    svc.config = config
    svc.policies = policies
    svc.retired = retired
    svc.store.estimate_window_s = config.estimate.window_s  # how far back waits are measured
    if svc.serves_audio and audio_names(config) - audio_names(old_config):
        svc.audio = load_audio(svc.settings, config)  # clips the new words play
    svc.twiml_cache = {}  # cached documents were rendered from the old words


def retired_queues(retired: dict[str, QueueConfig], before: HoldwellConfig | None,
                   config: HoldwellConfig) -> dict[str, QueueConfig]:
    """The queues removed so far, with those `before` had and `config` drops, less those
    `config` brings back (its settings win)."""
    removed = {name: queue for name, queue in (before.queues.items() if before else ())
               if name not in config.queues}
    return {name: queue for name, queue in {**retired, **removed}.items()
            if name not in config.queues}


def version_before(svc: Services, number: int) -> HoldwellConfig | None:
    """The version saved before `number`, for a process that starts after a change: the
    queues that change removed still serve their callers there (None when there is none,
    or it no longer reads)."""
    previous = config_versions.get(svc.store.engine, number - 1) if number > 1 else None
    try:
        return previous.config() if previous is not None else None
    except ConfigError:
        return None


def removed_still_waiting(svc: Services, number: int,
                          config: HoldwellConfig) -> dict[str, QueueConfig]:
    """For a process that starts after version `number`: the queues it lacks where callers
    still wait (app.storage.stranded), each at the settings of the newest earlier version
    that had it. `version_before` alone knows only the latest change: a queue removed by an
    earlier one (then another queue edited) had been served as the default queue by a
    worker started since, while the workers that ran the removal served it as itself."""
    found: dict[str, QueueConfig] = {}
    try:
        with svc.store.engine.connect() as conn:
            waiting = stranded_queues(conn, config.queues, svc.clock.now())
            for version in config_versions.newest_first(conn) if waiting else ():
                if len(found) == len(waiting):
                    break
                if version.number >= number:
                    continue
                try:
                    queues = version.config().queues
                except ConfigError:  # saved by an older release: an older one may say
                    continue
                found.update({name: queues[name] for name in waiting - found.keys()
                              if name in queues})
    except Exception as error:  # the version itself still runs: never kept from it by this
        log.warning("could not look for callers still waiting in removed queues (%s); "
                    "they are answered as the default queue", first_line(error))
    return found


def install(app: Flask, svc: Services, *, database_away: bool = False) -> LiveConfig:
    """Seed version 1 if needed, run the active version now, and check before each request.

    `database_away`: the worker's first look at the database found it unreachable, so no
    more are made before the worker takes calls (each costs libpq's 2 s connect timeout on
    a network black hole: three in a row had kept a booting worker from callers for 6 s;
    trust audit 35, D2); the first request's check finds the version when it answers."""
    live = LiveConfig(float(app.config.get("HOLDWELL_CONFIG_CHECK_S", CHECK_EVERY_S)))
    app.extensions["holdwell_live_config"] = live
    from_file = svc.config
    if database_away:
        run_last_known(svc)
        return live
    try:
        config_versions.seed(svc.store.engine, svc.config, svc.clock.now(),
                             svc.settings.resolved_config_path())
    except Exception as error:  # one line: the fix is known, a traceback would bury it
        database_away = is_unreachable(error)
        if database_away:  # no schema advice for an outage
            log.error("config versions unavailable: the database cannot be reached or used "
                      "now (%s)", first_line(error))
        else:
            log.error("config versions unavailable (%s): run `holdwell db upgrade`",
                      first_line(error))
    if not database_away:
        live.refresh(svc, force=True)
    if live.number is None:
        run_last_known(svc)
    if live.number is not None and (path := svc.settings.resolved_config_path()) is not None \
            and not same_written(svc.config, from_file):  # the queues' order too
        log.warning("%s differs from the database's active config version %s, which runs "
                    "(the database wins; `holdwell config import %s` makes the file a new "
                    "version)", path, live.number, path)
    return live


def seed_from_file(svc: Services) -> int | None:
    """Version 1 from HOLDWELL_CONFIG (or the built-in defaults) on a database that has
    none, as at a start with the database there: a worker started while it was away had
    never seeded, and ran the version kept for it even once it came back empty (review 35,
    R7). The number now active (another worker's seed may have landed first)."""
    config_versions.seed(svc.store.engine, configured(svc.settings), svc.clock.now(),
                         svc.settings.resolved_config_path())
    with svc.store.engine.connect() as conn:
        return config_versions.active_number(conn)


def run_last_known(svc: Services) -> None:
    """With no version read from the database, the one this host last ran for it, if kept;
    else the file. The version is not taken as read: the first answer re-reads the active
    one, whatever its number (a database made anew may number its versions from 1 again)."""
    kept = last_config.recall(svc.settings.journal_dir, svc.settings.database_url)
    if kept is None:
        log.warning("running %s until the database answers",
                    svc.settings.resolved_config_path() or "the built-in defaults")
        return
    number, body = kept
    try:
        config = parse_config(body, f"config version {number} kept in "
                                    f"{svc.settings.journal_dir}/{last_config.FILE_NAME}")
    except ConfigError as error:
        log.error("%s; running the file until the database answers", first_line(error))
        return
    apply(svc, config)
    log.warning("running config version %s, the last this host ran, until the database "
                "answers", number)


def refresh_now() -> None:
    """Used right after a save, so the worker that saved runs the new version at once."""
    current_app.extensions["holdwell_live_config"].refresh(
        current_app.extensions["holdwell"], force=True)
