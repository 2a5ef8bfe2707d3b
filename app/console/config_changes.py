"""Every configuration change is a new numbered version: policies, experiments, roll-backs
and imports all go through `save`, so each is validated, audited and picked up by workers."""

from __future__ import annotations

import difflib
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from app.api.models import ConfigVersionDetail, ConfigVersionInfo, VersionsResponse
from app.console.audio_warnings import every_missing_clip, missing_clips
from app.console.split_treatments import describe_arms, treatments
from app.console.toml_writer import dumps
from app.services import Services
from app.storage import config_versions
from app.storage.config_versions import ConfigVersion
from hold_policies.config import (
    AS_WRITTEN,
    ConfigError,
    HoldwellConfig,
    QueueConfig,
    every_problem,
    same_written,
    written,
)

SAVE_TRIES = 10
SAVE_PAUSE_S = 0.01
"""The first retry's longest pause; it doubles each try up to 16 times this."""


class UnknownVersion(LookupError):
    """No config version with that number."""


class VersionConflict(Exception):
    """The queue changed since the form (or API client) read it: saving would silently undo
    that change, so the save is refused and the person reviews the newer settings first."""

    def __init__(self, queue: str, active: ConfigVersion) -> None:
        super().__init__(f"queue {queue!r} changed since you opened it (version "
                         f"{active.number} by {active.author})")
        self.queue = queue
        self.active = active


class BaseVersionUnknown(VersionConflict):
    """A base version that was never stored (newer than the active one): a client's mistake,
    not someone else's change, so the API says so (422) where a conflict would be a 409."""

    def __init__(self, base_version: int, active: ConfigVersion | None) -> None:
        Exception.__init__(self, f"no config version {base_version} (the active one is "
                           f"{active.number if active else 'none yet'})")
        self.queue, self.active = "", active


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
    return active_with_number(svc)[1]


def active_with_number(svc: Services) -> tuple[int | None, HoldwellConfig]:
    """The active version's number and config, read together: what a confirmation page
    shows and the version its form says was reviewed."""
    version = config_versions.get(svc.store.engine)
    return (version.number, config_of(version)) if version else (None, svc.config)


def active_number(svc: Services) -> int | None:
    """The active version's number: what an editor's form or GET says it was based on."""
    with svc.store.engine.connect() as conn:
        return config_versions.active_number(conn)


def checked(config: HoldwellConfig) -> HoldwellConfig:
    """`config` validated as it will be stored and said.

    A pydantic ValidationError (not ConfigError): the console and the API answer it with a
    422 naming the key, also for rules across keys (callbacks need line.support_number)."""
    return HoldwellConfig.model_validate(config_versions.body_of(config),
                                         context={AS_WRITTEN: True})


def problems_with(config: HoldwellConfig, queue: str,
                  table: Mapping[str, Any]) -> ValidationError | None:
    """Every problem of the config a save of `queue` would make, its table being `table` as
    sent (a form's boxes over the queue, a PUT's or PATCH's settings; not yet validated), as
    `config check` names them in a file (hold_policies.config.every_problem); None: none.

    What a refused save says: a save stops at the first stage that fails, and pydantic
    checks a table across its keys only once every key in it is valid, so the rules a bad
    key keeps from running would be told one save later; checked again with that key left
    out, a rule that reads it judged its old value or its default, and named problems the
    save did not have. Here a rule is told unless it reads a refused key."""
    body = config_versions.body_of(config)
    body["queues"] = {**body.get("queues", {}), queue: table}
    return every_problem(body, as_written=True, strict=False)


def save(svc: Services, config: HoldwellConfig, *, actor: str, note: str,
         after: int | None = None) -> ConfigVersion:
    """Store `config` as the next version and run it in this worker at once (with `after`:
    only if that version, the one `config` was built from, is still active)."""
    return _store(svc, checked(config), actor=actor, note=note, after=after)


