"""`GET /healthz`: is this instance able to keep its promises? For load balancers and people.

No signature and no secrets: it says whether the database answers (within the webhook
budget), whether its schema is at the revision this code needs, how many journaled writes
wait to be replayed and how many were set aside as never applicable. 200 when all is well,
503 when the database is unreachable, answers but refuses writes (read-only, a standby) or
lacks the tables, its schema is not this code's, or the journal folder cannot be written (a
database fault would then lose writes): the journal keeps callers safe meanwhile, but
someone should look. On PostgreSQL it also says how far this host's clock is from the
server's (`clock_offset_s`), with a warning past a second; still 200: the host serves.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache

from flask import Blueprint, Response, jsonify
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from app.clock_offset import clock_offset_s, offset_warning
from app.services import services
from app.storage import worker_rounds
from app.storage.db import sqlite_file_problem
from app.storage.deadline import DatabaseUnavailable, Deadline, first_line
from app.storage.migrate import head_revision, migration_scripts, revision_of
from app.storage.sqlstates import PERMISSION_DENIED, READ_ONLY, sqlstate_of, table_missing

bp = Blueprint("health", __name__)
log = logging.getLogger("holdwell.health")


NEEDED_TABLES = ("calls", "call_events", "callbacks", "callback_messages")
WEBHOOK_PRIVILEGES = ("SELECT", "INSERT", "UPDATE")
LACKING_PRIVILEGES = text(
    "SELECT t.name, p.privilege FROM unnest(CAST(:tables AS text[])) AS t(name)"
    " CROSS JOIN unnest(CAST(:privileges AS text[])) AS p(privilege)"
    " WHERE NOT has_any_column_privilege(quote_ident(t.name), p.privilege)"
    " UNION ALL"
    " SELECT c.table_name || ' (its sequence ' || pg_get_serial_sequence("
    "quote_ident(c.table_name), c.column_name) || ')', 'USAGE'"
    " FROM information_schema.columns AS c"
    " WHERE c.table_schema = current_schema() AND c.table_name = ANY(CAST(:tables AS text[]))"
    " AND c.column_default LIKE 'nextval(%'"
    " AND NOT has_sequence_privilege("
    "pg_get_serial_sequence(quote_ident(c.table_name), c.column_name), 'USAGE, UPDATE')")
"""What this role may not do on the tables webhooks write (PostgreSQL only): a role that may
read but not write them passes every read, and each webhook's write would go to the journal
for good. A no-row write cannot tell: a serial's sequence is checked only when it is used.
Privileges granted column by column count (has_any_column_privilege: a table-wide grant, or
one on some column), and either of USAGE or UPDATE on a sequence lets nextval run (a role
granted either had been refused; review 32 R2)."""
WRITE_PROBE = text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0")
"""A write of no rows: a read-only database (a standby after a failover, a read-only
transaction default, a file the server may not write) refuses it before looking for rows,
though it answers every read; a writable one writes nothing (no row version, no WAL)."""


def schema_revision(conn: Connection) -> str | None:
    """The schema's revision, after proving the database takes writes and holds the tables
    every webhook writes to (`db stamp` on an empty database leaves a revision and no tables)."""
    revision = revision_of(conn)
    conn.execute(WRITE_PROBE)
    for table in NEEDED_TABLES:
        conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1"))
    if conn.dialect.name == "postgresql" and (lacking := conn.execute(LACKING_PRIVILEGES, {
            "tables": list(NEEDED_TABLES), "privileges": list(WEBHOOK_PRIVILEGES)}).all()):
        raise LackingPrivilege(", ".join(f"{privilege} on {table}"
                                         for table, privilege in lacking))
    return revision


class LackingPrivilege(Exception):
    """The role may read the webhook tables but not write them: the message names what."""


def schema_problem(revision: str | None) -> str | None:
    """What is wrong with the schema's revision for this code (None: it is the head)."""
    head = head_revision()
    if revision == head:
        return None
    if revision is None:  # a database made, never migrated
        return "no holdwell tables yet: run `holdwell db upgrade`"
    if revision in known_revisions():
        return "schema is behind: run `holdwell db upgrade`"
    return (f"schema revision {revision!r} is not one this code knows (newer code migrated "
            f"it?): deploy the code that ships it, or restore a database at {head!r}")


@cache
def known_revisions() -> frozenset[str]:
    """Every revision this code ships."""
    return frozenset(script.revision for script in migration_scripts().walk_revisions())


