"""Admins manage people in the console, as the CLI does: people management had been CLI-only,
so an admin without a shell on the host could not let a new starter in or a leaver out."""

from __future__ import annotations

import html
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine

from app.storage import audit
from app.storage import users as people
from tests.console.conftest import PASSWORD, Console, bearer

POLICY = "/api/v1/policies/support"
WHEN = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _flash(answer, console: Console) -> str:  # noqa: ANN001
    assert answer.status_code == 303, answer.data
    return html.unescape(console.get("/console/people").get_data(as_text=True))


def test_an_admin_adds_someone_who_can_then_sign_in(console_app):
    admin = Console(console_app, "admin")
    page = _flash(admin.post("/console/people/add", {"name": "Nia", "role": "operator",
                                                     "password": "a long password"}), admin)
    assert "Nia added as operator" in page and 'data-person="Nia"' in page
    assert Console(console_app, None).post("/console/login", {
        "name": "Nia", "password": "a long password"}).status_code == 302
    entry = audit.page(console_app.extensions["holdwell"].store.engine, kind="people").entries[0]
    assert (entry.actor, entry.action, entry.target) == ("admin", "user.add", "Nia")
    for bad, said in (({"name": "nia", "role": "analyst", "password": "a long password"},
                       "already exists"),
                      ({"name": "Bo", "role": "analyst", "password": "short"},
                       "10 to 1,000 characters"),
                      ({"name": "Bo", "role": "boss", "password": "a long password"},
                       "role must be one of")):
        page = _flash(admin.post("/console/people/add", bad), admin)
        assert "Not added:" in page and said in page
    names = {user.name for user in people.all_users(console_app.extensions["holdwell"]
                                                      .store.engine)}
    assert "Bo" not in names and "nia" not in names


def test_a_role_changes_at_once_but_the_last_admin_stays(console_app, tokens):
    admin = Console(console_app, "admin")
    page = _flash(admin.post("/console/people/role", {"name": "operator", "role": "analyst"}),
                  admin)
    assert "operator: operator → analyst" in page
    api = console_app.test_client()
    body = {"settings": {"policy": "silence"}, "note": "t"}
    assert api.patch(POLICY, json=body, headers=bearer(tokens["operator"])).status_code == 403
    page = _flash(admin.post("/console/people/role", {"name": "admin", "role": "analyst"}),
                  admin)
    assert "Role not changed: admin is the last admin" in page
    _flash(admin.post("/console/people/role", {"name": "analyst", "role": "admin"}), admin)
    page = _flash(admin.post("/console/people/role", {"name": "admin", "role": "operator"}),
                  admin)
    assert "admin: admin → operator" in page
    assert admin.get("/console/people").status_code == 403  # no longer an admin


def test_a_new_password_ends_their_sessions(console_app):
    admin, operator = Console(console_app, "admin"), Console(console_app, "operator")
    assert operator.get("/console/").status_code == 200
    page = _flash(admin.post("/console/people/password", {
        "name": "operator", "password": "another long one"}), admin)
    assert "operator's password changed" in page
    assert operator.get("/console/").status_code == 401
    short = _flash(admin.post("/console/people/password", {"name": "operator",
                                                           "password": "x"}), admin)
    assert "Password of operator not changed: password must be 10" in short


def test_a_refused_password_says_whose_it_was(console_app):
    """Each person's row has its own New password box; a refusal said only "Password not
    changed: password must be 10 to 1,000 characters", at the top of the page, not whose."""
    admin = Console(console_app, "admin")
    page = _flash(admin.post("/console/people/password", {"name": "analyst",
                                                          "password": "short"}), admin)
    assert "Password of analyst not changed: password must be 10 to 1,000 characters" in page
    gone = _flash(admin.post("/console/people/password", {"name": "ghost",
                                                          "password": "a long password"}), admin)
    assert "Password of ghost not changed: no user named 'ghost'" in gone