def _store(svc: Services, config: HoldwellConfig, *, actor: str, note: str,
           after: int | None) -> ConfigVersion:
    """Store an already `checked` config and run it in this worker at once."""
    from app.console.live_config import refresh_now

    version = config_versions.add(svc.store.engine, config, author=actor, note=note,
                                  now=svc.clock.now(), after=after)
    refresh_now()
    return version


def check_base(svc: Services, queue: str, base_version: int | None,
               active: ConfigVersion | None) -> None:
    """Refuse (VersionConflict) when the queue's settings in `active` differ from those in
    `base_version`, the version the editor started from. Changes to other queues are no
    conflict: saving replaces this queue only, so they are kept."""
    if base_version is None or (active is not None and active.number == base_version):
        return
    if active is None or base_version > active.number:
        raise BaseVersionUnknown(base_version, active)
    base = config_versions.get(svc.store.engine, base_version)
    if base is None or _queue_in(base, queue) != _queue_in(active, queue):
        raise VersionConflict(queue, active)


def _queue_in(version: ConfigVersion, queue: str) -> QueueConfig | None:
    try:
        return config_of(version).queues.get(queue)
    except StoredVersionInvalid:
        return None


QueueChange = Callable[[QueueConfig], QueueConfig]
"""A change to one queue as a function of its current settings, so a save that has to
retry (another version landed first) applies it to that newer version, never re-stores a
stale copy of the queue that would undo the other save."""


def replace_with(settings: QueueConfig) -> QueueChange:
    """The change that makes the queue exactly `settings` (a whole-queue edit)."""
    return lambda _current: settings


@dataclass(frozen=True)
class Saved:
    """The version a save left active; `changed` is False when the queue already had those
    settings: then no version was added (an untouched form, a second "stop"). `warnings`:
    what of the settings saved loads but likely does nothing (HoldwellConfig.warnings),
    for the console's flash and the API's answer alike."""

    version: ConfigVersion
    changed: bool
    warnings: tuple[str, ...] = ()


def save_queue(svc: Services, queue: str, change: QueueChange, *, actor: str,
               note: str, base_version: int | None = None,
               own_repeat_unchanged: bool = False) -> Saved:
    """Apply `change` to one queue of the active config, as a new version unless it changes
    nothing; with `base_version`, only if nobody changed this queue since that version
    (`own_repeat_unchanged`: unless the change since is `actor`'s own to these very
    settings, a form sent twice, which is then no change)."""
    def attempt() -> Saved:
        version = config_versions.get(svc.store.engine)  # read once: built on exactly it
        current = config_of(version) if version else svc.config
        before = current.queues.get(queue)
        if before is None:
            raise UnknownVersion(f"no queue named {queue!r}")
        try:
            check_base(svc, queue, base_version, version)
        except VersionConflict as conflict:
            if not own_repeat_unchanged or not _repeated(conflict, actor, change(before),
                                                          before):
                raise
        proposed = checked(current.model_copy(
            update={"queues": {**current.queues, queue: change(before)}}))
        warnings = tuple([*proposed.queues[queue].warnings(queue),
                          *missing_clips(svc, queue, proposed.queues[queue]),
                          *count_restarted(queue, before, proposed.queues[queue]),
                          *sizes_left_on_twilio(current, proposed)])
        if version is not None and same_settings(proposed.queues[queue], before):
            return Saved(version, changed=False, warnings=warnings)
        return Saved(_store(svc, proposed, actor=actor, note=note or f"{queue}: policy "
                            "settings", after=version.number if version else 0), True,
                     warnings)

    return in_turn(attempt)


def _repeated(conflict: VersionConflict, actor: str, settings: QueueConfig,
              active: QueueConfig) -> bool:
    """The change that moved the queue on is this person's own save of these very settings:
    a second press of Enter sent the form twice, and the repeat had been refused as someone
    else's change, under the first's "Saved" (console audit 34, D3). Storing it again undoes
    nobody's change, so it is "No change"; another person's identical save is still shown.
    Only the policy form asks this: a second stop of a split is refused with what runs now,
    and the API's base_version keeps its plain 409."""
    return type(conflict) is VersionConflict and conflict.active is not None and \
        conflict.active.author == actor and same_settings(settings, active)


