"""The `holdwell` command: thin wrappers over library functions."""

from __future__ import annotations

import errno
import importlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping

import click

from cli.config_input import config_path, read_config, source_name
from cli.console_commands import config_export, config_import
from cli.database import (
    cannot_use,
    database_url,
    error_said,
    safe_url,
    schema_revision,
)
from cli.params import FiniteFloatRange
from cli.reader_gone import forgive_readers_leaving
from hold_policies.config import ConfigError

LAZY_COMMANDS = {
    "audio": "cli.audio_commands:audio",
    "report": "cli.report_commands:report_command",
    "export": "cli.report_commands:export_command",
    "simulate": "cli.simulate_commands:simulate_command",
    "compare": "cli.simulate_commands:compare_command",
    "erlang": "cli.simulate_commands:erlang_command",
    "fit": "cli.twin_commands:fit_command",
    "backtest": "cli.twin_commands:backtest_command",
    "staffing": "cli.twin_commands:staffing_command",
    "promise": "cli.twin_commands:promise_command",
    "whatif": "cli.twin_commands:whatif_command",
    "users": "cli.console_commands:users",
    "privacy": "cli.privacy_commands:privacy",
    "audit": "cli.audit_commands:audit",
    "twilio": "cli.twilio_commands:twilio",
}
"""Commands imported only when used, so `holdwell config check` never loads scipy or pandas."""


class LazyGroup(click.Group):
    """A click group whose heavier commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log at INFO level (default: warnings).")
def cli(verbose: bool) -> None:
    """holdwell: hold policies that respect the caller, live on Twilio and simulated."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@cli.group()
def config() -> None:
    """Check hold-policy configuration files; import and export the database's versions."""


@config.command("check")
@click.argument("path", type=config_path())
@click.option("--all-defaults", is_flag=True,
              help="PATH sets nothing (empty, or comments only) on purpose: every setting at "
                   "its built-in default.")
def config_check(path: str, all_defaults: bool) -> None:
    """Validate PATH (- for standard input); name every bad key, its value and what is
    allowed. A file that sets nothing is refused, as `config import` refuses it, unless
    --all-defaults."""
    from hold_policies.config import sets_nothing

    try:
        loaded, _ = read_config(path, as_written=True)
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    if not all_defaults and (empty := sets_nothing(loaded, source_name(path))):
        click.echo(f"{empty} Pass --all-defaults if that is meant (`config import` refuses "
                   "it without it too)", err=True)
        sys.exit(1)
    for name, queue in loaded.queues.items():
        arms = f" (A/B split: {split_said(queue.experiment.arms)})" if queue.experiment else ""
        click.echo(f"queue {name}: policy {queue.policy}{arms}")
    for warning in loaded.warnings():
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{source_name(path)}: OK, {len(loaded.queues)} queue(s)")


def split_said(arms: Mapping[str, float]) -> str:
    """A split's weights with each arm's share of callers, as the Experiments page says it
    ("checkin 50 (56%), music_ads 40 (44%)"): weights are relative, and `check` had echoed
    `{'checkin': 50.0, 'music_ads': 40.0}`, so 50 and 40 meant as percentages passed unseen."""
    from hold_policies.experiment import shares

    share = shares(arms)
    return ", ".join(f"{arm} {weight:g} ({100 * share[arm]:.0f}%)" for arm, weight in arms.items())


config.add_command(config_import)
config.add_command(config_export)


