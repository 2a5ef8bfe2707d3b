"""`GET /healthz`: is this instance able to keep its promises? For load balancers and people.

No signature and no secrets: it says whether the database answers (within the webhook
budget), whether its schema is at the revision this code needs, how many journaled writes
wait to be replayed and how many were set aside as never applicable. 200 when all is well,
503 when the database is unreachable or its schema is behind (the journal keeps callers safe
meanwhile, but someone should look).
"""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from app.services import services
from app.storage.deadline import DatabaseUnavailable, Deadline

bp = Blueprint("health", __name__)


@cache
def head_revision() -> str:
    """The newest migration this code ships (read from the migration scripts, once)."""
    from alembic.script import ScriptDirectory

    from app.storage.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


@bp.get("/healthz")
def healthz() -> Response:
    svc = services()
    store = svc.store
    store.ensure_replayer()  # a worker that only ever answers health checks still replays
    journal = store.journal
    body: dict[str, object] = {"journal_backlog": journal.backlog() if journal else 0,
                               "journal_set_aside": journal.set_aside() if journal else 0,
                               "schema_head": head_revision()}
    deadline = Deadline(svc.settings.db_budget_s)
    try:
        store.read(lambda conn: conn.execute(text("SELECT 1")).scalar(), deadline, trip=False)
    except DatabaseUnavailable as error:
        body.update(database="unreachable", problem=str(error))
        return _answer(body, healthy=False)
    body["database"] = "ok"
    try:
        body["schema_revision"] = store.read(lambda conn: conn.execute(
            text("SELECT version_num FROM alembic_version")).scalar(), deadline, trip=False)
    except DatabaseUnavailable:
        body["schema_revision"] = None
    healthy = body["schema_revision"] == body["schema_head"]
    if not healthy:
        body["problem"] = "schema is behind: run `holdwell db upgrade`"
    return _answer(body, healthy=healthy)


def _answer(body: dict[str, object], *, healthy: bool) -> Response:
    response = jsonify(status="ok" if healthy else "unhealthy", **body)
    response.status_code = 200 if healthy else 503
    return response