@bp.get("/healthz")
def healthz() -> Response:
    svc = services()
    store = svc.store
    store.ensure_replayer()  # a worker that only ever answers health checks still replays
    journal = store.journal
    body: dict[str, object] = {"journal_backlog": 0, "journal_set_aside": 0,
                               "schema_head": head_revision()}
    try:
        if journal is not None:
            body.update(journal_backlog=journal.backlog(), journal_set_aside=journal.set_aside())
    except OSError as error:  # a journal nobody can read cannot be replayed either
        body.update(journal="unreadable", problem=f"journal: {error.strerror or error}")
    if journal is not None and "problem" not in body and (problem := journal.unwritable()):
        body["journal"] = "not writable"  # a database fault would lose writes: say so first
        body["problem"] = problem
    deadline = Deadline(svc.settings.db_budget_s)
    try:
        offset_s = store.read(lambda conn: clock_offset_s(conn, svc.clock), deadline,
                              trip=False)
    except DatabaseUnavailable as error:
        body.update(database="unreachable",
                    problem=_also(body, _unreachable(error, svc.settings.database_url)))
        return _answer(body, healthy=False)
    try:
        body["schema_revision"] = store.read(schema_revision, deadline, trip=False)
    except LackingPrivilege as error:
        body.update(database="not writable", schema_revision=None, problem=_also(
            body, f"this database role may not write what every webhook writes (it lacks "
                  f"{error}): {GRANTS}"))
        return _answer(body, healthy=False)
    except (DatabaseUnavailable, SQLAlchemyError) as error:
        said, state = first_line(str(error)), sqlstate_of(error)
        if "alembic_version" in said and table_missing(state, said):
            body.update(database="no schema", schema_revision=None,
                        problem=_also(body, "no tables: run `holdwell db upgrade`"))
        else:
            log.warning("healthz: the database refused this code's writes: %s", said)
            body.update(database="not writable", schema_revision=None, problem=_also(
                body, f"the database answers but cannot take this code's writes: "
                      f"{_refusal(said, state)}"))
        return _answer(body, healthy=False)
    body["database"] = "ok"
    body["clock_offset_s"] = None if offset_s is None else round(offset_s, 3)
    warnings = [warning] if (warning := offset_warning(offset_s)) else []
    if warning:  # the instance still serves: said, not a 503
        log.warning("%s", warning)
    if "problem" not in body and (problem := schema_problem(body["schema_revision"])):
        body["problem"] = problem
    if "problem" not in body:  # the tables are this code's: the worker's rounds can be read
        read, worker, warning = _worker(store, svc.clock.now(), deadline)
        if read:  # null says no worker ever ran: not said when the rounds could not be read
            body["callbacks_worker"] = worker
        warnings += [warning] if warning else []
    if warnings:
        body["warnings"] = warnings
    return _answer(body, healthy="problem" not in body)


def _worker(store: object, now: datetime,
            deadline: Deadline) -> tuple[bool, dict[str, object] | None, str | None]:
    """Whether the rounds were read, when the callbacks worker last finished a round, and a
    warning when it fell silent while callbacks wait on it (app.storage.worker_rounds): the
    web instance still serves, so it is said, not a 503. (False, None, None) if the
    database could not say in time."""
    try:
        latest, outstanding = store.read(
            lambda conn: worker_rounds.round_and_outstanding(conn, now), deadline, trip=False)
    except (DatabaseUnavailable, SQLAlchemyError) as error:
        log.warning("healthz: could not read the callbacks worker's rounds: %s",
                    first_line(str(error)))
        return False, None, None
    said = None if latest is None else {
        "last_finished_round_at": latest.last_ok_at.isoformat(timespec="seconds")
        if latest.last_ok_at else None,
        "seconds_since": round(latest.silent_s(now), 1), "interval_s": latest.interval_s,
        "silent": latest.is_silent(now)}
    return True, said, worker_rounds.worker_warning(latest, outstanding, now, to_anyone=True)


GRANTS = ("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public and GRANT USAGE ON "
          "ALL SEQUENCES IN SCHEMA public to it (public, or the schema holdwell's tables are "
          "in), or connect as the role the migrations ran as")


OUR_OWN_WORDS = ("database did not answer", "database failed a moment ago", "no time left")
"""How this code's own outage messages begin: they name no host, port or role, and may be
answered to anyone; a driver's message ("connection to server at 10.0.0.5, port 5432
failed: role …") goes to the log only."""


def _unreachable(error: DatabaseUnavailable, url: str) -> str:
    said = str(error)
    if said.startswith(OUR_OWN_WORDS):
        return said
    if cause := sqlite_file_problem(url, error):  # the path goes to the log only
        log.warning("healthz: cannot use the SQLite database: %s", cause)
        return ("cannot open the SQLite file DATABASE_URL names (missing, or read-only: "
                "this instance's log says which; `holdwell db upgrade` creates a missing one)")
    log.warning("healthz: the database is unreachable: %s", said)
    return "the connection failed (the driver's message is in this instance's log)"


def _refusal(said: str, state: str | None = None) -> str:
    """Why the database refused, in this code's words: a privilege the role lacks, which
    table is missing, or that it is read-only; anything else is in the log."""
    named = next((table for table in (*NEEDED_TABLES, "alembic_version") if table in said),
                 None)
    if state == PERMISSION_DENIED or "permission denied" in said.lower():  # the role: an
        table = f"table {named}" if named else "holdwell's tables"  # upgrade would not help
        return f"this database role lacks a privilege on {table} (permission denied): {GRANTS}"
    if named is not None and table_missing(state, said):
        return f"table {named} is missing: run `holdwell db upgrade`"
    if state == READ_ONLY or "read-only" in said or "readonly" in said:
        return "it is read-only (a standby, or a read-only default or file)"
    return "see this instance's log for the database's message"


def _also(body: dict[str, object], problem: str) -> str:
    """`problem` after any already found (the journal's), so neither hides the other."""
    return "; ".join(str(p) for p in (body.get("problem"), problem) if p)


def _answer(body: dict[str, object], *, healthy: bool) -> Response:
    response = jsonify(status="ok" if healthy else "unhealthy", **body)
    response.status_code = 200 if healthy else 503
    return response