@cli.group()
def db() -> None:
    """Manage the call-log database schema (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the tables at DATABASE_URL."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from app.storage.migrate import (
        UnfinishedUpgrade,
        head_revision,
        recreate_missing_tables,
        upgrade,
    )

    url = database_url()
    before = None
    try:
        before = schema_revision(url)
        moving = before not in ("base", head_revision())
        if moving:
            click.echo(f"upgrading the database at {safe_url(url)} from revision {before} in "
                       "one transaction (a large log takes minutes; stopped, it is left as "
                       "it was)", err=True)
        upgrade(url, revision, progress=_step_done() if moving else None)
        recreated = recreate_missing_tables(url) if revision == "head" else []
        after = schema_revision(url)
    except (SQLAlchemyError, ImportError) as error:  # ImportError: no driver for the URL
        if (stop := interruption(error)) is not None:  # its clean-up's error hid the stop
            _say_left_as_it_was(url, before)
            raise stop from None
        hint = UNSTAMPED_HINT if before == "base" and has_call_log(url) else ""
        raise click.ClickException(
            f"DATABASE_URL: cannot upgrade the database at {safe_url(url)}: "
            f"{error_said(url, error)}{hint}") from None
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, SIGTERM (exit_on_sigterm)
        _say_left_as_it_was(url, before)
        raise
    except CommandError as error:  # a revision Alembic cannot find: asked for, or stored
        raise click.ClickException(database_problem(url, error) if isinstance(
            error, UnfinishedUpgrade) else revision_problem(url, revision, before, error)
        ) from None
    for table in recreated:
        click.echo(f"recreated missing table {table} (it was dropped after its migration ran)")
    back = after == before and revision not in ("head", "heads") \
        and not after.startswith(revision)
    unchanged = f" (unchanged: `upgrade` never moves a database back to {revision})" \
        if back else ""
    click.echo(f"database at {safe_url(url)} is at revision {after}{unchanged}")


def _say_left_as_it_was(url: str, before: str | None) -> None:
    click.echo(f"interrupted: the database at {safe_url(url)} is left at revision {before}, "
               "as it was (the upgrade is one transaction); run `holdwell db upgrade` again",
               err=True)


def interruption(error: BaseException) -> BaseException | None:
    """The Ctrl-C or SIGTERM (SystemExit) an error was raised while handling, if any."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt | SystemExit):
            return seen
        seen = seen.__context__
    return None


def _step_done() -> Callable[[str], None]:
    """Each migration's line on stderr as it finishes, with the seconds it took."""
    import time

    started = [time.monotonic()]

    def say(step: str) -> None:
        now = time.monotonic()
        click.echo(f"  ran {step} ({now - started[0]:.1f} s)", err=True)
        started[0] = now

    return say


def revision_problem(url: str, asked: str, stored: str | None, error: Exception) -> str:
    """Which revision Alembic could not find: the one asked for (REVISION), or the one the
    database holds (newer code migrated it: this code cannot move it anywhere)."""
    from app.health import known_revisions
    from app.storage.deadline import first_line

    if stored is None:
        try:
            stored = schema_revision(url)
        except Exception:  # noqa: BLE001 - the message below still names the problem
            stored = None
    if asked not in known_revisions() | {"head", "heads", "base"}:
        return f"REVISION: {asked!r} is not a revision this code ships"
    if stored not in (None, "base") and stored not in known_revisions():
        return (f"DATABASE_URL: the database at {safe_url(url)} is at schema revision "
                f"{stored}, which this code does not know (newer code migrated it?): deploy "
                f"the code that ships it, or restore a database this code can read")
    return f"DATABASE_URL: {first_line(error)}"


UNSTAMPED_HINT = (
    "; the database holds holdwell's tables but no Alembic revision (they were made another "
    "way, not by `holdwell db upgrade`): if they are this version's schema, "
    "`holdwell db stamp head` marks them current; otherwise move them aside and upgrade again")


def has_call_log(url: str) -> bool:
    """Whether the database has the call log's table (asked when Alembic had no revision
    for it: the tables were made another way)."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.storage.migrate import table_names

    try:
        return "calls" in table_names(url)
    except SQLAlchemyError:
        return False


@db.command("stamp")
@click.argument("revision")
@click.option("--again", is_flag=True, help="Mark a database that already has a revision "
              "anew (one stamped wrongly before); nothing is migrated.")
def db_stamp(revision: str, again: bool) -> None:
    """Mark the database at DATABASE_URL as at REVISION without running migrations (for
    tables made another way that already match it)."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from app.storage.migrate import stamp, table_names

    url = database_url()
    refuse_to_stamp(url, revision)
    try:  # unreachable, no such database, no driver: said below, as for the stamp itself
        if revision != "base" and "calls" not in table_names(url):
            raise click.ClickException(
                f"DATABASE_URL: the database at {safe_url(url)} holds no call log to mark: "
                f"`holdwell db upgrade` creates its tables (stamp is for tables made another "
                f"way)")
        before = schema_revision(url)
        if before != "base" and not again:  # an upgraded database: a stamp back had made
            refuse_to_mark_again(url, before, revision)  # every command ask for an upgrade
            return  # that then failed
        stamp(url, revision)
        after = schema_revision(url)
    except (SQLAlchemyError, ImportError) as error:
        raise click.ClickException(
            f"DATABASE_URL: cannot stamp the database at {safe_url(url)}: "
            f"{error_said(url, error)}") from None
    except CommandError as error:  # an unknown revision: asked for, or stored
        raise click.ClickException(revision_problem(url, revision, None, error)) from None
    click.echo(f"database at {safe_url(url)} is marked at revision {after}")


