"""Admins see who may sign in and the audit log of every change, a page at a time and
filtered by kind, so a flood of sign-ins cannot hide a config change (the changes to people
themselves: app.console.people_actions)."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.exceptions import UnprocessableEntity

from app.auth.access import current_user, requires
from app.console.blueprint import bp
from app.console.query_args import whole_number
from app.services import services
from app.storage import audit, failed_sign_ins, users
from app.storage.token_labels import MAX_LABEL_LENGTH

MAX_PAGE = 1_000_000
"""Far beyond any log, and small enough that its offset fits every database's integer."""


def _kind() -> str:
    kind = request.args.get("kind", "all")
    if kind not in audit.KINDS:
        raise UnprocessableEntity(f"kind: one of {', '.join(audit.KINDS)} (got {kind!r})")
    return kind


@bp.get("/people")
@requires("admin")
def people() -> str:
    return people_page()


def people_page(issued: tuple[str, str] | None = None) -> str:
    """The page, with a token just issued (`issued`: whose, and the token) shown once."""
    engine = services().store.engine
    number = min(max(whole_number("page") or 1, 1), MAX_PAGE)
    kind = _kind()
    shown = audit.page(engine, kind=kind, offset=(number - 1) * audit.PAGE_SIZE)
    return render_template("console/people.html", people=users.overview(engine), log=shown,
                           kind=kind, kinds=audit.KINDS, number=number,
                           pages=shown.pages, roles=users.ROLES, issued=issued,
                           min_password=users.MIN_PASSWORD_LENGTH,
                           max_password=users.MAX_PASSWORD_LENGTH,
                           max_name=users.MAX_NAME_LENGTH, max_label=MAX_LABEL_LENGTH,
                           me=current_user().name,
                           summary_of=failed_sign_ins.summary_of)
