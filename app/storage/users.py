"""People who use the console, and their API tokens (stored only as hashes)."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.storage import audit
from app.storage.console_schema import (
    api_tokens,
    audit_log,
    console_sessions,
    login_failures,
    users,
)
from app.storage.db import as_utc, begin_write
from app.storage.locks import hold
from app.storage.person_names import (  # noqa: F401 - readable and the length are users'
    MAX_NAME_LENGTH,
    name_problem,
    read_alike,
    readable,
    reads_as,
    same_name,
)
from app.storage.token_labels import UNLABELLED, clean_label

ROLES = ("admin", "operator", "analyst")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000
"""A passphrase, not a file: a 1 MB password had been taken and hashed."""
TOKEN_PREFIX = "hw_"
PASSWORD_METHOD = "scrypt"
"""werkzeug's scrypt (n=2**15, r=8, p=1); the parameters are stored in each hash."""


@cache
def _dummy_hash(method: str) -> str:
    """Checked for an unknown name too, so a login takes as long whether or not it exists."""
    return generate_password_hash("not a password, only timing", method=method)


class UserError(ValueError):
    """A user that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str


def _user(row) -> User:  # noqa: ANN001 - a row mapping
    return User(id=row["id"], name=row["name"], role=row["role"])


def add_user(engine: Engine, name: str, role: str, password: str, now: datetime,
             actor: str = "cli") -> User:
    """Create a user with a scrypt password hash; the change is audited."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)} (got {role[:20]!r})")
    name = same_name(name)
    check_name(name)
    _check_password_length(password)
    try:
        return _insert_user(engine, name, role, password, now, actor)
    except IntegrityError:  # another add of this name, or one folding alike, landed first
        raise UserError(f"user {name!r} already exists, or one differing only in case"
                        ) from None


def _insert_user(engine: Engine, name: str, role: str, password: str, now: datetime,
                 actor: str) -> User:
    """The insert, after a read of every name to say which one clashes, as one change to
    people: two adds at once of names that read alike ("ana", "Ａna") would both pass a
    read made outside it (the unique `name_key` holds only for case)."""
    hashed = generate_password_hash(password, method=PASSWORD_METHOD)  # no lock held meanwhile
    with _people_change(engine) as conn:
        taken = next((other for other in conn.execute(select(users.c.name)).scalars()
                      if read_alike(other, name)), None)
        if taken == name:
            raise UserError(f"user {name!r} already exists")
        if taken is not None:  # a handful of people: read them all, compare as people read
            raise UserError(f"user {taken!r} already exists, and {name!r} reads the same "
                            "(it differs only in case, width or look-alike letters of "
                            "another script): in the audit log the two would read as one "
                            "person")
        user_id = conn.execute(insert(users).values(
            name=name, name_key=name.casefold(), role=role, created_at=now,
            password_hash=hashed)).inserted_primary_key[0]
        audit.record(conn, actor=actor, action="user.add", target=name, detail={"role": role},
                     now=now)
    return User(user_id, name, role)


def check_name(name: str) -> None:
    """A name people can read back and sign in with (person_names.name_problem)."""
    if (problem := name_problem(name)) is not None:
        raise UserError(problem)


@contextmanager
def _people_change(engine: Engine) -> Iterator[Connection]:
    """A change to who may do what, one at a time: two admins demoting each other at once
    must not both pass the check that an admin is left (SQLite: the write lock from the
    start; PostgreSQL: one advisory lock for the people table)."""
    with engine.connect() as conn, conn.begin():
        begin_write(conn, None)
        hold(conn, "holdwell-people")
        yield conn


def _find(conn: Connection, name: str):  # noqa: ANN202 - a row of id, role and name
    """The user named `name`, or a UserError that echoes at most 80 characters of it (a
    refusal travels in the session cookie as a flash message). A name no user can have (a
    NUL, which PostgreSQL refuses in a query, or over 64 characters) is no user's."""
    if "\x00" in name or len(name) > MAX_NAME_LENGTH:
        row = None
    else:
        row = conn.execute(select(users.c.id, users.c.role, users.c.name).where(
            users.c.name == same_name(name))).first()
    if row is None:
        raise UserError(f"no user named {name[:80]!r}")
    return row


LOCK_WINDOW_S = 15 * 60
"""How long failed sign-ins count against a name, and an address (app.auth.throttle)."""
NO_NAME = ""
"""The name a failure forgotten for its name keeps: no sign-in has it (an empty name is refused
before the throttle), so it counts for its address alone."""