def count_restarted(queue: str, before: QueueConfig, after: QueueConfig) -> list[str]:
    """A save that changes what a running split's callers hear starts its count again: the
    Experiments page's results had vanished after such a save with no word before or after."""
    if before.experiment is None or before.experiment != after.experiment or \
            treatments(written(before)) == treatments(written(after)):
        return []
    return [f"queues.{queue} runs an A/B split, and this changes what its callers hear: the "
            "split's counts start again from this version (Experiments shows since when)"]


def calls_moved(before: HoldwellConfig | None, after: HoldwellConfig) -> list[str]:
    """Calls that another queue answers from this version on, which no changed line of a
    queue says: those that name no queue, when the default queue moves, and those whose
    webhook names a queue this version removes; and a queue's new size, which Twilio's
    queue takes only from `holdwell twilio setup`."""
    return [*default_queue_moved(before, after), *queues_removed(before, after),
            *sizes_left_on_twilio(before, after)]


def unsaid_by_the_diff(before: HoldwellConfig | None, after: HoldwellConfig) -> list[str]:
    """What a new version does that its diff does not say in words, warned of by a roll-back
    (before and after) and by `holdwell config import`: calls moved, splits ended, and a
    running split's counts restarted (count_restarted, as the policy form says it)."""
    return [*calls_moved(before, after), *splits_ended(before, after),
            *(said for name, queue in (before.queues.items() if before is not None else ())
              if name in after.queues
              for said in count_restarted(name, queue, after.queues[name]))]


def splits_ended(before: HoldwellConfig | None, after: HoldwellConfig) -> list[str]:
    """Each running A/B split a roll-back or an import stops or changes: its queue's other
    settings may be all the operator meant to change, and the diff showed only an
    [experiment] table gone (a roll-back to mend one prompt had ended another queue's
    experiment without a word; so did an import of a file written before the split)."""
    ended = []
    for name, queue in (before.queues.items() if before is not None else ()):
        later = after.queues.get(name)
        if queue.experiment is None or later is None or later.experiment == queue.experiment:
            continue  # a removed queue is said by queues_removed
        running = describe_arms(queue.experiment.arms)
        ended.append(
            f"the A/B split on {name} ({running}) stops: every new caller there hears its "
            f"policy, {later.policy}; the counts so far stay in the call log"
            if later.experiment is None else
            f"the A/B split on {name} ({running}) draws its callers anew (its salt changes): "
            f"its counts start again"
            if later.experiment.arms == queue.experiment.arms else
            f"the A/B split on {name} changes from {running} to "
            f"{describe_arms(later.experiment.arms)}: its counts start again")
    return ended


def sizes_left_on_twilio(before: HoldwellConfig | None, after: HoldwellConfig) -> list[str]:
    """Each queue whose max_size this version changes: only `holdwell twilio setup` sends it
    to Twilio (the app never resizes a queue), so Twilio holds callers, and answers
    queue-full, at the size it has. A save had said "every worker runs it" and no more."""
    old = before.queues if before is not None else {}
    return [f"queues.{name}.max_size is now {queue.max_size} (was {old[name].max_size}), but "
            f"Twilio's queue keeps the size it has until `holdwell twilio setup` is run: the "
            "app never resizes it, and Twilio turns callers away as full (and the overflow's "
            "when_full offer is heard) only at the size it has"
            for name, queue in after.queues.items()
            if name in old and old[name].max_size != queue.max_size]


def default_queue_moved(before: HoldwellConfig | None, after: HoldwellConfig) -> list[str]:
    """Calls that name no queue (`/voice/incoming` with no `?queue=`) answered by another
    queue from this version on: a file's queues in another order, or a version stored with
    its queues sorted, moves them without a changed line in any queue (a roll-back to such a
    version had done it without a word)."""
    if before is None or before.default_queue == after.default_queue:
        return []
    why = "line.default_queue says so" if after.line.default_queue else \
        "the first [queues] table, line.default_queue not being set"
    return [f"calls that name no queue (no ?queue= on the number's webhook) will be answered "
            f"by queue {after.default_queue!r} ({why}), no longer by "
            f"{before.default_queue!r}"]