def test_a_token_is_shown_once_works_and_is_revoked(console_app):
    admin = Console(console_app, "admin")
    answer = admin.post("/console/people/token", {"name": "analyst", "tokens_seen": "0"})
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "shown this once" in shown
    token = shown.split('API token for', 1)[1].split("<code>", 1)[1].split("</code>", 1)[0]
    assert token.startswith(people.TOKEN_PREFIX)
    assert token not in answer.headers.get("Set-Cookie", "")  # never in the session cookie
    assert answer.headers["Cache-Control"] == "no-store"
    api = console_app.test_client()
    assert api.get(POLICY, headers=bearer(token)).status_code == 200
    assert token not in admin.get("/console/people").get_data(as_text=True)  # once only
    page = _flash(admin.post("/console/people/revoke", {"name": "analyst", "confirm": "yes"}),
                  admin)
    assert "1 API token(s) of analyst revoked" in page
    assert api.get(POLICY, headers=bearer(token)).status_code == 401


def test_removal_needs_a_tick_is_never_of_yourself_and_ends_everything(console_app, tokens):
    admin = Console(console_app, "admin")
    operator = Console(console_app, "operator")
    page = _flash(admin.post("/console/people/remove", {"name": "operator"}), admin)
    assert "tick the box" in page
    page = _flash(admin.post("/console/people/remove", {"name": "admin", "confirm": "yes"}),
                  admin)
    assert "you cannot remove yourself" in page
    page = _flash(admin.post("/console/people/remove", {"name": "operator", "confirm": "yes"}),
                  admin)
    assert "operator removed" in page and 'data-person="operator"' not in page
    assert operator.get("/console/").status_code == 401
    api = console_app.test_client()
    assert api.get(POLICY, headers=bearer(tokens["operator"])).status_code == 401
    entry = audit.page(console_app.extensions["holdwell"].store.engine, kind="people").entries[0]
    assert (entry.actor, entry.action, entry.target) == ("admin", "user.remove", "operator")
    page = _flash(admin.post("/console/people/remove", {"name": "nobody", "confirm": "yes"}),
                  admin)
    assert "Not removed: no user named 'nobody' (removed since this page was shown? The " \
        "audit log says by whom)." in page  # another admin's removal had read as a typo


def test_only_admins_may_and_every_change_needs_the_csrf_token(console_app):
    operator = Console(console_app, "operator")
    for action in ("add", "role", "password", "token", "revoke", "remove"):
        assert operator.post(f"/console/people/{action}", {"name": "analyst"}
                             ).status_code == 403, action
    admin = Console(console_app, "admin")
    forged = admin.client.post("/console/people/remove", data={"name": "analyst",
                                                               "confirm": "yes"})
    assert forged.status_code == 400
    assert "analyst" in {u.name for u in people.all_users(
        console_app.extensions["holdwell"].store.engine)}


