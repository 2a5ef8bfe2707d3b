"""`holdwell audit`: the console's audit log kept for a bounded time."""

from __future__ import annotations

from datetime import timedelta

import click

from cli.console_commands import console_engine, utc_now

SHOWN = "%Y-%m-%d %H:%M:%S UTC"


def _days(_ctx: click.Context, _param: click.Parameter, days: int) -> int:
    """At least MIN_DAYS, said with why (click's range error says neither)."""
    from app.storage.audit_retention import MAX_DAYS, MIN_DAYS

    if days < MIN_DAYS:
        raise click.BadParameter(
            f"{days} days is fewer than the {MIN_DAYS} the audit log keeps at least: it is "
            "how a change, or a guessing run found late, is traced back to who and where",
            param_hint="--older-than")
    if days > MAX_DAYS:
        raise click.BadParameter(f"{days} days is more than {MAX_DAYS:,} (a hundred years)",
                                 param_hint="--older-than")
    return days


@click.group()
def audit() -> None:
    """The console's audit log: retention."""


@audit.command("prune")
@click.option("--older-than", "days", type=int, required=True, metavar="DAYS",
              callback=_days,
              help="Entries written more than DAYS days ago (at least 30).")
@click.option("--yes", is_flag=True, help="Delete; without it, only say what would be.")
def prune_command(days: int, yes: bool) -> None:
    """Delete the audit log's entries older than DAYS days (sign-ins with the addresses and
    names tried, config and people changes, cancels: every kind) but each person's last
    sign-in, which the People page reads; a batch a transaction, with progress. The run is
    audited (`audit.pruned`: the cut-off and the count), and no run's entry is deleted."""
    from app.storage.audit_retention import chosen, prune
    from cli.progress import stderr_progress

    now = utc_now()
    before = now - timedelta(days=days)
    engine = console_engine()
    if not yes:
        found = chosen(engine, before)
        click.echo(f"would delete (add --yes to do it): {_said(found, days)}")
        return
    with stderr_progress(chosen(engine, before).rows, "deleting audit entries") as bar:
        done = prune(engine, before=before, now=now, actor="cli", days=days,
                     progress=bar.update)
    click.echo(f"deleted: {_said(done, days)}; the run is audited as audit.pruned")


def _said(pruned, days: int) -> str:  # noqa: ANN001 - a Pruned, imported lazily
    oldest = (f", the oldest from {pruned.oldest.strftime(SHOWN)}"
              if pruned.oldest is not None else "")
    entries = "entry" if pruned.rows == 1 else "entries"
    return (f"{pruned.rows:,} audit {entries} from before {pruned.before.strftime(SHOWN)} "
            f"(more than {days} days ago){oldest}")
