"""People and access: passwords, sessions, tokens, CSRF, throttling, roles and the audit log."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from app.auth import throttle
from app.storage import audit
from app.storage import users as people
from app.storage.console_schema import api_tokens, users
from cli.main import cli
from tests.console.conftest import PASSWORD, Console, bearer, csrf_of
from tests.support.sids import sid

PAGES = ["/console/", "/console/wallboard/fragment", "/console/unserved", "/console/callbacks",
         "/console/policies", "/console/policies/support", "/console/versions",
         "/console/experiments", "/console/preview", "/console/people"]
API_GETS = ["/api/v1/queues", "/api/v1/unserved", "/api/v1/unserved.csv", "/api/v1/callbacks",
            "/api/v1/policies/support", "/api/v1/config/versions", "/api/v1/config/versions/1",
            "/api/v1/experiments/support", "/api/v1/audit"]

CA1 = sid("CA1")


def test_cli_adds_users_with_a_hashed_password_and_prints_a_token_stored_hashed(sqlite_url,
                                                                              monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "ana", "--role", "analyst"],
                          input="a long password\n")
    assert added.exit_code == 0, added.output
    short = runner.invoke(cli, ["users", "add", "bo", "--role", "operator"], input="short\n")
    assert short.exit_code != 0 and "10 to 1,000 characters" in short.output
    none = runner.invoke(cli, ["users", "add", "bo", "--role", "operator"], input="")
    assert none.exit_code != 0 and "no password on standard input" in none.output
    bad_role = runner.invoke(cli, ["users", "add", "cy", "--role", "boss"], input="x" * 12)
    assert bad_role.exit_code != 0 and "'boss' is not one of" in bad_role.output
    token = runner.invoke(cli, ["users", "token", "ana"]).output.strip()
    with create_engine(sqlite_url).connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar()
        token_rows = conn.execute(select(api_tokens.c.token_hash)).scalars().all()
    assert stored.startswith("scrypt:") and "a long password" not in stored
    assert token.startswith("hw_") and token not in token_rows and len(token_rows) == 1
    assert runner.invoke(cli, ["users", "token", "nobody"]).exit_code != 0


def test_every_page_and_endpoint_says_401_to_strangers(console_app):
    client = console_app.test_client()
    for path in PAGES + API_GETS:
        assert client.get(path).status_code == 401, path
    assert client.get("/api/v1/queues", headers=bearer("hw_forged")).status_code == 401
    assert "Sign in" in client.get("/console/").get_data(as_text=True)


def test_twilio_signature_is_no_credential_for_the_console_or_api(console_app, twilio_console):
    for path in ["/console/", "/api/v1/queues"]:
        assert twilio_console.get(path).status_code == 401, path


def test_a_session_is_no_credential_on_the_voice_routes(as_role):
    operator = as_role("admin")
    form = {"CallSid": sid("CA1"), "QueueTime": "0", "QueuePosition": "1", "CurrentQueueSize": "1"}
    assert operator.post("/voice/wait", form).status_code == 403


def test_roles_analyst_reads_but_may_not_change_operator_may_not_administer(as_role, tokens,
                                                                           console_app):
    analyst, operator = as_role("analyst"), as_role("operator")
    for path in PAGES[:-1]:
        assert analyst.get(path).status_code == 200, path
    assert analyst.get("/console/people").status_code == 403
    assert operator.get("/console/people").status_code == 403
    assert as_role("admin").get("/console/people").status_code == 200
    assert analyst.post("/console/policies/support", {"policy": "silence"}).status_code == 403
    assert analyst.post(f"/console/callbacks/{CA1}/cancel", {"reason": "x" * 5}).status_code == 403
    client = console_app.test_client()
    change = {"settings": {"policy": "silence"}}
    assert client.put("/api/v1/policies/support", json=change,
                      headers=bearer(tokens["analyst"])).status_code == 403
    assert client.patch("/api/v1/policies/support", json=change,
                        headers=bearer(tokens["operator"])).status_code == 200
    assert client.get("/api/v1/audit", headers=bearer(tokens["operator"])).status_code == 403
    assert client.get("/api/v1/audit", headers=bearer(tokens["admin"])).status_code == 200


def test_forms_without_the_csrf_token_are_refused(console_app, as_role):
    client = console_app.test_client()
    refused = client.post("/console/login", data={"name": "admin", "password": PASSWORD})
    assert refused.status_code == 400 and "out of date" in refused.get_data(as_text=True)
    assert client.get("/console/").status_code == 401  # nobody was signed in
    operator = as_role("operator")
    no_token = operator.client.post("/console/policies/support", data={"policy": "silence"})
    assert no_token.status_code == 400 and "nothing was saved" in no_token.get_data(as_text=True)
    # The API with the session cookie needs the token too; a bearer token does not.
    assert operator.client.patch("/api/v1/policies/support",
                                 json={"settings": {}}).status_code == 400
    assert operator.api("PATCH", "/api/v1/policies/support", {"settings": {}}).status_code == 200


def test_wrong_passwords_are_throttled_per_name_and_a_good_one_then_waits(console_app, clock):
    visitor = Console(console_app, None)
    for _ in range(5):
        assert visitor.post("/console/login", {"name": "admin", "password": "guess"}
                            ).status_code == 401
    locked = visitor.post("/console/login", {"name": "admin", "password": PASSWORD})
    assert locked.status_code == 429 and "Too many" in locked.get_data(as_text=True)
    assert Console(console_app, None).post("/console/login", {
        "name": "operator", "password": PASSWORD}).status_code == 302  # another name is not locked
    clock.advance(15 * 60 + 1)
    assert visitor.post("/console/login", {"name": "admin", "password": PASSWORD}
                        ).status_code == 302


def test_a_new_password_lifts_the_lock_its_old_one_earned(console_app, clock, monkeypatch):
    """A colleague locked out by wrong guesses stayed locked out for 15 minutes after an
    admin set them a new password (operator audit 41, item 4): the reset forgets the failures,
    says so, and the new password signs in at once, on the People page and from the CLI."""
    visitor = Console(console_app, None)
    for _ in range(5):
        visitor.post("/console/login", {"name": "operator", "password": "guess"})
    assert visitor.post("/console/login", {"name": "operator", "password": PASSWORD}
                        ).status_code == 429
    admin = Console(console_app, "admin")
    told = admin.post("/console/people/password", {"name": "operator",
                                                   "password": "a fresh long one"},
                      follow_redirects=True).get_data(as_text=True)
    assert "the 5 failed sign-ins counted against them are forgotten" in told
    assert visitor.post("/console/login", {"name": "operator", "password": "a fresh long one"}
                        ).status_code == 302
    visitor = Console(console_app, None)  # another name locked: the CLI's reset lifts it too
    for _ in range(6):
        visitor.post("/console/login", {"name": "analyst", "password": "guess"})
    monkeypatch.setenv("DATABASE_URL", console_app.extensions["holdwell"].store.engine.url
                       .render_as_string(hide_password=False))
    monkeypatch.setattr("cli.console_commands.utc_now", clock.now)  # the failures' clock
    reset = CliRunner().invoke(cli, ["users", "password", "analyst"], input="another long one\n")
    assert reset.exit_code == 0 and "failed sign-ins counted against them are forgotten" \
        in reset.output, reset.output
    assert visitor.post("/console/login", {"name": "analyst", "password": "another long one"}
                        ).status_code == 302
    again = admin.post("/console/people/password", {"name": "analyst",
                                                     "password": "and one more long"},
                       follow_redirects=True).get_data(as_text=True)
    assert "password changed" in again and "counted against them" not in again  # none held


def test_a_new_password_leaves_the_guessing_address_locked_and_old_failures_alone(
        console_app, clock):
    """The reset forgets failures for the name only: they still count against the address
    they came from (an address cycling through names had been let back in, review 41), and
    failures older than the lock's window are not said to be forgotten."""
    engine = console_app.extensions["holdwell"].store.engine
    guesser = signing_in_from(console_app, "203.0.113.7")
    for _ in range(5):
        guesser("operator", "guess")
    for n in range(25):
        guesser(f"nobody{n}", "guess")
    assert guesser("analyst", PASSWORD).status_code == 429  # 30 from here: the address locked
    assert people.set_password(engine, "operator", "a fresh long one", clock.now(),
                               actor="admin") == 5
    assert guesser("analyst", PASSWORD).status_code == 429  # still
    elsewhere = signing_in_from(console_app, "198.51.100.3")
    assert elsewhere("operator", "a fresh long one").status_code == 302
    for _ in range(3):
        elsewhere("analyst", "guess")
    clock.advance(throttle.WINDOW_S + 1)
    assert people.set_password(engine, "analyst", "another long one", clock.now(),
                               actor="admin") == 0  # nothing of the window to forget


