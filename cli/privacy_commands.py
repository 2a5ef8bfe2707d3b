"""`holdwell privacy`: callers' personal data out of the call log, the statistics kept."""

from __future__ import annotations

import re
from datetime import timedelta

import click

from cli.console_commands import console_engine, utc_now

NUMBER = re.compile(r"^\+[1-9][0-9]{6,14}$")
MAX_DAYS = 36_500


@click.group()
def privacy() -> None:
    """Callers' personal data: retention and erasure requests."""


@privacy.command("redact")
@click.option("--older-than", "days", type=click.IntRange(1, MAX_DAYS), metavar="DAYS",
              help="Calls that arrived more than DAYS days ago (a retention policy).")
@click.option("--number", metavar="E164",
              help="Every call from this number or with a callback to it (an erasure "
                   "request), e.g. +14155550100.")
@click.option("--yes", is_flag=True, help="Redact; without it, only say what would be.")
def redact_command(days: int | None, number: str | None, yes: bool) -> None:
    """Remove callers' numbers, words and recording links from ended calls; outcomes,
    waits and times stay, so reports and comparisons read the same. Given both options,
    the calls either chooses are redacted (older than DAYS, and every call of E164), not
    only those both choose. A call still in line
    or with a callback still promised is left as it is. Recordings live on Twilio: their
    SIDs are listed, to delete there."""
    from app.storage.privacy import count_chosen, redact
    from cli.progress import stderr_progress

    if days is None and number is None:
        raise click.UsageError("say which calls: --older-than DAYS, --number E164, or both")
    if number is not None and NUMBER.fullmatch(number) is None:
        raise click.BadParameter(f"{number[:40]!r} is not an E.164 number such as "
                                 "+14155550100 (the form the call log keeps)",
                                 param_hint="--number")
    now = utc_now()
    before = now - timedelta(days=days) if days is not None else None
    engine = console_engine()
    with stderr_progress(count_chosen(engine, before, number), "looking at calls") as bar:
        done = redact(engine, before=before, number=number, now=now, actor="cli",
                      dry_run=not yes, progress=bar.update)
    click.echo(("redacted: " if yes else "would redact (add --yes to do it): ") + done.said())
    if done.recordings:
        click.echo(f"{len(done.recordings):,} recordings of these calls are kept on Twilio; "
                   "delete them there (Console or REST API) if they must go too:")
        for sid in done.recordings:
            click.echo(f"  {sid}")
