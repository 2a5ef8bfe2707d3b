"""`holdwell users ...` and `holdwell config import/export`: the console's people and the
config versions from the command line (heavier imports wait until a command runs)."""

from __future__ import annotations

import sys

import click

from cli.config_files import (
    export_header,
    exported_from,
    same_export,
    saved_since,
    setting_changes,
)
from cli.config_input import config_path, read_config, source_name
from cli.database import current_schema, database_url


def console_engine():  # noqa: ANN202 - sqlalchemy.Engine
    """The console's database, at this code's schema (checked, never migrated here)."""
    from app.storage.db import make_engine

    url = database_url()
    current_schema(url)
    return make_engine(url)


def utc_now():  # noqa: ANN202 - datetime
    from app.clock import SystemClock

    return SystemClock().now()


@click.group()
def users() -> None:
    """People who sign in to the console, and API tokens for scripts."""


def read_password() -> str:
    """The first line of standard input, which must be UTF-8 text (the hash is of its bytes).

    At a terminal it is asked for, unseen and twice: read as a plain line, the command had
    waited without a word (it seemed to hang) and shown the password as it was typed, on the
    screen and in the terminal's scrollback."""
    try:
        password = (click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                 err=True) if sys.stdin.isatty()
                    else sys.stdin.readline().rstrip("\r\n"))
        password.encode("utf-8")
    except UnicodeError:
        raise click.ClickException("standard input: the password is not UTF-8 text; type it "
                                   "again, or pipe it from a UTF-8 file") from None
    if not password:  # "at least 10 characters" had answered a password never given
        raise click.ClickException("no password on standard input: type it, or pipe it in "
                                   "(its first line is the password)")
    return password


ROLE = click.Choice(["admin", "operator", "analyst"])
"""app.storage.users.ROLES, spelled out: the CLI starts without importing the database layer
(a test holds the two equal)."""


def _readable_name(name: str) -> None:
    """Refuse a name no user can have before the password is read: it had been read first,
    so an empty standard input was told "no password" for a name never addable, and at a
    terminal the password was typed twice to be told the name was wrong."""
    from app.storage.users import UserError, check_name, same_name

    try:
        check_name(same_name(name))
    except UserError as error:
        raise click.BadParameter(str(error), param_hint="NAME") from None


def _not_taken(engine, name: str) -> None:  # noqa: ANN001 - an Engine, imported lazily
    """Refuse a name taken (or one reading the same) before a password is typed for it;
    `add_user` checks again, under its lock, as it adds."""
    from app.storage.users import all_users, read_alike, same_name

    stored = same_name(name)
    taken = next((user.name for user in all_users(engine) if read_alike(user.name, stored)),
                 None)
    if taken == stored:
        raise click.ClickException(f"user {stored!r} already exists")
    if taken is not None:
        raise click.ClickException(
            f"user {taken!r} already exists, and {stored!r} reads the same (it differs only "
            "in case, width or look-alike letters of another script): in the audit log the "
            "two would read as one person")


def _existing(engine, name: str) -> None:  # noqa: ANN001 - an Engine, imported lazily
    """Refuse a name nobody has before a new password is asked for (set_password checks
    again as it sets it)."""
    from app.storage.users import all_users, same_name

    if same_name(name) not in {user.name for user in all_users(engine)}:
        raise click.ClickException(f"no user named {name[:80]!r}")


@users.command("add")
@click.argument("name")
@click.option("--role", type=ROLE, required=True)
def users_add(name: str, role: str) -> None:
    """Add NAME with ROLE; the password is read from standard input (first line; at a
    terminal, asked for unseen)."""
    from app.storage.users import UserError, add_user

    _readable_name(name)
    if sys.stdin.isatty():  # before the password is typed, twice
        _not_taken(console_engine(), name)
    password = read_password()
    try:
        add_user(console_engine(), name, role, password, utc_now(), actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"user {name} added as {role}")


@users.command("token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (\"wallboard\"), listed "
              "beside it by `holdwell users tokens` so it can be revoked alone.")
def users_token(name: str, label: str) -> None:
    """Print a new API token for NAME (only its hash is stored: keep it now)."""
    from app.storage.users import UserError, issue_token

    try:
        click.echo(issue_token(console_engine(), name, utc_now(), actor="cli", label=label))
    except UserError as error:
        raise click.ClickException(str(error)) from None


