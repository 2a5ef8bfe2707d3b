"""Signing out ends the session on the server: a copy of the cookie is no credential after."""

from __future__ import annotations

from app.storage import config_versions
from tests.console.conftest import PASSWORD, csrf_of

COOKIE = "holdwell_session"


def test_a_cookie_copied_before_sign_out_is_refused_after_it(console_app, as_role):
    operator, elsewhere = as_role("operator"), as_role("operator")
    copied = operator.client.get_cookie(COOKIE).value
    assert operator.post("/console/logout").status_code == 302
    assert elsewhere.get("/console/").status_code == 200  # only that session ended
    thief = console_app.test_client()
    thief.set_cookie(COOKIE, copied)
    assert thief.get("/console/").status_code == 401
    assert thief.get("/api/v1/queues").status_code == 401
    token = csrf_of(thief.get("/console/login").data)
    started = thief.post("/console/experiments/sales", data={
        "csrf_token": token, "weight_silence": "1", "weight_checkin": "1"})
    assert started.status_code == 401
    assert config_versions.get(console_app.extensions["holdwell"].store.engine).number == 1


def test_a_session_ends_on_the_server_after_its_lifetime(as_role, clock):
    analyst = as_role("analyst")
    clock.advance(11 * 3600)
    assert analyst.get("/console/").status_code == 200
    clock.advance(2 * 3600)
    assert analyst.get("/console/").status_code == 401


def test_a_password_change_signs_the_person_out_everywhere(console_app, as_role, clock,
                                                           tokens):
    from click.testing import CliRunner

    from cli.main import cli
    from tests.console.conftest import bearer

    operator, analyst = as_role("operator"), as_role("analyst")
    url = console_app.extensions["holdwell"].settings.database_url
    runner = CliRunner(env={"DATABASE_URL": url})
    changed = runner.invoke(cli, ["users", "password", "operator"], input="a new long secret\n")
    assert changed.exit_code == 0, changed.output
    assert operator.get("/console/").status_code == 401  # signed out by the change
    assert analyst.get("/console/").status_code == 200  # nobody else
    api = console_app.test_client()
    assert api.get("/api/v1/queues", headers=bearer(tokens["operator"])).status_code == 200
    revoked = runner.invoke(cli, ["users", "revoke", "operator"])
    assert revoked.exit_code == 0 and "1 API token(s)" in revoked.output
    dead = api.get("/api/v1/queues", headers=bearer(tokens["operator"]))
    assert dead.status_code == 401  # told apart from no token at all (API audit 33, D8)
    assert dead.get_json()["error"].startswith("the API token is not valid (revoked")
    assert dead.headers["WWW-Authenticate"] == 'Bearer realm="holdwell", error="invalid_token"'
    none = api.get("/api/v1/queues")
    assert none.headers["WWW-Authenticate"] == 'Bearer realm="holdwell"'
    assert none.get_json()["error"].startswith("sign in, or send an API token")
    assert api.get("/api/v1/queues", headers=bearer(tokens["analyst"])).status_code == 200


def test_names_people_cannot_read_back_are_refused(console_app):
    from click.testing import CliRunner

    from cli.main import cli

    url = console_app.extensions["holdwell"].settings.database_url
    runner = CliRunner(env={"DATABASE_URL": url})
    for name in ("", "   ", "a\nb", " padded", "x" * 65):
        added = runner.invoke(cli, ["users", "add", name, "--role", "analyst"],
                              input="long enough secret\n")
        assert added.exit_code != 0 and "name must be" in added.output, (name, added.output)


def test_signing_out_of_an_ended_session_is_just_the_sign_in_page(as_role, clock):
    """It said "Your session ended before this was saved, so nothing was saved", as if an
    edit had been lost."""
    analyst = as_role("analyst")
    clock.advance(13 * 3600)  # the session has ended meanwhile
    out = analyst.post("/console/logout")
    assert out.status_code == 302 and out.headers["Location"].endswith("/console/login")
    assert b"nothing was saved" not in analyst.get("/console/login").data


def test_a_refused_sign_in_keeps_the_name_typed(console_app):
    client = console_app.test_client()
    token = csrf_of(client.get("/console/login").data)
    refused = client.post("/console/login", data={"csrf_token": token, "name": "operator",
                                                  "password": "not it"})
    assert refused.status_code == 401
    page = refused.get_data(as_text=True)
    assert 'value="operator"' in page  # kept: only the password is typed again
    assert 'current-password" required autofocus' in page
    hostile = client.post("/console/login", data={"csrf_token": token,
                                                  "name": '"><script>x</script>',
                                                  "password": "no"})
    assert "<script>x" not in hostile.get_data(as_text=True)  # escaped, as any value


def test_only_the_policy_form_promises_its_edits_back_after_a_session_ends(as_role, clock):
    """The sign-in page said "this browser kept your edits and puts them back in the form"
    after any form; only the policy form keeps them (console audit 34, defect 4)."""
    operator = as_role("operator")
    clock.advance(13 * 3600)  # the session has ended meanwhile
    split = operator.post("/console/experiments/sales",
                          {"weight_silence": "30", "weight_checkin": "70"})
    assert split.status_code == 401
    assert b"nothing was saved" in split.data and b"kept your edits" not in split.data
    assert b"enter it once more" in split.data
    policy = operator.post("/console/policies/sales", {"note": "x"})
    assert policy.status_code == 401 and b"kept your edits" in policy.data


def test_a_form_from_before_signing_in_again_is_refused_with_a_way_back(as_role, console_app):
    """A token of another session (the user signed in again in another tab): not a bare
    CSRF 400, and nothing done (console audit 34, defect 1)."""
    operator = as_role("operator")
    stale = operator.csrf
    operator.post("/console/logout")
    operator.csrf = csrf_of(operator.get("/console/login").data)
    assert operator.post("/console/login",
                         {"name": "operator", "password": PASSWORD}).status_code == 302
    answer = operator.client.post("/console/policies/sales", data={"csrf_token": stale},
                                  headers={"Referer": "http://localhost/console/policies/sales"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "CSRF" not in page and "nothing was saved" in page
    assert 'href="/console/policies/sales"' in page and "data-edits-kept" in page
    assert "<title>Error: " in page


def test_a_stale_sign_in_page_never_signs_in_as_whoever_is_signed_in_elsewhere(as_role):
    """Signed in as admin in another tab, a stale sign-in page with `analyst` and a wrong
    password went on, as admin, to /console/people (reviewer 34): only the same name goes
    on; another is asked to sign in again, and nobody new is signed in."""
    admin = as_role("admin")
    stale = admin.client.post("/console/login", data={
        "csrf_token": "stale", "name": "analyst", "password": "wrong",
        "next": "/console/people"})
    assert stale.status_code == 400
    assert "admin is signed in in another tab" in stale.get_data(as_text=True)
    same = admin.client.post("/console/login", data={
        "csrf_token": "stale", "name": "admin", "password": "x", "next": "/console/people"})
    assert same.status_code == 302 and same.headers["Location"].endswith("/console/people")


def test_a_stale_sign_out_signs_out(as_role):
    """It had said "Not saved … enter your change once more" and left the user signed in."""
    operator = as_role("operator")
    out = operator.client.post("/console/logout", data={"csrf_token": "stale"})
    assert out.status_code == 302 and out.headers["Location"].endswith("/console/login")
    assert operator.get("/console/").status_code == 401