def set_password(engine: Engine, name: str, password: str, now: datetime, actor: str) -> int:
    """Replace a user's password (audited, the hash only), end their console sessions
    everywhere (whoever knew the old password is signed out too) and lift their sign-in lock:
    the failures counted were against the old password, and a colleague locked out by them
    had stayed locked out after an admin reset it, with no other way to let them in. They are
    forgotten for the name only: each still counts against the address it came from (a reset
    had let an address cycling through names back in, review 41). Returns how many of the
    lock's window were forgotten, from any address."""
    _check_password_length(password)
    hashed = generate_password_hash(password, method=PASSWORD_METHOD)  # no lock held meanwhile
    with _people_change(engine) as conn:  # the account read is the account written: SQLite
        user_id, _, stored = _find(conn, name)  # hands a removed id to the next user added
        conn.execute(update(users).where(users.c.id == user_id).values(password_hash=hashed))
        conn.execute(delete(console_sessions).where(console_sessions.c.user_id == user_id))
        lifted = conn.execute(update(login_failures).where(  # still the address's (R3)
            login_failures.c.name == _throttle_key(stored),
            login_failures.c.time >= now - timedelta(seconds=LOCK_WINDOW_S)).values(
            name=NO_NAME)).rowcount
        audit.record(conn, actor=actor, action="user.password", target=stored, now=now,
                     detail={"failed_sign_ins_forgotten": lifted} if lifted else None)
    return lifted


def password_set_words(name: str, lifted: int) -> str:
    """What the CLI and the People page say after `set_password`, the lock lifted named."""
    lock = (f"; the {lifted} failed sign-in{'s' if lifted != 1 else ''} counted against "
            "them are forgotten, so they can sign in at once") if lifted else ""
    return f"{name}'s password changed; their console sessions are ended{lock}"


LAST_ADMIN = ("is the last admin: nobody could manage people in the console after that; "
              "make someone else admin first")


def _keep_an_admin(conn: Connection, row, name: str) -> None:  # noqa: ANN001 - _find's row
    """Refuse to demote or remove `row` when it is the one admin there is."""
    if row.role != "admin":
        return
    others = conn.execute(select(func.count()).select_from(users).where(
        users.c.role == "admin", users.c.id != row.id)).scalar_one()
    if others == 0:
        raise UserError(f"{name} {LAST_ADMIN}")


def set_role(engine: Engine, name: str, role: str, now: datetime, actor: str, *,
             keep_an_admin: bool = False) -> str:
    """Give NAME another role (audited, from and to); their next request is judged by it,
    since sessions and tokens read the role from here each time. The role they had.
    `keep_an_admin`: refuse to demote the last admin (the console; the CLI warns instead)."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)} (got {role[:20]!r})")
    with _people_change(engine) as conn:
        row = _find(conn, name)
        stored = row.name  # as the audit log and sign-ins name them (composed)
        if row.role == role:  # nothing changed, so nothing for the audit log to say
            return role
        if keep_an_admin:
            _keep_an_admin(conn, row, name)
        conn.execute(update(users).where(users.c.id == row.id).values(role=role))
        audit.record(conn, actor=actor, action="user.role", target=stored,
                     detail={"from": row.role, "to": role}, now=now)
    return row.role


def remove_user(engine: Engine, name: str, now: datetime, actor: str, *,
                keep_an_admin: bool = False) -> int:
    """Someone who no longer works the line: their account, console sessions and API tokens
    go at once (audited); the audit log and config versions keep their name. How many
    tokens stopped working. The foreign keys cascade on PostgreSQL; SQLite enforces them
    only when asked, so the rows are deleted here by name. `keep_an_admin` as for
    `set_role`."""
    with _people_change(engine) as conn:
        row = _find(conn, name)
        stored = row.name  # as the audit log and sign-ins name them (composed)
        if keep_an_admin:
            _keep_an_admin(conn, row, name)
        conn.execute(delete(console_sessions).where(console_sessions.c.user_id == row.id))
        tokens = conn.execute(delete(api_tokens).where(api_tokens.c.user_id == row.id)
                              ).rowcount
        conn.execute(delete(users).where(users.c.id == row.id))
        audit.record(conn, actor=actor, action="user.remove", target=stored,
                     detail={"role": row.role, "tokens": tokens}, now=now)
    return tokens


def revoke_tokens(engine: Engine, name: str, now: datetime, actor: str) -> int:
    """Every API token of `name` stops working at once (audited); how many there were. None
    there (revoked since the asker looked): 0, and nothing audited, as nothing changed."""
    with _people_change(engine) as conn:
        user_id, _, stored = _find(conn, name)
        revoked = conn.execute(delete(api_tokens).where(api_tokens.c.user_id == user_id)
                               ).rowcount
        if revoked:
            audit.record(conn, actor=actor, action="token.revoke", target=stored,
                         detail={"tokens": revoked}, now=now)
    return revoked


@dataclass(frozen=True)
class Checked:
    """A password found right, and the stored hash it was checked against: a session is
    started only while that hash is still the user's (`start_session`)."""

    user: User
    password_hash: str