@users.command("tokens")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per token, for scripts.")
def users_tokens(name: str, as_json: bool) -> None:
    """NAME's working API tokens: id, label, when issued and last used (UTC, to the minute).
    Revoke one with `holdwell users revoke NAME --token ID`."""
    import json

    from app.storage.users import UserError, tokens_of

    try:
        tokens = tokens_of(console_engine(), name)
    except UserError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        for token in tokens:
            click.echo(json.dumps({
                "id": token.id, "label": token.label,
                "issued": token.created_at.isoformat(timespec="seconds"),
                "last_used": token.last_used_at.isoformat(timespec="seconds")
                if token.last_used_at else None}, ensure_ascii=False))
        return
    if not tokens:
        click.echo(f"{name} has no working API token", err=True)
        return
    rows = [("id", "label", "issued (UTC)", "last used (UTC)")] + [
        (str(token.id), token.label, token.created_at.strftime("%Y-%m-%d %H:%M"),
         token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "not seen")
        for token in tokens]
    _columns(rows)


def _columns(rows: list[tuple[str, ...]]) -> None:
    """`rows` as left-aligned columns, the first row the heading."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                         strict=True)).rstrip())


@users.command("password")
@click.argument("name")
def users_password(name: str) -> None:
    """Set NAME's password from standard input (first line; at a terminal, asked for
    unseen); signs NAME out everywhere."""
    from app.storage.users import UserError, password_set_words, set_password

    if sys.stdin.isatty():  # before the password is typed, twice
        _existing(console_engine(), name)
    try:
        lifted = set_password(console_engine(), name, read_password(), utc_now(),
                              actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(password_set_words(name, lifted))


@users.command("role")
@click.argument("name")
@click.argument("role", type=ROLE)
def users_role(name: str, role: str) -> None:
    """Give NAME another ROLE; their next request, signed in or by token, has it."""
    from app.storage.users import UserError, set_role

    engine = console_engine()
    try:
        before = set_role(engine, name, role, utc_now(), actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{name}: {before} -> {role}" if before != role else f"{name} is already {role}")
    _warn_if_no_admin(engine)


@users.command("remove")
@click.argument("name")
def users_remove(name: str) -> None:
    """Remove NAME: they cannot sign in, their sessions end and their API tokens stop
    working, at once. The audit log keeps what they did, by name."""
    from app.storage.users import UserError, remove_user

    engine = console_engine()
    try:
        tokens = remove_user(engine, name, utc_now(), actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"user {name} removed; their sessions ended and {tokens} API token(s) revoked")
    _warn_if_no_admin(engine)


def _warn_if_no_admin(engine) -> None:  # noqa: ANN001 - an Engine, imported lazily
    """After someone leaves or changes role: with no admin left, nobody can read the
    console's People page or audit log; say how to make one."""
    from app.storage.users import all_users

    if not any(user.role == "admin" for user in all_users(engine)):
        click.echo("warning: no admin is left; add one with `holdwell users add NAME --role "
                   "admin` (or `holdwell users role NAME admin`)", err=True)


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per person, for scripts.")
def users_list(as_json: bool) -> None:
    """Everyone who may sign in: role, working API tokens and last console sign-in (UTC).

    The People page's list, for an administrator at a shell or a script: without it the CLI
    could add, change and remove people but not say who they are."""
    import json

    from app.storage.users import overview

    people = overview(console_engine())
    if as_json:
        for person in people:
            click.echo(json.dumps({
                "name": person.user.name, "role": person.user.role, "api_tokens": person.tokens,
                "last_sign_in": person.last_sign_in.isoformat(timespec="seconds")
                if person.last_sign_in else None}, ensure_ascii=False))
        return
    if not people:
        click.echo("nobody yet: add the first admin with `holdwell users add NAME --role admin`",
                   err=True)
        return
    rows = [("name", "role", "API tokens", "last console sign-in (UTC)")] + [
        (person.user.name, person.user.role, str(person.tokens),
         person.last_sign_in.strftime("%Y-%m-%d %H:%M") if person.last_sign_in else "never")
        for person in people]
    _columns(rows)


