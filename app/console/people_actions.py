"""Admins manage people in the console: add someone, change a role, set a new password,
issue or revoke API tokens, remove someone who left. Each is audited under the admin's
name, as the CLI's are under "cli". The console refuses what would leave it without an admin
(the last admin demoted or removed) and an admin removing themselves. A removal is confirmed
by a tick; a revoke on a page of its own that names the tokens (a GET that changes nothing),
since scripts using them stop at once."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth.access import current_user, requires
from app.console.blueprint import bp
from app.console.people_views import people_page
from app.services import services
from app.settings import plain_count
from app.storage import users
from app.storage.person_names import same_name

View = Callable[[], "str | Response"]


def _back(message: str, category: str = "ok", **kept: str) -> Response:
    """Back to the People page, saying what happened (303: the browser GETs it); `kept`:
    what the add form had typed, filled in again (never a password)."""
    flash(message, category)
    return redirect(url_for("console.people", **kept), 303)


def _refused_as(prefix: str, keeps: tuple[str, ...] = ()) -> Callable[[View], View]:
    """A change the storage refuses (no such person, a short password, the last admin)
    goes back to the page with its reason after `prefix`, and the `keeps` fields as typed
    (a refused add had emptied the Name box; accessibility audit X2). `{name}` in `prefix`
    is the person the row's form is for, cut as a label's refusal cuts it: a password
    refused as too short had said nothing of whose, on a page of a box a person."""
    def decorate(view: View) -> View:
        @wraps(view)
        def guarded() -> str | Response:
            try:
                return view()
            except users.UserError as error:
                gone = " (removed since this page was shown? The audit log says by whom)" \
                    if str(error).startswith("no user named") else ""
                return _back(f"{prefix.format(name=_named()[:80])}: {error}{gone}.", "error",
                             **{field: request.form.get(field, "") for field in keeps})
        return guarded
    return decorate


def _named() -> str:
    return request.form.get("name", "")


@bp.post("/people/add")
@requires("admin")
@_refused_as("Not added", keeps=("name", "role"))
def add_person() -> Response:
    svc, name = services(), request.form.get("name", "").strip()
    role = request.form.get("role", "")
    users.add_user(svc.store.engine, name, role, request.form.get("password", ""),
                   svc.clock.now(), actor=current_user().name)
    return _back(f"{name} added as {role}. Tell them their password by a way other than "
                 "e-mail; they can sign in now.")


@bp.post("/people/role")
@requires("admin")
@_refused_as("Role not changed")
def change_role() -> Response:
    svc, name, role = services(), _named(), request.form.get("role", "")
    before = users.set_role(svc.store.engine, name, role, svc.clock.now(),
                            actor=current_user().name, keep_an_admin=True)
    if before == role:
        return _back(f"{name} is already {role}.")
    if role != "admin" and same_name(name) == current_user().name:
        return _demoted_myself(name, before, role)
    return _back(f"{name}: {before} → {role}, from their next request.")


def _demoted_myself(name: str, before: str, role: str) -> Response:
    """An admin who gave themselves another role may no longer see People, where the
    change had sent them, to be told "Error: 403" of a change that was saved (console audit
    34, D12): the wallboard, which every role sees, says so instead."""
    flash(f"{name}: {before} → {role}: saved. You are {role} now, so People (for admins) is "
          "no longer yours to see.", "ok")
    return redirect(url_for("console.wallboard"), 303)


@bp.post("/people/password")
@requires("admin")
@_refused_as("Password of {name} not changed")
def new_password() -> Response:
    svc, name = services(), _named()
    lifted = users.set_password(svc.store.engine, name, request.form.get("password", ""),
                                svc.clock.now(), actor=current_user().name)
    return _back(f"{users.password_set_words(name, lifted)}.")


@bp.post("/people/token")
@requires("admin")
@_refused_as("No token issued")
def new_token() -> str:
    """The token is shown once, in this answer only: never in the session cookie (a flash
    message travels there), never stored but as its hash."""
    svc, name = services(), _named()
    token = users.issue_token(svc.store.engine, name, svc.clock.now(),
                              actor=current_user().name,
                              tokens_seen=_whole(request.form.get("tokens_seen", "")),
                              label=request.form.get("label", ""))
    return people_page(issued=(name, token))


def _whole(value: str) -> int:
    """A form's whole number (-1 for anything else, which matches no count and no id)."""
    return int(value) if plain_count(value) and len(value) < 10 else -1


def _none_left(name: str) -> Response:
    """Revoked since the page was shown (by another admin, or a form sent twice)."""
    return _back(f"{name} has no API tokens now: nothing revoked.")


@bp.get("/people/revoke")
@requires("admin")
@_refused_as("Nothing revoked")
def confirm_revoke() -> str | Response:
    """The token (`token`: its id), or every token, that revoking would stop, named before
    anything is revoked: one click on People had revoked them."""
    engine, name = services().store.engine, request.args.get("name", "")
    if "token" in request.args:
        tokens = [users.token_of(engine, name, _whole(request.args["token"]))]
    elif not (tokens := users.tokens_of(engine, name)):
        return _none_left(name)
    return render_template("console/confirm_revoke.html", name=name, tokens=tokens,
                           one="token" in request.args)


@bp.post("/people/revoke")
@requires("admin")
@_refused_as("Nothing revoked")
def revoke() -> Response:
    """Every token of a person, or with `token` (its id) just that one, once confirmed; a
    form without the confirmation's `confirm` (a People page loaded before it came) is
    shown the confirmation instead."""
    svc, name = services(), _named()
    if request.form.get("confirm") != "yes":
        kept = {field: request.form[field] for field in ("name", "token") if field in request.form}
        return redirect(url_for("console.confirm_revoke", **kept), 303)
    if "token" in request.form:
        token = users.revoke_token(svc.store.engine, name, _whole(request.form["token"]),
                                   svc.clock.now(), actor=current_user().name)
        return _back(f"API token #{token.id} ({token.label}) of {name} revoked: scripts "
                     "using it get 401 now; their other tokens still work.")
    count = users.revoke_tokens(svc.store.engine, name, svc.clock.now(),
                                actor=current_user().name)
    if not count:  # revoked since the page was shown (storage audits nothing then)
        return _none_left(name)
    return _back(f"{count} API token(s) of {name} revoked: scripts using them get 401 now.")


@bp.post("/people/remove")
@requires("admin")
@_refused_as("Not removed")
def remove() -> Response:
    svc, name, me = services(), _named(), current_user()
    if not name:
        return _back("Not removed: say whom.", "error")
    if name == me.name:
        return _back("Not removed: you cannot remove yourself here; ask another admin "
                     "(or use `holdwell users remove`).", "error")
    if request.form.get("confirm") != "yes":
        return _back(f"Not removed: tick the box to confirm removing {name}.", "error")
    tokens = users.remove_user(svc.store.engine, name, svc.clock.now(), actor=me.name,
                               keep_an_admin=True)
    return _back(f"{name} removed: their sessions ended and {tokens} API token(s) stopped "
                 "working. The audit log keeps what they did.")