def queues_removed(before: HoldwellConfig | None, after: HoldwellConfig) -> list[str]:
    """A queue this version removes: a number whose webhook still names it is answered by the
    default queue, with nothing on the line to say so (a roll-back to a version without it
    had removed it with only the diff's lines)."""
    gone = sorted(set(before.queues) - set(after.queues)) if before is not None else []
    return [f"queue {name!r} is removed: calls whose webhook names it (?queue={name}) will be "
            f"answered by queue {after.default_queue!r}; point the number at a queue that "
            "runs (holdwell twilio setup)" for name in gone]


def in_turn(attempt: Callable[[], Saved]) -> Saved:
    """`attempt()`, built on the active version and stored only while it still is: read
    and built again when another save came in between (ActiveMoved), after a random pause
    that grows try by try (savers retrying in step had collided again: eight at once ran
    out of five tries), and SavesCollided when they keep colliding."""
    for tries in range(SAVE_TRIES):
        try:
            return attempt()
        except config_versions.ActiveMoved:
            time.sleep(random.uniform(0, SAVE_PAUSE_S * 2 ** min(tries, 4)))
    raise config_versions.SavesCollided(f"other config saves kept landing first ({SAVE_TRIES} "
                                        "tries): nothing was stored; send it again")


def same_settings(new: BaseModel, old: BaseModel) -> bool:
    """Stored alike (hold_policies.config.same_written): what "no change" means for a
    queue's save, a roll-back and `config import`. Compared as effective values, a file's
    queues in another order (another default queue) and a voice pinned or left to the
    language had been "no change", and the version that would fix them was never added."""
    return same_written(new, old)


def rollback(svc: Services, number: int, *, actor: str, note: str,
             reviewed: int | None = None) -> Saved:
    """Make version `number`'s settings active again, as a new version; none is added when
    the active version already runs them (`changed` False). With `reviewed` (the active
    version the operator's confirmation compared against), only while that is still the
    active one, checked as the version is stored: else ActiveMoved. (Checked before, a save
    landing in between was undone without a word.)"""
    old = config_versions.get(svc.store.engine, number)
    if old is None:
        raise UnknownVersion(f"no config version {number}")
    settings = config_of(old)
    warnings = tuple([*settings.warnings(), *every_missing_clip(svc, settings)])

    def attempt() -> Saved:
        active = config_versions.get(svc.store.engine)
        now = active.number if active is not None else 0
        if reviewed is not None and reviewed > now:
            raise BaseVersionUnknown(reviewed, active)
        if reviewed is not None and reviewed != now:
            raise config_versions.ActiveMoved(f"version {now} became active after {reviewed}")
        if active is not None and same_settings(settings, config_of(active)):
            return Saved(active, changed=False, warnings=warnings)
        running = config_of(active) if active else None
        moved = unsaid_by_the_diff(running, settings)
        return Saved(save(svc, settings, actor=actor,
                          note=config_versions.shortened(f"roll back to version {number}"
                                                       + (f": {note}" if note else "")),
                          after=now),
                     changed=True, warnings=(*moved, *warnings))

    return attempt() if reviewed is not None else in_turn(attempt)  # reviewed: a move is
    # refused, never built again on a version the operator did not see


def toml_of(version: ConfigVersion | None) -> str:
    """The version as it runs, defaults included (a version stored as "all defaults" has an
    empty body, which would read as an empty config), as `config export --effective` writes
    it: a voice only where the operator set it, so pinning the language's own voice, or
    leaving it to the language again, shows in a diff (it had read "no difference"); the
    stored body if it no longer loads."""
    if version is None:
        return ""
    try:
        return dumps(config_versions.effective_body(config_of(version)))
    except StoredVersionInvalid:
        return dumps(version.body)


def _diff(old: ConfigVersion | None, new: ConfigVersion, old_name: str, new_name: str) -> str:
    lines = difflib.unified_diff(toml_of(old).splitlines(), toml_of(new).splitlines(),
                                 old_name, new_name, lineterm="")
    return "\n".join(lines)