@users.command("revoke")
@click.argument("name")
@click.option("--token", "token_id", type=click.IntRange(min=1), default=None,
              help="Revoke only this token (its id in `holdwell users tokens NAME`).")
def users_revoke(name: str, token_id: int | None) -> None:
    """Revoke every API token of NAME, or with --token just one (scripts using them get 401
    from now on)."""
    from app.storage.users import UserError, revoke_token, revoke_tokens

    try:
        if token_id is not None:
            token = revoke_token(console_engine(), name, token_id, utc_now(), actor="cli")
            click.echo(f"API token #{token.id} ({token.label}) of {name} revoked")
            return
        revoked = revoke_tokens(console_engine(), name, utc_now(), actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{revoked} API token(s) of {name} revoked")


def _storable_note(_ctx: click.Context, _param: click.Parameter, note: str) -> str:
    """Refused before the file is read: the note is checked where it is stored too."""
    from app.storage.config_versions import NoteError, check_note

    try:
        return check_note(note)
    except NoteError as error:
        raise click.BadParameter(str(error)) from None


@click.command("import")
@click.argument("path", type=config_path(exists=True))
@click.option("--note", default="", callback=_storable_note,
              help="Why; shown in the version history (at most 500 characters).")
@click.option("--remove-queue", "removing", multiple=True, metavar="NAME",
              help="A queue the active version runs that this file leaves out, removed on "
                   "purpose (its new calls join the default queue; callers still waiting in it "
                   "are taken first by any queue's agents). Repeatable.")
@click.option("--all-defaults", is_flag=True,
              help="PATH sets nothing (empty, or comments only) and every setting is to go "
                   "back to the built-in defaults, on purpose.")
@click.option("--force", is_flag=True,
              help="Import PATH though it was exported from an older version than the active "
                   "one: what was saved since is undone.")
def config_import(path: str, note: str, removing: tuple[str, ...], all_defaults: bool,
                  force: bool) -> None:
    """Validate PATH (- for standard input) and make it the active config version (every
    worker within 5 s).

    A file exported from an older version than the active one is refused unless --force:
    importing it would undo what was saved since. A queue the active version runs that PATH
    leaves out is refused unless named with --remove-queue: its callers would silently join
    another team's queue."""
    from app.console.config_changes import config_of, same_settings, unsaid_by_the_diff
    from app.storage import config_versions
    from hold_policies.config import ConfigError, sets_nothing

    try:
        loaded, text = read_config(path, as_written=True)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    source = source_name(path)  # how every message below names it
    for warning in loaded.warnings():
        click.echo(f"warning: {warning}", err=True)
    engine = console_engine()
    active = config_versions.get(engine, None)
    before = config_of(active).queues if active is not None else {}
    for name in removing:  # a typo (`--remove-queue sale`) had been ignored without a word
        if name not in before:  # said, not refused: a deploy script may run twice
            click.echo(f"warning: --remove-queue {name}: the active config runs no queue "
                       f"{name!r} (it runs {', '.join(sorted(before)) or 'none'}); nothing "
                       "to remove", err=True)
        if name in loaded.queues:
            raise click.UsageError(f"--remove-queue {name}: {source} keeps queue {name!r}; "
                                   "leave it out of the file to remove it")
    if active is not None and same_settings(loaded, config_of(active)):
        click.echo(f"{source}: no change: config version {active.number} (active) already runs "
                   "these settings; no version added")
        return
    if active is not None and not all_defaults and (empty := sets_nothing(loaded, source)):
        raise click.ClickException(  # the sentence `config check` and start-up say too
            f"{empty} Importing it would put them back in every worker; pass --all-defaults "
            "to mean it; nothing imported")
    if active is not None:
        _check_base(engine, source, text, active, loaded, force)
    dropped = sorted(set(before) - set(loaded.queues) - set(removing))
    if dropped:
        names = ", ".join(dropped)
        raise click.ClickException(
            f"{source} has no queue {names}, which active config version {active.number} runs: "
            f"its calls would be answered as queue {loaded.default_queue!r}. Add it to the "
            f"file, or pass --remove-queue for each to remove it on purpose; nothing imported")
    try:  # only over the version checked against: one saved meanwhile is not undone either
        version = config_versions.add(engine, loaded, author="cli",
                                      note=note or _imported_from(source), now=utc_now(),
                                      after=active.number if active else 0)
    except config_versions.ActiveMoved:
        raise click.ClickException(
            f"another config version was saved while {source} was checked against version "
            f"{active.number if active else 'none'}; nothing imported: run the import again "
            "to check it against that one") from None
    click.echo(f"{source}: imported as config version {version.number} (active)")
    for warning in unsaid_by_the_diff(config_of(active) if active else None, loaded):
        click.echo(f"warning: {warning}", err=True)
    for line in setting_changes(config_of(active) if active else None, loaded):
        click.echo(f"  {line}")


def _check_base(engine, path: str, text: str, active, loaded,  # noqa: ANN001
                force: bool) -> None:
    """Refuse (unless `force`) a file exported from a version older than the active one: the
    console's and the API's saves refuse such a lost update (409), and import had undone a
    change saved since without a word. A file that names no version (or one this database
    never had) cannot be told: said, and imported as before."""
    from app.console.config_changes import config_of
    from app.storage import config_versions

    saved = (f"version {active.number} (active, saved by {active.author} at "
             f"{active.created_at:%Y-%m-%d %H:%M} UTC)")
    base = exported_from(text)
    named = config_versions.get(engine, base) if base else None
    if base is None or base > active.number or (base and (
            named is None or not same_export(text, named))):
        which = ("its first line is not the header `config export` writes" if base is None
                 else f"it names version {base}, which this database never had" if
                 base > active.number or named is None else
                 f"it names version {base}, but by another author or time than this "
                 f"database's (saved by {named.author} at {named.created_at:%Y-%m-%d %H:%M} "
                 "UTC): exported from another database?")
        click.echo(f"warning: cannot tell which version {path} was exported from ({which}): "
                   f"whatever {saved} has that the file lacks is undone", err=True)
        return
    if base == active.number:
        return
    with engine.connect() as conn:
        who = saved_since(config_versions.newest_first(conn), base)
    stale = (f"{path} was exported from config version {base}, but {saved} is newer (saved "
             f"since {base}: {who}): importing the file would undo what was changed since")
    if not force:
        click.echo(f"{path} would change, against version {active.number}:", err=True)
        for line in setting_changes(config_of(active), loaded):
            click.echo(f"  {line}", err=True)
        raise click.ClickException(
            f"{stale}. Export the active version (`holdwell config export > FILE`), make your "
            "change there and import that, or pass --force to import this file anyway; "
            "nothing imported")
    click.echo(f"warning: {stale}; imported anyway (--force)", err=True)


def _imported_from(path: str) -> str:
    """The default note; a path too long for a note keeps its end, where the file's name is."""
    from app.storage.config_versions import MAX_NOTE_LENGTH

    note = f"imported from {path}"
    return note if len(note) <= MAX_NOTE_LENGTH else f"imported from …{path[-400:]}"


@click.command("export")
@click.option("--version", "number", type=int, default=None, help="Default: the active one.")
@click.option("--effective", is_flag=True,
              help="Every setting with the value it runs with, defaults filled in (a version "
                   "keeps only what differs from them).")
def config_export(number: int | None, effective: bool) -> None:
    """Print a config version (default: the active one) as TOML; with no version saved yet,
    every setting at its built-in default."""
    from app.console.toml_writer import comment, dumps
    from app.storage import config_versions
    from hold_policies.config import parse_config

    version = config_versions.get(console_engine(), number)
    if version is None and number is not None:
        raise click.ClickException(f"no config version {number}")
    if version is None:  # what the app would start with, from no file: a starting point
        click.echo("# no config version saved yet: every setting at its built-in default "
                   "(the app seeds version 1 from HOLDWELL_CONFIG when it starts; `holdwell "
                   "config import FILE` saves one)")
        click.echo(dumps(config_versions.effective_body(parse_config({}))), nl=False)
        return
    click.echo(comment(export_header(version)))  # `config import` reads its version back
    if effective:
        click.echo("# every setting, defaults filled in")
        click.echo(dumps(config_versions.effective_body(version.config())), nl=False)
        return
    if not any(version.body.values()):  # stored with defaults left out: say so, not silence
        click.echo("# every setting at its built-in default (`--effective` prints them; the "
                   "README's Configuration names each key)")
    click.echo(dumps(version.body), nl=False)
