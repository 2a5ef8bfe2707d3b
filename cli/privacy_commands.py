"""`holdwell privacy`: callers' personal data out of the call log, the statistics kept."""

from __future__ import annotations

import re
from datetime import timedelta

import click

from cli.console_commands import console_engine, utc_now

NUMBER = re.compile(r"^\+[1-9][0-9]{6,14}$")
IDENTITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")
"""A caller off the phone network, as Twilio's From names them: `sip:jane@example.com`,
`client:jane` (any URI scheme, so `whatsapp:+1…` or `sips:` too)."""
MAX_DAYS = 36_500
WITHHELD_PLACEHOLDERS = frozenset({
    "+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})
"""What a withheld caller ID arrives as, spelt on a keypad (ANONYMOUS, RESTRICTED, BLOCKED,
UNKNOWN, UNAVAILABLE): shared by every caller who hides their number, so it names nobody
(review 35, R8: redacting by it would have taken them all)."""


@click.group()
def privacy() -> None:
    """Callers' personal data: retention and erasure requests."""


@privacy.command("redact")
@click.option("--older-than", "days", type=click.IntRange(1, MAX_DAYS), metavar="DAYS",
              help="Calls that arrived more than DAYS days ago (a retention policy).")
@click.option("--number", metavar="CALLER",
              help="Every call from this caller or with a callback to them (an erasure "
                   "request): an E.164 number such as +14155550100, or a SIP or Twilio "
                   "Client caller as the call log keeps their From (sip:jane@example.com, "
                   "client:jane), matched exactly, case and all.")
@click.option("--yes", is_flag=True, help="Redact; without it, only say what would be.")
def redact_command(days: int | None, number: str | None, yes: bool) -> None:
    """Remove callers' numbers, words and recording links from ended calls; outcomes,
    waits and times stay, so reports and comparisons read the same. Given both options,
    the calls either chooses are redacted (older than DAYS, and every call of CALLER), not
    only those both choose. A call still in line
    or with a callback still promised is left as it is. Recordings live on Twilio: their
    SIDs are listed, to delete there."""
    from app.storage.privacy import count_chosen, redact
    from cli.progress import stderr_progress

    if days is None and number is None:
        raise click.UsageError("say which calls: --older-than DAYS, --number CALLER, or both")
    if number is not None:
        number = as_kept(number)
    now = utc_now()
    before = now - timedelta(days=days) if days is not None else None
    engine = console_engine()
    with stderr_progress(count_chosen(engine, before, number), "looking at calls") as bar:
        done = redact(engine, before=before, number=number, now=now, actor="cli",
                      dry_run=not yes, progress=bar.update)
    click.echo(("redacted: " if yes else "would redact (add --yes to do it): ") + done.said())
    if number is not None and not done.calls + done.kept_open:
        say_nobody(engine, number)
    if done.recordings:
        click.echo(f"{len(done.recordings):,} recordings of these calls are kept on Twilio; "
                   "delete them there (Console or REST API) if they must go too:")
        for sid in done.recordings:
            click.echo(f"  {sid}")


def as_kept(caller: str) -> str:
    """`caller` as the call log keeps a From (app.voice.forms.party: one printable line, cut
    to its column's length), refused unless it is a form From takes for one person: an
    E.164 number, or a SIP, Client (or other URI) identity. Not "anonymous" and the like,
    which Twilio sends for many callers, nor a number written another way
    (4155550100), which would match nobody without a word."""
    from app.storage.schema import PARTY_CHARS
    from app.voice.forms import one_line

    kept = one_line(caller)[:PARTY_CHARS]
    if kept in WITHHELD_PLACEHOLDERS:
        raise click.BadParameter(
            f"{kept!r} is a withheld number's placeholder, shared by every caller who hides "
            "their number: it names nobody, and would redact them all (use --older-than for "
            "a retention policy)", param_hint="--number")
    if NUMBER.fullmatch(kept) is None and IDENTITY.match(kept) is None:
        raise click.BadParameter(
            f"{caller[:40]!r} is neither an E.164 number such as +14155550100 nor a SIP or "
            "Twilio Client caller such as sip:jane@example.com or client:jane (the forms "
            "the call log keeps a caller's From in)", param_hint="--number")
    if kept != caller:
        click.echo(f"--number: matching {kept!r}, as the call log keeps it (one line, at "
                   f"most {PARTY_CHARS} characters)", err=True)
    return kept


def say_nobody(engine, caller: str) -> None:  # noqa: ANN001 - an Engine, imported lazily
    """Nothing matched: callers are compared exactly as kept, so say so, and name any
    caller kept with the same letters in another case (`sip:Jane@…` and `sip:jane@…` may be
    two people: the user part of a SIP address is case-sensitive)."""
    from app.storage.privacy import other_case

    click.echo(f"no call is from or has a callback to exactly {caller!r} (compared as kept, "
               "case and all)", err=True)
    for kept in other_case(engine, caller):
        click.echo(f"  kept in another case: {kept!r} (pass it as written here if it is the "
                   "same person)", err=True)
    scheme, _, rest = caller.partition(":")
    if scheme.lower() == "tel" and NUMBER.fullmatch(rest):  # as a contact book writes it
        click.echo(f"  a phone caller is kept as their bare number, as Twilio sends it: try "
                   f"--number {rest}", err=True)