def _check_password_length(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise UserError(f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH:,} "
                        f"characters (got {len(password):,})")


def check_password(engine: Engine, name: str, password: str) -> Checked | None:
    """The user and the hash their password matched; the same work for an unknown name.
    Any length is checked (a console form is capped at 1 MiB before this): a password set
    before the 1,000-character cap still signs in."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.name == same_name(name))).mappings().first()
    if row is None:
        check_password_hash(_dummy_hash(PASSWORD_METHOD), password)
        return None
    if not check_password_hash(row["password_hash"], password):
        return None
    return Checked(_user(row), row["password_hash"])


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The user if the password matches; the same work is done for an unknown name."""
    checked = check_password(engine, name, password)
    return checked.user if checked else None


def all_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(row) for row in conn.execute(select(users).order_by(users.c.name))
                .mappings()]


@dataclass(frozen=True)
class TokenInfo:
    """A working API token as an admin sees it: never the token, only what tells it apart."""

    id: int
    label: str  # UNLABELLED for one issued without
    created_at: datetime
    last_used_at: datetime | None  # to the minute; None: not used since labels came (0024)


def _token_info(row) -> TokenInfo:  # noqa: ANN001 - a row of api_tokens
    return TokenInfo(row.id, row.label or UNLABELLED, as_utc(row.created_at),
                     as_utc(row.last_used_at) if row.last_used_at else None)


TOKEN_COLUMNS = (api_tokens.c.id, api_tokens.c.user_id, api_tokens.c.label,
                 api_tokens.c.created_at, api_tokens.c.last_used_at)


@dataclass(frozen=True)
class Person:
    """A user as the People page lists them: what an admin weighs before a change."""

    user: User
    tokens: int  # API tokens that work now
    last_sign_in: datetime | None  # since this account was made (a name reused is new)
    token_list: tuple[TokenInfo, ...] = ()  # those tokens, oldest first


def overview(engine: Engine) -> list[Person]:
    """Every user with their working API tokens and their last console sign-in (from the
    audit log, after the account's creation: an earlier account of the same name is
    another person's)."""
    tokens = select(api_tokens.c.user_id, func.count().label("n")).group_by(
        api_tokens.c.user_id).subquery()
    last = select(func.max(audit_log.c.time)).where(
        audit_log.c.action == "session.login", audit_log.c.target == users.c.name,
        audit_log.c.time >= users.c.created_at).scalar_subquery()
    query = select(users, func.coalesce(tokens.c.n, 0).label("tokens"),
                   last.label("last_sign_in")).outerjoin(
        tokens, tokens.c.user_id == users.c.id).order_by(users.c.name)
    with engine.connect() as conn:
        people = conn.execute(query).mappings().all()
        listed: dict[int, list[TokenInfo]] = {}
        for row in conn.execute(select(*TOKEN_COLUMNS).order_by(api_tokens.c.id)):
            listed.setdefault(row.user_id, []).append(_token_info(row))
    return [Person(_user(row), row["tokens"],
                   as_utc(row["last_sign_in"]) if row["last_sign_in"] else None,
                   tuple(listed.get(row["id"], ()))) for row in people]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(engine: Engine, name: str, now: datetime, actor: str = "cli", *,
                tokens_seen: int | None = None, label: str | None = None) -> str:
    """A new random API token for `name`; only its hash is kept, so it is shown once.
    `tokens_seen`: the working tokens the asker saw; another count means a form sent twice
    (a reload) or another admin's token in between, and none is issued. `label`: what it is
    for ("wallboard"), listed beside it so it can be revoked alone."""
    try:
        label = clean_label(label)
    except ValueError as error:  # named whose: a page of many rows, each with a label box
        raise UserError(f"{error}, in the label typed for {name[:80]}") from None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with _people_change(engine) as conn:  # as set_password: the account read is the one
        user_id, _, stored = _find(conn, name)  # the token is for
        working = conn.execute(select(func.count()).select_from(api_tokens).where(
            api_tokens.c.user_id == user_id)).scalar_one()
        if tokens_seen is not None and working != tokens_seen:
            raise UserError(f"{stored} has {working} working token(s), not the {tokens_seen} "
                            "the page showed (a reload re-sends the form, and each token "
                            "issued stays valid); issue another here if you need one")
        token_id = conn.execute(insert(api_tokens).values(
            user_id=user_id, token_hash=token_hash(token), created_at=now, label=label)
        ).inserted_primary_key[0]
        audit.record(conn, actor=actor, action="token.issue", target=stored,
                     detail={"token": token_id, "label": label or UNLABELLED}, now=now)
    return token