def _demote_each_other(url: str) -> tuple[list[str], list[str]]:
    """Two admins, each demoting the other at the same moment; admins left, refusals."""
    engine = create_engine(url, pool_size=2)
    for name in ("ana", "bea"):
        people.add_user(engine, name, "admin", PASSWORD, WHEN)
    start, refused = threading.Barrier(2), []

    def demote(name: str, by: str) -> None:
        start.wait()
        try:
            people.set_role(engine, name, "analyst", WHEN, actor=by, keep_an_admin=True)
        except people.UserError as error:
            refused.append(str(error))

    threads = [threading.Thread(target=demote, args=pair)
               for pair in (("ana", "bea"), ("bea", "ana"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    admins = [user.name for user in people.all_users(engine) if user.role == "admin"]
    for name in ("ana", "bea"):
        people.remove_user(engine, name, WHEN, actor="test")
    engine.dispose()
    return admins, refused


def test_two_admins_demoting_each_other_at_once_leave_one(any_url):
    """Each checks that another admin is left; without one change at a time both pass and
    nobody can manage people any more."""
    for _round in range(4):
        admins, refused = _demote_each_other(any_url)
        assert len(admins) == 1 and len(refused) == 1 and "last admin" in refused[0]


def test_the_list_shows_tokens_and_last_sign_in_of_this_account_only(console_app, tokens,
                                                                     clock):
    """What an admin weighs before a change: does a script use this account (its tokens),
    does anyone (its last sign-in). A name removed and added again starts at "never"."""
    clock.advance(60)
    Console(console_app, "operator")  # signs in
    admin = Console(console_app, "admin")
    page = admin.get("/console/people").get_data(as_text=True)
    row = page.split('data-person="operator"', 1)[1].split("</tr>", 1)[0]
    assert 'data-tokens="1"' in row and "never" not in row
    assert 'data-tokens="1"' in page.split('data-person="analyst"', 1)[1]
    analyst = page.split('data-person="analyst"', 1)[1].split("</tr>", 1)[0]
    assert "never" in analyst  # has a token, never signed in
    engine = console_app.extensions["holdwell"].store.engine
    clock.advance(60)
    people.remove_user(engine, "operator", clock.now(), actor="admin")
    clock.advance(60)
    people.add_user(engine, "operator", "analyst", PASSWORD, clock.now())
    page = admin.get("/console/people").get_data(as_text=True)
    row = page.split('data-person="operator"', 1)[1].split("</tr>", 1)[0]
    assert 'data-tokens="0"' in row and "never" in row


def test_a_name_no_user_can_have_is_no_users_on_both_databases(any_url):
    """A NUL had been a 500 on PostgreSQL (it refuses one in a query), and a 400 KB name was
    echoed whole into the refusal, which travels in the session cookie."""
    engine = create_engine(any_url)
    people.add_user(engine, "ana", "admin", PASSWORD, WHEN)
    for name in ("ana\x00", "x" * 300_000):
        for change in (lambda n: people.set_role(engine, n, "analyst", WHEN, actor="t"),
                       lambda n: people.set_password(engine, n, PASSWORD, WHEN, actor="t"),
                       lambda n: people.issue_token(engine, n, WHEN, actor="t"),
                       lambda n: people.revoke_tokens(engine, n, WHEN, actor="t"),
                       lambda n: people.remove_user(engine, n, WHEN, actor="t")):
            try:
                change(name)
            except people.UserError as error:
                assert str(error).startswith("no user named") and len(str(error)) < 120
            else:
                raise AssertionError(f"changed {name[:10]!r}")
    engine.dispose()


def test_a_token_issued_while_its_person_is_removed_never_lands_on_the_next_one(any_url,
                                                                                monkeypatch):
    """SQLite hands a removed id to the next user added: a token issued for bob while he was
    being removed had become the credential of carol, an admin added next (a reviewer's
    finding); PostgreSQL had answered 500. People changes are now made one at a time."""
    engine = create_engine(any_url, pool_size=3)
    people.add_user(engine, "ana", "admin", PASSWORD, WHEN)
    people.add_user(engine, "bob", "operator", PASSWORD, WHEN)
    find = people._find
    removal = threading.Thread(target=people.remove_user, args=(engine, "bob", WHEN),
                               kwargs={"actor": "ana"})

    def found_then_removed(conn, name):  # noqa: ANN001, ANN202 - the race, made certain
        row = find(conn, name)
        if name == "bob" and not removal.is_alive() and removal.ident is None:
            removal.start()
            removal.join(timeout=1.0)  # completes now unless the change holds the people
        return row

    monkeypatch.setattr(people, "_find", found_then_removed)
    token = people.issue_token(engine, "bob", WHEN, actor="ana")
    removal.join(timeout=10)
    monkeypatch.setattr(people, "_find", find)
    carol = people.add_user(engine, "carol", "admin", PASSWORD, WHEN)
    assert people.user_for_token(engine, token) is None, carol
    engine.dispose()


def test_reloading_the_token_page_issues_no_second_token(console_app):
    """A reload re-sends the form: each one had minted another valid token, unseen."""
    admin = Console(console_app, "admin")
    first = admin.post("/console/people/token", {"name": "analyst", "tokens_seen": "0"})
    assert first.status_code == 200
    again = admin.post("/console/people/token", {"name": "analyst", "tokens_seen": "0"})
    page = _flash(again, admin)
    assert "No token issued: analyst has 1 working token(s), not the 0 the page showed" in page
    assert 'data-tokens="1"' in page.split('data-person="analyst"', 1)[1]
    for odd in ("", "x", "9" * 5000):  # no count, or none a page shows: no token either
        assert "No token issued" in _flash(admin.post("/console/people/token", {
            "name": "analyst", "tokens_seen": odd}), admin)
    audit_filter = first.get_data(as_text=True).split('class="filters" action="', 1)[1]
    assert audit_filter.startswith("/console/people\"")  # not the POST-only token URL


@pytest.mark.parametrize("name", ["adm\u200bin", "nimda\u202e", "op\x85erator", "x\u2028y",
                                  "\ufeffadmin", "admin\xa0x"])
def test_a_name_with_what_does_not_show_is_refused(console_app, name):
    admin = Console(console_app, "admin")
    page = _flash(admin.post("/console/people/add", {"name": name, "role": "admin",
                                                     "password": "a long password"}), admin)
    assert "Not added: name must be 1 to 64 characters, all of them showing" in page
    assert name not in {u.name for u in people.all_users(
        console_app.extensions["holdwell"].store.engine)}


def test_a_name_typed_composed_or_not_is_one_name(console_app):
    """"José" with é as one character or as e and a combining accent reads the same: one
    account, and either way of typing signs in."""
    engine = console_app.extensions["holdwell"].store.engine
    people.add_user(engine, "Jose\u0301", "analyst", PASSWORD, WHEN)
    assert {u.name for u in people.all_users(engine)} >= {"Jos\u00e9"}
    with pytest.raises(people.UserError, match="already exists"):
        people.add_user(engine, "Jos\u00e9", "analyst", PASSWORD, WHEN)
    assert people.authenticate(engine, "Jose\u0301", PASSWORD) is not None
    assert people.authenticate(engine, "Jos\u00e9", PASSWORD) is not None
    people.set_role(engine, "Jose\u0301", "operator", WHEN, actor="admin")
    entry = audit.page(engine, kind="people").entries[0]
    assert (entry.action, entry.target) == ("user.role", "Jos\u00e9")  # as stored


def test_a_failed_sign_in_writes_no_hidden_characters_into_the_audit_log(console_app):
    Console(console_app, None).post("/console/login", {"name": "adm\u200bin",
                                                      "password": "wrong password"})
    entry = audit.page(console_app.extensions["holdwell"].store.engine).entries[0]
    assert entry.action == "session.login_failed" and entry.target == "adm\\u200bin"


def test_two_admins_issuing_a_token_from_the_same_page_issue_one(any_url):
    """Both saw 0 tokens: the count is checked inside the change, so the second is told."""
    engine = create_engine(any_url, pool_size=2)
    people.add_user(engine, "bo", "operator", PASSWORD, WHEN)
    start, issued, refused = threading.Barrier(2), [], []

    def issue(by: str) -> None:
        start.wait()
        try:
            issued.append(people.issue_token(engine, "bo", WHEN, actor=by, tokens_seen=0))
        except people.UserError as error:
            refused.append(str(error))

    threads = [threading.Thread(target=issue, args=(by,)) for by in ("ana", "cy")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(issued) == 1 and len(refused) == 1 and "has 1 working token(s)" in refused[0]
    engine.dispose()


def test_a_refused_add_keeps_the_name_and_role_typed_but_never_the_password(as_role):
    """A refused add had emptied the Name box, to be typed again (accessibility audit X2)."""
    admin = as_role("admin")
    refused = admin.post("/console/people/add", {"name": "ADMIN", "role": "operator",
                                                 "password": "a long enough password"})
    assert refused.status_code == 303
    page = admin.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Not added: user" in page
    assert 'name="name" required' in page and 'value="ADMIN"' in page
    assert '<option value="operator" selected>' in page
    assert "a long enough password" not in refused.headers["Location"] + page


@pytest.mark.parametrize("role", ["operator", "analyst"])
def test_an_admin_who_demotes_themselves_lands_on_a_page_they_may_see(console_app, role):
    """The change went through, but its answer was "Error: 403": People, where the redirect
    went, is for admins only (console audit 34, D12). Now the wallboard says it was saved."""
    people.add_user(console_app.extensions["holdwell"].store.engine, "ana", "admin", PASSWORD,
                    WHEN)
    me = Console(console_app, "admin")
    changed = me.post("/console/people/role", {"name": "admin", "role": role})
    assert changed.status_code == 303 and changed.headers["Location"] == "/console/"
    page = me.get("/console/")
    said = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "Error" not in said.split("</title>")[0]
    assert f"admin: admin → {role}: saved." in said and "People" in said
    other = me.post("/console/people/role", {"name": "ana", "role": "analyst"})
    assert other.status_code == 403  # judged by the new role at once
