"""Admins see who may sign in and the audit log of every change."""

from __future__ import annotations

from flask import render_template

from app.auth.access import requires
from app.console.blueprint import bp
from app.services import services
from app.storage import audit, users


@bp.get("/people")
@requires("admin")
def people() -> str:
    engine = services().store.engine
    return render_template("console/people.html", people=users.all_users(engine),
                           entries=audit.recent(engine))