def tokens_of(engine: Engine, name: str) -> list[TokenInfo]:
    """`name`'s working API tokens, oldest first."""
    with engine.connect() as conn:
        user_id, _, _ = _find(conn, name)
        rows = conn.execute(select(*TOKEN_COLUMNS).where(api_tokens.c.user_id == user_id)
                            .order_by(api_tokens.c.id)).all()
    return [_token_info(row) for row in rows]


def revoke_token(engine: Engine, name: str, token_id: int, now: datetime, actor: str
                 ) -> TokenInfo:
    """One API token of `name` stops working at once (audited); the others keep working.
    What it was. A token id that is not one of theirs (another person's, or revoked
    already) is refused by name, so nobody revokes a token they were not shown."""
    with _people_change(engine) as conn:
        user_id, _, stored = _find(conn, name)
        row = _working_token(conn, user_id, stored, token_id)
        conn.execute(delete(api_tokens).where(api_tokens.c.id == token_id))
        revoked = _token_info(row)
        audit.record(conn, actor=actor, action="token.revoke", target=stored,
                     detail={"tokens": 1, "token": token_id, "label": revoked.label}, now=now)
    return revoked


def token_of(engine: Engine, name: str, token_id: int) -> TokenInfo:
    """One of `name`'s working API tokens, as the console names it before revoking it;
    refused as `revoke_token` refuses an id that is not one of theirs."""
    with engine.connect() as conn:
        user_id, _, stored = _find(conn, name)
        return _token_info(_working_token(conn, user_id, stored, token_id))


def _working_token(conn: Connection, user_id: int, stored: str, token_id: int
                   ):  # noqa: ANN202 - a row of TOKEN_COLUMNS
    """`token_id` if it is one of `stored`'s working tokens, else the UserError naming it:
    one check for what a revoke acts on and what its confirmation shows."""
    row = conn.execute(select(*TOKEN_COLUMNS).where(
        api_tokens.c.id == token_id, api_tokens.c.user_id == user_id)).first() \
        if 0 < token_id <= LARGEST_ID else None  # past it: no id, and the driver's
    # OverflowError (SQLite) or DataError (PostgreSQL) had ended `users revoke --token`
    if row is None:
        raise UserError(f"{stored} has no working API token #{token_id} (revoked "
                        "already, or another person's)")
    return row


LARGEST_ID = 2**31 - 1
"""The largest id an Integer column holds on PostgreSQL (and SQLite takes no more than 2**63)."""


LAST_USE_STEP = timedelta(minutes=1)
"""A token's last use is written at most once a minute: a script polling every second
would otherwise write on each of its reads."""
LAST_USE_WAIT_S = 0.25
"""How long a request waits for SQLite's write lock to note a use before skipping it."""


def user_for_token(engine: Engine, token: str, now: datetime | None = None) -> User | None:
    """The token's owner; a lookup by hash, so no comparison leaks timing of the secret.
    With `now`, its last use is noted (best effort: a database that cannot write just
    then does not turn a valid token away)."""
    query = select(users, api_tokens.c.id.label("token_id"),
                   api_tokens.c.last_used_at).join(
        api_tokens, api_tokens.c.user_id == users.c.id).where(
        api_tokens.c.token_hash == token_hash(token))
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        return None
    last = as_utc(row["last_used_at"]) if row["last_used_at"] else None
    if now is not None and (last is None or now - last >= LAST_USE_STEP):
        _note_use(engine, row["token_id"], now)
    return _user(row)


def _note_use(engine: Engine, token_id: int, now: datetime) -> None:
    """Best effort: the last-use time is what an admin weighs before revoking, not a
    record anything depends on, so a locked or read-only database skips it."""
    try:
        with engine.connect() as conn, conn.begin():
            begin_write(conn, time.monotonic() + LAST_USE_WAIT_S)
            conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(
                last_used_at=now.replace(second=0, microsecond=0)))
    except DBAPIError:  # locked, read-only (InternalError), a role without UPDATE
        pass


