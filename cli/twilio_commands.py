"""`holdwell twilio setup`: make the Twilio account match the configuration (REST API)."""

from __future__ import annotations

import ipaddress
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import click

from cli.database import database_url, safe_url
from hold_policies.config import E164, ConfigError, HoldwellConfig, load_config


@click.group()
def twilio() -> None:
    """The Twilio account behind the line: queues, the number's webhooks, the caller ID."""


class DatabaseUnreadable(click.ClickException):
    """The database the app runs on cannot be read, so neither can the config it runs."""


def running_config(settings, path: str | None) -> tuple[HoldwellConfig, str]:  # noqa: ANN001
    """The config to provision and where it came from: --config, else what the app runs
    (the active version in the database, else HOLDWELL_CONFIG / holdwell.toml / defaults).
    A database that exists but cannot be read is an error, not a reason to provision the
    file instead: the app may run a version that differs from it."""
    if path:
        return load_config(path), path
    from sqlalchemy import inspect
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from app.services import configured
    from app.storage import config_versions
    from app.storage.db import absent_sqlite_file, make_engine
    from app.storage.deadline import first_line

    url = database_url()  # a port it cannot read, SQLite in memory: named as every command
    version = None
    try:  # a driver not installed, or no URL at all, is said as an unreachable database is
        if absent_sqlite_file(url) is None:
            engine = make_engine(url)
            try:
                with engine.connect() as conn:
                    versioned = inspect(conn).has_table("config_versions")
                version = config_versions.get(engine) if versioned else None
            finally:
                engine.dispose()
    except (SQLAlchemyError, ImportError) as error:
        fix = "correct DATABASE_URL" if isinstance(error, ArgumentError | ImportError) \
            else "start the database"
        raise DatabaseUnreadable(
            f"DATABASE_URL: cannot read the config the app runs from {safe_url(url)} "
            f"({first_line(error)}); {fix}, or name the file to provision with "
            f"--config") from None
    if version is not None:
        return version.config(), f"config version {version.number} (active in " \
                                 f"{safe_url(url)})"
    file = settings.resolved_config_path()
    return configured(settings), str(file) if file else "built-in defaults (no holdwell.toml)"


def out_of_twilios_reach(public_url: str) -> str | None:
    """Why Twilio could never call `public_url` (None: it may): a host on this machine or a
    private network ("localhost", 127.0.0.1, 192.168.x.x, "*.local"). Pointing the number
    there would leave every caller with Twilio's application error (11200), so setup
    refuses, before any REST call; the base a tunnel gives is what belongs there."""
    host = (urlsplit(public_url).hostname or "").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        private = host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
    else:
        private = not address.is_global
    if not private:
        return None
    return (f"HOLDWELL_PUBLIC_URL {public_url} names {host}, which Twilio cannot reach from "
            "the internet: the number's calls would all fail (Twilio error 11200). Give the "
            "app's public address (a deploy's, or a tunnel's such as `ngrok http 5000`); "
            "nothing was changed")


def _not_a_retry(record: logging.LogRecord) -> bool:
    """False for urllib3's "Retrying (Retry(total=1, …)) after connection broken by …"."""
    return not str(record.msg).startswith("Retrying (")


@contextmanager
def retries_unsaid() -> Iterator[None]:
    """Setup without urllib3's WARNING line for each retry of a REST call: Twilio out of
    reach had printed two of them before the one error that says so in full."""
    pool = logging.getLogger("urllib3.connectionpool")
    pool.addFilter(_not_a_retry)
    try:
        yield
    finally:
        pool.removeFilter(_not_a_retry)


@twilio.command("setup")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option("--number", default=None,
              help="The Twilio number callers dial (default: [line] support_number).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Provision this file (default: the config the app runs).")
@retries_unsaid()
def setup(dry_run: bool, number: str | None, config_path: str | None) -> None:
    """Create or resize each configured queue, point the number's voice and status webhooks
    at HOLDWELL_PUBLIC_URL, and check the callback caller ID; print every change."""
    from app.settings import SettingsError, load_settings
    from app.twilio_rest import make_client
    from app.twilio_setup import REST_ERRORS, SetupError, apply, explain, plan

    if number is not None and not E164.fullmatch(number):
        raise click.BadParameter(f"{number!r} is not in E.164 form (e.g. +14155550100)",
                                 param_hint="--number")
    try:
        settings = load_settings()
        config, source = running_config(settings, config_path)
    except (SettingsError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    if not settings.public_url:
        raise click.ClickException("HOLDWELL_PUBLIC_URL is not set: the number's webhooks "
                                   "need the app's public https:// address")
    if (unreachable := out_of_twilios_reach(settings.public_url)) is not None:
        raise click.ClickException(unreachable)
    client = make_client(settings)
    if client is None:
        unset = " and ".join(name for name, value in (
            ("TWILIO_ACCOUNT_SID", settings.account_sid),
            ("TWILIO_AUTH_TOKEN", settings.auth_token)) if not value)
        raise click.ClickException("twilio setup needs TWILIO_ACCOUNT_SID and "
                                   f"TWILIO_AUTH_TOKEN ({unset} not set)")
    click.echo(f"config: {source}")
    try:
        planned = plan(client, config, settings.public_url, number)
    except REST_ERRORS as error:
        raise click.ClickException(explain(error)) from None
    for check in planned.checks:
        click.echo(f"ok: {check}")
    if dry_run or planned.problems:
        lines = [line for action in planned.actions for line in action.lines()]
        for line in lines:
            click.echo(f"{'would change' if dry_run else 'to change'}: {line}")
        for problem in planned.problems:
            click.echo(f"problem: {problem}", err=True)
        if planned.problems:
            click.echo("nothing changed: fix the problem(s) above and run it again", err=True)
            sys.exit(1)
        if not lines:
            click.echo("nothing to change")
        return
    done = 0
    try:
        for action in apply(client, planned):
            done += 1
            for line in action.lines():
                click.echo(f"changed: {line}")
    except (SetupError, *REST_ERRORS) as error:
        message = str(error) if isinstance(error, SetupError) else explain(error)
        raise click.ClickException(f"{message} ({done} of {len(planned.actions)} "
                                   f"change(s) made before it)") from None
    if not planned.actions:
        click.echo("nothing to change")