def signing_in_from(app, address: str):  # noqa: ANN201 - (name, password) -> response
    """Sign-ins posted from `address`, as one browser there would post them."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_of(client.get("/console/login").data)
    return lambda name, password: client.post("/console/login", data={
        "name": name, "password": password, "csrf_token": token})


def test_the_lock_holds_only_from_where_the_guesses_came(console_app, clock):
    """Per name alone, anyone could keep an admin out for good with five wrong passwords a
    quarter of an hour (security audit S1): the lock is per name and address."""
    outsider = signing_in_from(console_app, "203.0.113.9")
    for _ in range(6):
        outsider("admin", "guess")
    still_locked = outsider("admin", PASSWORD)
    assert still_locked.status_code == 429 and "from here" in still_locked.get_data(as_text=True)
    assert Console(console_app, "admin").get("/console/people").status_code == 200  # elsewhere
    # the same IPv6 /64 is one subscriber: one lock
    first = signing_in_from(console_app, "2001:db8:1:2::1")
    neighbour = signing_in_from(console_app, "2001:db8:1:2::2")
    for guesser in (first, neighbour):
        for _ in range(3):
            guesser("operator", "guess")
    locked_too = neighbour("operator", PASSWORD)
    assert locked_too.status_code == 429


def test_one_address_guessing_many_names_is_stopped_before_any_check(console_app,
                                                                      monkeypatch):
    """Per name and address alone, one client cycling through names kept the worker's one
    password check busy and every real sign-in waiting (review 37 R3)."""
    from app.auth import throttle

    sprayer = signing_in_from(console_app, "198.51.100.7")
    for n in range(throttle.MAX_FAILURES_FROM_ONE_ADDRESS):
        assert sprayer(f"guess{n}", "guess").status_code == 401
    checks = []
    monkeypatch.setattr(people, "check_password", lambda *a, **k: checks.append(a))
    stopped = sprayer("admin", PASSWORD)
    assert stopped.status_code == 429 and checks == []
    monkeypatch.undo()
    assert Console(console_app, "admin").get("/console/people").status_code == 200  # elsewhere


def test_a_flood_of_sign_ins_is_refused_while_one_is_checked(console_app, monkeypatch):
    """Each check is a slow hash on a thread the webhooks need: one at a time per worker, the
    others told to try again at once, nothing written for them (security audit S2)."""
    import threading

    from app.console import auth_views

    started, release = threading.Event(), threading.Event()
    real = people.check_password

    def slow(*args, **kwargs):  # noqa: ANN202
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(auth_views.users, "check_password", slow)
    first = Console(console_app, None)
    runner = threading.Thread(target=lambda: first.post(
        "/console/login", {"name": "admin", "password": PASSWORD}))
    runner.start()
    try:
        assert started.wait(30)
        engine = console_app.extensions["holdwell"].store.engine
        before = len(audit.page(engine, kind="sign-ins").entries)
        busy = Console(console_app, None).post("/console/login",
                                               {"name": "x1", "password": "guess"})
        assert busy.status_code == 429 and busy.headers["Retry-After"] == "1"
        assert "sign in again in a moment" in busy.get_data(as_text=True)
        assert len(audit.page(engine, kind="sign-ins").entries) == before
    finally:
        release.set()
        runner.join(30)


def test_a_sign_out_is_audited_with_the_sign_ins(console_app):
    admin = Console(console_app, "admin")
    admin.post("/console/logout")
    operator = Console(console_app, "operator")  # a stale page's sign-out signs out too
    operator.client.post("/console/logout", data={"csrf_token": "from-an-old-page"})
    engine = console_app.extensions["holdwell"].store.engine
    outs = [e for e in audit.page(engine, kind="sign-ins").entries
            if e.action == "session.logout"]
    assert sorted(e.actor for e in outs) == ["admin", "operator"]
    assert all(e.actor == e.target and e.detail["address"] for e in outs)


def test_failed_sign_ins_and_the_lock_they_cause_are_audited(console_app, clock):
    """The throttle's rows go after 15 minutes; a guessing run, or an admin locked out on
    purpose, had left nothing in the audit log's sign-ins."""
    visitor = Console(console_app, None)
    for _ in range(6):  # five failures lock the name; the sixth is refused unchecked
        visitor.post("/console/login", {"name": "admin", "password": "guess"})
    visitor.post("/console/login", {"name": "x" * 500, "password": "guess"})
    engine = console_app.extensions["holdwell"].store.engine
    entries = audit.page(engine, kind="sign-ins").entries
    failed = [e for e in entries if e.action == "session.login_failed"]
    locked = [e for e in entries if e.action == "session.locked"]
    assert [e.target for e in failed].count("admin") == 5
    assert len(locked) == 1 and locked[0].target == "admin"
    assert locked[0].detail["failures"] == 5 and locked[0].detail["minutes"] == 15
    assert all(e.detail.get("address") for e in failed + locked)
    assert max(len(e.target) for e in failed) == 64  # a name of any length, cut
    changes = audit.page(engine, kind="changes").entries
    assert not any(e.action.startswith("session.") for e in changes)


