"""Everything the routes need, built once in create_app and kept in app.extensions."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from app.clock import Clock, SystemClock
from app.security import SignatureCheck
from app.seldom_warnings import SeldomWarnings
from app.settings import Settings, SettingsError
from app.storage.call_log import CallLogStore
from app.storage.db import absent_sqlite_file, make_engine
from app.storage.journal import Journal
from hold_policies.base import HoldPolicy
from hold_policies.callback import with_plan
from hold_policies.config import HoldwellConfig, QueueConfig, load_config
from hold_policies.factory import build_policy
from hold_policies.steps import is_external_audio

if TYPE_CHECKING:
    from audio.library import AudioLibrary

log = logging.getLogger("holdwell")


UNKNOWN_QUEUES = SeldomWarnings()
"""Per process: a queue removed from the config while callers waited in it was warned of at
every request of theirs (each poll, each key), with the name as sent, however long."""


@dataclass
class Services:
    settings: Settings
    config: HoldwellConfig
    store: CallLogStore
    clock: Clock
    signatures: SignatureCheck
    policies: dict[tuple[str, str], HoldPolicy] = field(default_factory=dict)
    audio: AudioLibrary | None = None  # None: no audio files, every <Play> becomes a <Pause>
    serves_audio: bool = True  # False: a process that plays nothing (the callback worker)
    rest: object | None = None  # twilio.rest.Client, built on first use
    twiml_cache: dict[tuple, str] = field(default_factory=dict)  # see app.twiml.cached_twiml
    retired: dict[str, QueueConfig] = field(default_factory=dict)
    """Queues a config change removed, at their last settings: callers already in one keep
    hearing what they heard (its policy, its language) until they leave; nobody new joins."""

    @property
    def rest_client(self):  # noqa: ANN201 - twilio.rest.Client | None
        """Built lazily: most requests never need Twilio's REST API."""
        if self.rest is None:
            from app.twilio_rest import make_client

            self.rest = make_client(self.settings)
        return self.rest

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None,
              config: HoldwellConfig | None = None) -> Services:
        """Load and validate the config (raising ConfigError) and connect storage lazily."""
        config = config or configured(settings)
        journal = writable_journal(settings)
        if (missing := absent_sqlite_file(settings.database_url)) is not None:
            log.error("DATABASE_URL names %s, which does not exist: check it, or create the "
                      "database with `holdwell db upgrade`; until then callers are answered "
                      "without the call log, and its writes %s", missing,
                      "wait in the journal" if journal else "are lost (no journal)")
        store = CallLogStore(make_engine(settings.database_url, budget_s=settings.db_budget_s,
                                         creates_file=False),
                             estimate_window_s=config.estimate.window_s, journal=journal)
        services = cls(settings=settings, config=config, store=store,
                       clock=clock or SystemClock(),
                       signatures=SignatureCheck(settings.auth_token, settings.public_url))
        for queue_name, queue in config.queues.items():
            for name in policies_of(queue):
                services.policies[(queue_name, name)] = with_plan(build_policy(queue, name),
                                                                 config.callbacks)
        services.audio = load_audio(settings, config)
        return services

    def queue_name(self, requested: str | None, *, joining: bool = False) -> str:
        """A configured queue name; unknown or missing names fall back to the default queue.
        A queue since removed still serves the callers in it, but takes none `joining` it."""
        if requested and (requested in self.config.queues
                          or (not joining and requested in self.retired)):
            return requested
        if requested:  # once, then every ten minutes: a stranded caller polls every minute
            UNKNOWN_QUEUES.warning(log, "unknown queue", requested[:64], self.clock.now(),
                                   "unknown queue %r requested; using %r", requested[:64],
                                   self.config.default_queue)
        return self.config.default_queue

    def queue(self, name: str) -> QueueConfig:
        return self.queue_config(self.queue_name(name))

    def queue_config(self, name: str) -> QueueConfig:
        """The settings of a queue `queue_name` resolved: configured, or removed (its last)."""
        found = self.known_queue(name)
        if found is None:
            raise KeyError(name)
        return found

    def known_queue(self, name: str) -> QueueConfig | None:
        """A queue's settings, configured or removed (its last), as named: None if neither."""
        return self.config.queues.get(name) or self.retired.get(name)

    def queue_languages(self) -> dict[str, str | None]:
        """Each queue's language, a removed one's at its last settings: what a customer of
        its callback is texted in (a Spanish queue removed while a callback was owed had its
        customer texted in English)."""
        return {**{name: queue.language for name, queue in self.retired.items()},
                **self.config.queue_languages()}

    def policy(self, queue: str, name: str | None, arm: str = "") -> HoldPolicy:
        """The named policy of a queue, or the queue's own when the name is unknown; an arm
        that is the queue's variant of that policy gets the variant (its words, its knobs)."""
        queue = self.queue_name(queue)
        variant = self.policies.get((queue, arm)) if arm else None
        if variant is not None and variant.name == name:
            return variant
        return self.policies.get((queue, name or "")) or self.policies[
            (queue, self.queue_config(queue).policy)]


def writable_journal(settings: Settings) -> Journal | None:
    """The journal HOLDWELL_JOURNAL_DIR names, proved writable (SettingsError naming it if
    not), or None when it is turned off."""
    if not settings.journal_dir:
        return None
    journal = Journal(settings.journal_dir, settings.database_url)
    try:
        journal.prove_writable()
    except OSError as error:
        raise SettingsError(f"HOLDWELL_JOURNAL_DIR: {error}; writes the database cannot take "
                            "in time would be lost") from None
    return journal


def configured(settings: Settings) -> HoldwellConfig:
    """The validated config file named by the settings, or the built-in defaults."""
    path = settings.resolved_config_path()
    log.info("holdwell config: %s", path or "built-in defaults (no holdwell.toml)")
    return load_config(path) if path else HoldwellConfig()


def audio_names(config: HoldwellConfig) -> set[str]:
    """Library names the configured policies will <Play> (absolute URLs are not ours)."""
    return {use.audio for queue in config.queues.values() for use in queue.audio_uses()
            if not is_external_audio(use.audio)}


def load_audio(settings: Settings, config: HoldwellConfig) -> AudioLibrary | None:
    """Check the audio folder at start-up; every problem is logged, callers then hear silence.

    With no WAV files at all there is nothing to check, and the audio tools (scipy) are not
    even imported: most deployments of silence and check-ins play no audio.
    """
    required = audio_names(config)
    folder = Path(settings.audio_dir)
    if not folder.is_dir() or not any(folder.glob("*.wav")):
        for name in sorted(required):
            log.warning("audio: no %s.wav in %s; callers will hear silence instead", name, folder)
        return None
    from audio.library import AudioLibrary

    library = AudioLibrary.from_dir(folder, required=sorted(required))
    for problem in library.problems():
        if required or "does not exist" not in problem:
            log.warning("audio: %s", problem)
    return library


def policies_of(queue: QueueConfig) -> set[str]:
    """The policies and variants to build for a queue: one object per name a call may carry."""
    return queue.heard_names()


def services() -> Services:
    return current_app.extensions["holdwell"]


