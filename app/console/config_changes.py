"""Every configuration change is a new numbered version: policies, experiments, roll-backs
and imports all go through `save`, so each is validated, audited and picked up by workers."""

from __future__ import annotations

import difflib

from app.api.models import ConfigVersionDetail, ConfigVersionInfo, VersionsResponse
from app.console.toml_writer import dumps
from app.services import Services
from app.storage import config_versions
from app.storage.config_versions import ConfigVersion
from hold_policies.config import ConfigError, HoldwellConfig, QueueConfig


class UnknownVersion(LookupError):
    """No config version with that number."""


class StoredVersionInvalid(ValueError):
    """A stored version today's checks refuse (saved before a check was added): it cannot be
    edited or rolled back to, only replaced; the message says which key and how."""


def config_of(version: ConfigVersion) -> HoldwellConfig:
    """The version's config, or StoredVersionInvalid saying why it cannot be used."""
    try:
        return version.config()
    except ConfigError as error:
        raise StoredVersionInvalid(
            f"config version {version.number} no longer passes today's checks ({error}); "
            "roll back to a version that does, or import a corrected file") from error


def active_config(svc: Services) -> HoldwellConfig:
    """The active version from the database (the file's config if there is none yet)."""
    version = config_versions.get(svc.store.engine)
    return config_of(version) if version else svc.config


def save(svc: Services, config: HoldwellConfig, *, actor: str, note: str) -> ConfigVersion:
    """Store `config` as the next version and run it in this worker at once."""
    from app.console.live_config import refresh_now

    # A pydantic ValidationError (not ConfigError): the console and the API answer it with a
    # 422 naming the key, also for rules across keys (callbacks need line.support_number).
    checked = HoldwellConfig.model_validate(config_versions.body_of(config))
    version = config_versions.add(svc.store.engine, checked, author=actor, note=note,
                                  now=svc.clock.now())
    refresh_now()
    return version


def save_queue(svc: Services, queue: str, settings: QueueConfig, *, actor: str,
               note: str) -> ConfigVersion:
    """Replace one queue's settings in the active config, as a new version."""
    current = active_config(svc)
    if queue not in current.queues:
        raise UnknownVersion(f"no queue named {queue!r}")
    queues = {**current.queues, queue: settings}
    return save(svc, current.model_copy(update={"queues": queues}), actor=actor,
                note=note or f"{queue}: policy settings")


def rollback(svc: Services, number: int, *, actor: str, note: str) -> ConfigVersion:
    old = config_versions.get(svc.store.engine, number)
    if old is None:
        raise UnknownVersion(f"no config version {number}")
    return save(svc, config_of(old), actor=actor, note=note or f"roll back to version {number}")


def toml_of(version: ConfigVersion | None) -> str:
    return dumps(version.body) if version else ""


def info(version: ConfigVersion) -> ConfigVersionInfo:
    return ConfigVersionInfo(number=version.number, created_at=version.created_at,
                             author=version.author, note=version.note)


def versions(svc: Services) -> VersionsResponse:
    history = config_versions.history(svc.store.engine)
    return VersionsResponse(active=history[0].number if history else None,
                            versions=[info(v) for v in history])


def detail(svc: Services, number: int) -> ConfigVersionDetail:
    """A version as TOML, with the unified diff against the version before it."""
    version = config_versions.get(svc.store.engine, number)
    if version is None:
        raise UnknownVersion(f"no config version {number}")
    before = config_versions.get(svc.store.engine, number - 1) if number > 1 else None
    diff = difflib.unified_diff(toml_of(before).splitlines(), toml_of(version).splitlines(),
                                f"version {number - 1}", f"version {number}", lineterm="")
    return ConfigVersionDetail(**info(version).model_dump(), toml=toml_of(version),
                               diff="\n".join(diff))