def start_session(engine: Engine, user_id: int, now: datetime, lifetime_s: float, *,
                  password_hash: str | None = None) -> str | None:
    """A new console session for the user: a random id for the cookie, its hash kept here
    (dropping sessions past `lifetime_s`, so the table stays small). None when the user was
    removed, or given a new password, since theirs was checked (`password_hash`, the hash it
    matched): the row is inserted only while that account, with that hash, exists. SQLite
    reuses a removed user's id for the next one added, and a session left under that id
    signed its cookie in as the newcomer; a password reset had not ended a sign-in under
    way with the old one."""
    session_id = secrets.token_urlsafe(32)
    same_account = users.c.id == user_id
    if password_hash is not None:  # a salted hash: no other account or password has it
        same_account &= users.c.password_hash == password_hash
    still_there = select(
        literal(token_hash(session_id), console_sessions.c.id_hash.type), users.c.id,
        literal(now, console_sessions.c.created_at.type)).where(same_account)
    try:
        with engine.begin() as conn:
            conn.execute(delete(console_sessions).where(
                console_sessions.c.created_at < now - timedelta(seconds=lifetime_s)))
            started = len(conn.execute(insert(console_sessions).from_select(
                ["id_hash", "user_id", "created_at"], still_there).returning(
                console_sessions.c.user_id)).all())  # psycopg's rowcount here is -1
    except IntegrityError:  # PostgreSQL: the removal committed while this insert waited on it
        return None
    return session_id if started == 1 else None


def user_for_session(engine: Engine, session_id: str, now: datetime,
                     lifetime_s: float) -> User | None:
    """The session's user while it is neither signed out nor older than `lifetime_s`."""
    query = select(users).join(console_sessions, console_sessions.c.user_id == users.c.id).where(
        console_sessions.c.id_hash == token_hash(session_id),
        console_sessions.c.created_at >= now - timedelta(seconds=lifetime_s))
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return _user(row) if row else None


def end_session(engine: Engine, session_id: str) -> None:
    """Sign-out: the session's cookie, and every copy of it, is no credential from now on."""
    with engine.begin() as conn:
        conn.execute(delete(console_sessions).where(
            console_sessions.c.id_hash == token_hash(session_id)))


def recent_failures(engine: Engine, name: str, address: str, now: datetime,
                    window_s: float) -> int:
    """Sign-in attempts for this name from this address in the window not (yet) known to
    have succeeded: the failures, and those under way (shared by every worker: it is in the
    db)."""
    return _attempts(engine, now, window_s, login_failures.c.name == _throttle_key(name),
                     login_failures.c.address == address_key(address))


def failures_from(engine: Engine, address: str, now: datetime, window_s: float) -> int:
    """Sign-in attempts from this address, for any name, in the window not (yet) known to
    have succeeded."""
    return _attempts(engine, now, window_s, login_failures.c.address == address_key(address))


def _attempts(engine: Engine, now: datetime, window_s: float, *where: ColumnElement[bool]
              ) -> int:
    """How many throttle rows of the last `window_s` seconds match `where`."""
    since = now - timedelta(seconds=window_s)
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(login_failures).where(
            login_failures.c.time >= since, *where)).scalar_one()


def address_key(address: str) -> str:
    """Where an attempt came from, as the throttle counts it: an IPv4 address, or an IPv6
    address's /64 (one subscriber's whole block: counted per address, it had 2^64 times
    the guesses)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def note_attempt(engine: Engine, name: str, address: str, now: datetime,
                 keep_s: float) -> int:
    """Count a sign-in attempt as a failure until it is known to have succeeded, committed
    before its password is checked, so parallel attempts all see each other; drops rows older
    than `keep_s` so the table stays small. Returns the attempt's id."""
    with engine.begin() as conn:
        conn.execute(delete(login_failures).where(
            login_failures.c.time < now - timedelta(seconds=keep_s)))
        return conn.execute(insert(login_failures).values(
            name=_throttle_key(name), address=address_key(address),
            time=now)).inserted_primary_key[0]


def forget_attempt(engine: Engine, attempt_id: int) -> None:
    """The attempt succeeded, or was refused unchecked: it is no failure."""
    with engine.begin() as conn:
        conn.execute(delete(login_failures).where(login_failures.c.id == attempt_id))


def _throttle_key(name: str) -> str:
    """What the name reads as (any case, width, composition or look-alike letters), cut as
    the column holds it: every spelling of one account counts against one lock. Counted as
    typed, "JoséK" written four ways (a composed or combining é, a Kelvin sign for the K)
    had had four times the guesses."""
    return reads_as(same_name(name[:MAX_NAME_LENGTH * 2]))[:64]