def refuse_to_mark_again(url: str, before: str, revision: str) -> None:
    """A database that has a revision is migrated, not stamped: the same revision is said
    and nothing done; another (older: every later migration would run again, failing on its
    own columns; newer: those never ran) is refused, the database untouched."""
    from app.health import known_revisions
    from app.storage.migrate import head_revision

    if before not in known_revisions():  # newer code migrated it: said as every command does
        raise click.ClickException(revision_problem(url, revision, before, LookupError(before)))
    wanted = head_revision() if revision in ("head", "heads") else revision
    if wanted == before:
        click.echo(f"database at {safe_url(url)} is already at revision {before}; nothing "
                   "to mark")
        return
    raise click.ClickException(
        f"REVISION: the database at {safe_url(url)} is already at revision {before}; stamp "
        "marks only tables made another way (no revision): `holdwell db upgrade` takes it "
        "forward; if it was stamped wrongly, `holdwell db stamp REVISION --again` marks it "
        "anew; nothing was changed")


def refuse_to_stamp(url: str, revision: str) -> None:
    """Stamp marks tables that exist: before touching the database, refuse a revision this
    code does not ship and a SQLite file that is not there (each had left a new database
    holding only a revision, which a later upgrade reported as eleven tables "dropped after
    its migration ran"; `db_stamp` refuses a database without the call log likewise)."""
    from app.health import known_revisions
    from app.storage.db import absent_sqlite_file

    if revision not in known_revisions() | {"head", "heads", "base"}:
        raise click.ClickException(f"REVISION: {revision!r} is not a revision this code ships")
    missing_file = absent_sqlite_file(url)
    if missing_file is not None:
        raise click.ClickException(f"DATABASE_URL: no database at {safe_url(url)} to stamp: "
                                   f"{missing_file} does not exist (`holdwell db upgrade` "
                                   f"creates it)")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Run the development server (production: gunicorn, see the Procfile)."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from app import create_app
    from app.settings import SettingsError
    from app.storage.migrate import upgrade

    url = database_url()
    try:
        upgrade(url)  # a database it cannot use is said first, as before
        bindable(host, port)
        application = create_app()
    except (ConfigError, SettingsError) as error:
        click.echo(f"holdwell cannot start: {named_by_variable(error)}", err=True)
        sys.exit(1)
    except (SQLAlchemyError, ImportError, CommandError) as error:  # ImportError: no driver
        raise click.ClickException(database_problem(url, error)) from None
    application.run(host=host, port=port)


def bindable(host: str, port: int) -> None:
    """Refuse, naming the option, a --host no address is found for or that is not this
    machine's, and a --port taken or not allowed, before the app starts: the development
    server had printed only "Name or service not known" or "Cannot assign requested
    address", naming neither the option nor its value."""
    import socket

    from werkzeug.serving import select_address_family

    try:  # the address family the development server will bind (IPv4 unless the host has a
        # ':'): the first of any family had been probed, and a 'localhost' whose ::1 this
        # machine lacks (IPv6 off, /etc/hosts still naming it) was refused, though served
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, select_address_family(host, port), socket.SOCK_STREAM,
            flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise click.BadParameter(f"no address found for {host!r} ({error.args[-1]}); give "
                                 "an address of this machine, e.g. 127.0.0.1, or 0.0.0.0 "
                                 "for every interface", param_hint="--host") from None
    probe = socket.socket(family, kind, proto)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        probe.bind(address)
    except OSError as error:
        said = {errno.EADDRINUSE: ("--port", f"port {port} is in use by another program on "
                                             f"{host}; stop it or give another port"),
                errno.EACCES: ("--port", f"port {port} needs privileges this user lacks "
                                         "(ports under 1024 usually do); give one from 1024"),
                errno.EADDRNOTAVAIL: ("--host", f"{host!r} is not an address of this "
                                                "machine; give one of its own, e.g. "
                                                "127.0.0.1, or 0.0.0.0 for every interface")}
        option, words = said.get(error.errno, ("--host", f"cannot listen on {host} port "
                                                         f"{port}: {error.strerror or error}"))
        raise click.BadParameter(words, param_hint=option) from None
    finally:
        probe.close()