def info(version: ConfigVersion) -> ConfigVersionInfo:
    return ConfigVersionInfo(number=version.number, created_at=version.created_at,
                             author=version.author, note=version.note)


def versions(svc: Services, before: int | None = None) -> VersionsResponse:
    """The newest page of versions, or the page below `before`, saying what lies beyond it."""
    return _listing(config_versions.history(svc.store.engine, before=before))


def _listing(page: config_versions.History) -> VersionsResponse:
    return VersionsResponse(active=page.active, versions=[info(v) for v in page.versions],
                            total=page.total, next_before=page.versions[-1].number
                            if page.older else None)


def detail(svc: Services, number: int) -> ConfigVersionDetail:
    """A version as TOML, with the unified diff against the version before it (none for the
    first version: there is nothing before it, the whole TOML is what it set)."""
    version = _get(svc, number)
    before = config_versions.get(svc.store.engine, number - 1) if number > 1 else None
    diff = _diff(before, version, f"version {number - 1}", f"version {number}") if before else ""
    return ConfigVersionDetail(**info(version).model_dump(), toml=toml_of(version), diff=diff)


def is_built_in_defaults(svc: Services, number: int) -> bool:
    """True for a version that sets nothing: it runs the built-in defaults (the seed of a
    database started without HOLDWELL_CONFIG), which the page says in words."""
    version = config_versions.get(svc.store.engine, number)
    return version is not None and not any(version.body.values())


def _get(svc: Services, number: int) -> ConfigVersion:
    version = config_versions.get(svc.store.engine, number)
    if version is None:
        raise UnknownVersion(f"no config version {number}")
    return version


@dataclass(frozen=True)
class RollbackPreview:
    """What rolling back to `target` would change in the running (active) config."""

    target: ConfigVersionInfo
    active: ConfigVersionInfo
    diff: str  # unified diff, active -> target; empty when they are the same
    warnings: tuple[str, ...] = ()  # what the diff does not say (unsaid_by_the_diff)
    same: bool = False  # the active version runs the target's settings: nothing to roll back


def rollback_preview(svc: Services, number: int) -> RollbackPreview:
    """Shown before a roll-back is confirmed, so nobody rolls back blind."""
    target, active = _get(svc, number), config_versions.get(svc.store.engine)
    running, settings = loaded(active), loaded(target)  # each parsed once, for both uses
    # a version today's checks refuse: the diff still shows it; rolling back says why not
    moved = unsaid_by_the_diff(running, settings) \
        if running is not None and settings is not None else []
    return RollbackPreview(info(target), info(active), _diff(
        active, target, f"version {active.number} (active)", f"version {number}"),
        tuple(moved), runs_settings(running, settings))


def loaded(version: ConfigVersion | None) -> HoldwellConfig | None:
    """The version's config; None for no version, or one today's checks refuse."""
    try:
        return config_of(version) if version is not None else None
    except StoredVersionInvalid:
        return None


def runs_settings(running: HoldwellConfig | None, settings: HoldwellConfig | None) -> bool:
    """Whether the `running` config already runs a version's `settings` (`loaded`), so a
    roll-back to it would add no version: the confirmation page says so, and the versions
    page offers none. A version today's checks refuse (None) never does (rolling back to
    it says why it cannot)."""
    return running is not None and settings is not None and same_settings(settings, running)


def versions_with_running(svc: Services, before: int | None = None
                          ) -> tuple[VersionsResponse, frozenset[int]]:
    """The versions page's listing (as `versions`, from one read), and the versions on it,
    but the active one, whose settings the active version runs: the page offers no
    roll-back to them (their confirmation had said "same settings" and offered no button)."""
    page = config_versions.history(svc.store.engine, before=before)
    active = config_versions.get(svc.store.engine, page.active) if page.active else None
    running = loaded(active)
    return _listing(page), frozenset(v.number for v in page.versions
                                     if v.number != page.active
                                     and runs_settings(running, loaded(v)))