def test_session_cookie_is_httponly_and_logout_ends_it(console_app):
    visitor = Console(console_app, None)
    response = visitor.post("/console/login", {"name": "analyst", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert visitor.get("/console/").status_code == 200
    visitor.csrf = csrf_of(visitor.get("/console/").data)
    assert visitor.post("/console/logout").status_code == 302
    assert visitor.get("/console/").status_code == 401


def test_a_static_file_never_carries_the_session_cookie_a_page_changing_it_does(
        console_app):
    """Static files may be kept by a proxy, and one kept with Set-Cookie hands a session on;
    a static answer landing after the browser dropped the cookie had also put it back."""
    visitor = Console(console_app, None)
    visitor.post("/console/login", {"name": "analyst", "password": PASSWORD})
    page = visitor.get("/console/")  # the first page signed in gives the session its CSRF key
    assert page.status_code == 200 and "holdwell_session=" in page.headers["Set-Cookie"]
    for name in ("console.css", "refresh.js", "favicon.svg"):
        static = visitor.get(f"/console/static/{name}")
        assert static.status_code == 200, name
        assert "Set-Cookie" not in static.headers, name


def test_login_only_redirects_inside_the_console(console_app):
    visitor = Console(console_app, None)
    response = visitor.post("/console/login", {"name": "analyst", "password": PASSWORD,
                                               "next": "//evil.example/"})
    assert response.headers["Location"] == "/console/"


def test_changes_and_sign_ins_are_audited_with_who_and_what(console_app, as_role):
    operator = as_role("operator")
    operator.post("/console/policies/support", {"policy": "silence", "note": "quiet night"})
    entries = audit.page(console_app.extensions["holdwell"].store.engine).entries
    actions = [(e.actor, e.action) for e in entries]
    assert ("operator", "config.version") in actions
    assert ("operator", "session.login") in actions
    assert ("cli", "user.add") in actions
    version = next(e for e in entries if e.action == "config.version")
    assert version.detail == {"note": "quiet night"} and version.target == "2"


def test_behind_https_the_session_cookie_is_secure(make_app, clock):
    app = make_app(public_url="https://hold.example.com")
    people.add_user(app.extensions["holdwell"].store.engine, "ana", "analyst", PASSWORD,
                    clock.now())
    client, base = app.test_client(), "https://hold.example.com"
    token = csrf_of(client.get("/console/login", base_url=base).data)
    signed_in = client.post("/console/login", base_url=base,
                            headers={"Referer": f"{base}/console/login"},
                            data={"name": "ana", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    assert "Secure" in signed_in.headers["Set-Cookie"]


@pytest.mark.parametrize(("proxies", "proto", "secure"), [
    (1, "https", True), (1, "http", False), (0, "https", False)])
def test_behind_a_trusted_https_proxy_without_a_public_url_the_cookie_is_secure(
        make_app, clock, proxies, proto, secure):
    """HOLDWELL_TRUSTED_PROXIES is the README's way to run without HOLDWELL_PUBLIC_URL; the
    Secure flag had been decided from the public URL alone. An untrusted header is ignored."""
    app = make_app(proxy_count=proxies)
    people.add_user(app.extensions["holdwell"].store.engine, "ana", "analyst", PASSWORD,
                    clock.now())
    client, base = app.test_client(), "http://console.internal"
    forwarded = {"X-Forwarded-Proto": proto, "X-Forwarded-Host": "hold.example.com"}
    token = csrf_of(client.get("/console/login", base_url=base, headers=forwarded).data)
    origin = f"{proto}://hold.example.com" if proxies else base
    signed_in = client.post("/console/login", base_url=base,
                            headers={**forwarded, "Referer": f"{origin}/console/login"},
                            data={"name": "ana", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    assert ("Secure" in signed_in.headers["Set-Cookie"]) is secure


@pytest.mark.parametrize("again", ["operator", "Operator", "OPERATOR", "operatoR"])
def test_a_name_that_differs_from_a_users_only_in_case_is_refused(console_app, clock, again):
    """'Ana' beside 'ana' was added: two people who read as one in the audit log, and a
    sign-in as one with the other's name says only that the password does not match."""
    engine = console_app.extensions["holdwell"].store.engine
    with pytest.raises(people.UserError, match="'operator' already exists"):
        people.add_user(engine, again, "admin", PASSWORD, clock.now())
    with engine.connect() as conn:
        names = conn.execute(select(users.c.name)).scalars().all()
    assert [n for n in names if n.casefold() == "operator"] == ["operator"]


def test_a_refused_sign_in_says_error_first_in_its_title_and_a_plain_one_does_not(
        console_app):
    """The title is what a screen reader reads first on arriving (review 33, R5)."""
    visitor = Console(console_app, None)
    refused = visitor.post("/console/login", {"name": "admin", "password": "guess"})
    assert "<title>Error: Sign in · holdwell console</title>" in refused.get_data(as_text=True)
    asked = console_app.test_client().get("/console/callbacks")
    assert asked.status_code == 401
    assert "<title>Sign in · holdwell console</title>" in asked.get_data(as_text=True)


@pytest.mark.parametrize(("proxies", "warned"), [(0, True), (1, False)])
def test_sign_ins_through_an_untrusted_proxy_warn_the_operator_once(make_app, clock, caplog,
                                                                   monkeypatch, proxies, warned):
    """Behind a proxy the app does not trust, every client is the proxy's one address, and
    30 failures from anyone lock everyone out: the README said so, the log said nothing."""
    monkeypatch.setattr(throttle, "_PROXY_SEEN", threading.Event())  # a fresh worker
    app = make_app(proxy_count=proxies)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    token = csrf_of(client.get("/console/login").data)
    for name in ("ana", "bo"):
        client.post("/console/login", headers={"X-Forwarded-For": "198.51.100.7"},
                    data={"name": name, "password": "guess", "csrf_token": token})
    said = [r.getMessage() for r in caplog.records if "HOLDWELL_TRUSTED_PROXIES" in r.getMessage()]
    assert len(said) == (1 if warned else 0)
    if warned:
        assert "X-Forwarded-For from 10.0.0.2" in said[0] and "lock everyone out" in said[0]


def test_sign_ins_with_no_proxy_in_front_warn_of_none(console_app, caplog, monkeypatch):
    monkeypatch.setattr(throttle, "_PROXY_SEEN", threading.Event())
    signing_in_from(console_app, "10.0.0.2")("ana", "guess")
    assert not [r for r in caplog.records if "HOLDWELL_TRUSTED_PROXIES" in r.getMessage()]