def named_by_variable(error: Exception) -> str:
    """A config file's problem with the variable that named the file, when one did
    (HOLDWELL_CONFIG=/etc/x.toml: "/etc/x.toml: no such config file"): "holdwell cannot start:
    x.toml: no such config file" had not said where the name came from."""
    from app.settings import path_setting

    named = path_setting(os.environ, "HOLDWELL_CONFIG")
    said = str(error)
    if isinstance(error, ConfigError) and named and said.startswith(f"{named}:"):
        return f"HOLDWELL_CONFIG={said}"
    return said


DEMO_FILE = "holdwell-demo.db"


@cli.command()
@click.option("--calls", "rounds", default=1, show_default=True, type=click.IntRange(1, 100),
              help="Rounds of the four scripted callers per policy.")
@click.option("--file", "path", default=DEMO_FILE, show_default=True,
              type=click.Path(dir_okay=False),
              help="The demo's own SQLite file (never DATABASE_URL: the demo's calls are not "
                   "the line's).")
def demo(rounds: int, path: str) -> None:
    """Scripted calls through the real routes: what each caller heard, and what was logged."""
    import sqlite3
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from cli.demo import run_demo
    from cli.demo_file import NotADemoFile, mark, start_afresh

    url = demo_url(path)
    try:
        start_afresh(Path(path).expanduser())
    except (NotADemoFile, OSError) as error:
        raise click.BadParameter(str(error), param_hint="--file") from None
    click.echo(f"demo call log: {path} (its own SQLite file, started afresh on each run; "
               f"DATABASE_URL is not touched)")
    try:
        mark(Path(path).expanduser())
        run_demo(url, rounds=rounds, echo=click.echo)
    except (SQLAlchemyError, sqlite3.Error) as error:
        raise click.ClickException(f"--file: cannot use {path} for the demo's log: "
                                   f"{error_said(url, error)}") from None
    click.echo(f"\nthis run's calls stay in {path} until the next demo; report on them with "
               f"`holdwell report --db {url}`")


def demo_url(path: str) -> str:
    """The SQLite URL of the demo's file; its folder must exist (SQLite makes only the file)."""
    from pathlib import Path

    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        raise click.BadParameter(f"the folder {folder} does not exist", param_hint="--file")
    return f"sqlite:///{Path(path).expanduser().resolve()}"


MAX_INTERVAL_S = 600.0
"""The longest `holdwell callbacks --interval`: `--interval 15000` (milliseconds read as
seconds) had left dead claims held and at-risk callbacks unrung for four hours at a time."""


@cli.command("callbacks")
@click.option("--once", is_flag=True, help="One round, then exit (for cron; exit 1 if it "
              "failed or REST placement is configured but impossible).")
@click.option("--interval", default=15.0, show_default=True,
              type=FiniteFloatRange(min=0.1, max=MAX_INTERVAL_S),
              help="Seconds (not milliseconds) between rounds; at most 600: dead claims, "
                   "callbacks at risk, REST placement and failure texts all wait for a round.")
def callbacks_command(once: bool, interval: float) -> None:
    """Watch promised callbacks: replay the journal, release dead claims, flag those at risk
    and ring customers by REST, following the database's active config version. It waits out
    database outages; SIGTERM lets the placement under way finish, then exits."""
    from functools import partial

    from sqlalchemy.exc import SQLAlchemyError

    from app.callback_worker import CallbackWorker, StopFlag
    from app.services import configured
    from app.settings import SettingsError, load_settings
    from app.storage.db import absent_sqlite_file

    database_url()  # a URL no command can use (a port it cannot read, SQLite in memory)
    try:
        process = load_settings()
        config = configured(process)
    except (ConfigError, SettingsError) as error:
        click.echo(f"holdwell callbacks cannot start: {named_by_variable(error)}", err=True)
        sys.exit(1)
    if (missing := absent_sqlite_file(process.database_url)) is not None:
        # a mistyped path would be a new, empty log watched for ever, ringing nobody
        raise click.ClickException(
            f"DATABASE_URL: no call log at {safe_url(process.database_url)}: {missing} does "
            "not exist; create it with `holdwell db upgrade` (the Procfile's release step)")
    try:
        with StopFlag().catching_signals() as stop:
            worker = CallbackWorker(process, config, interval_s=interval, stop=stop,
                                    out=click.echo, err=partial(click.echo, err=True),
                                    debug=bool(os.environ.get("HOLDWELL_DEBUG")))
            status = worker.run(once=once)
    except SettingsError as error:  # a journal it could not write: replays and outages lost
        click.echo(f"holdwell callbacks cannot start: {error}", err=True)
        sys.exit(1)
    except (SQLAlchemyError, ImportError) as error:  # not an outage: a bad URL, no driver
        raise click.ClickException(
            cannot_use(process.database_url, "DATABASE_URL", error)) from None
    sys.exit(status)


def main() -> None:
    """The console script: click's own errors and exits as click prints them; anything
    unforeseen as one line (the traceback only with HOLDWELL_DEBUG=1)."""
    exit_on_sigterm()
    forgive_readers_leaving()
    try:
        cli()
    except Exception as error:  # the safety net: every known problem is caught nearer its source
        if os.environ.get("HOLDWELL_DEBUG"):
            raise
        known = known_problem(error)
        click.echo(f"holdwell: {known}" if known else unexpected(error), err=True)
        sys.exit(1)


def exit_on_sigterm() -> None:
    """Make SIGTERM exit as SystemExit(143), so `finally` blocks and context managers run:
    a spilled sort's scratch files and a half-written output are removed, as on Ctrl-C.
    Python's default would end the process on the spot and leave them behind. The callbacks
    worker installs its own handler over this one (finish the placement, then stop)."""
    signal.signal(signal.SIGTERM, _exit_terminated)


def _exit_terminated(number: int, _frame: object) -> None:
    signal.signal(number, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    raise SystemExit(128 + number)


UNWRITABLE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EPIPE})


def known_problem(error: Exception) -> str | None:
    """A problem of the machine, not of the code, named for what it is: the database at
    DATABASE_URL (a command with no --db of its own: locked, unreachable, too new), or an
    output that cannot be written (a full disk). None: unforeseen."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from app.storage.deadline import first_line

    if isinstance(error, SQLAlchemyError | CommandError):
        try:
            url = database_url()
        except click.ClickException as unusable:  # DATABASE_URL itself is the problem
            return unusable.message
        return database_problem(url, error)
    if isinstance(error, OSError) and error.errno in UNWRITABLE:
        return f"cannot write: {error.strerror or first_line(error)}"
    return None


def database_problem(url: str, error: Exception) -> str:
    """One line naming DATABASE_URL for a database a command cannot use: a revision this
    code does not ship (Alembic's CommandError), else the error's first line."""
    from alembic.util.exc import CommandError

    from app.storage.migrate import UnfinishedUpgrade

    if isinstance(error, UnfinishedUpgrade):
        return f"DATABASE_URL: cannot upgrade the database at {safe_url(url)}: {error}"
    if isinstance(error, CommandError):
        return revision_problem(url, "head", None, error)
    return cannot_use(url, "DATABASE_URL", error)


def unexpected(error: Exception) -> str:
    """The one line for an error nobody foresaw: its type and the first line of its message."""
    message = (str(error).strip().splitlines() or [""])[0]
    return (f"holdwell: unexpected error ({type(error).__name__}): {message}; set "
            "HOLDWELL_DEBUG=1 for the traceback")
