"""What a sign-in or any console form may cost the server (security probe 31, F1 and F2):
a form body is capped before it is read, a password is a passphrase and not a file, and
every spelling of one name counts against one sign-in lock."""

from __future__ import annotations

import html

from app.auth.throttle import MAX_FAILURES
from app.console.blueprint import MAX_FORM_BYTES
from app.storage import users as people
from tests.console.conftest import PASSWORD, Console


def test_an_anonymous_sign_in_over_the_cap_is_a_413_unread(console_app):
    client = console_app.test_client()
    body = b"name=x&password=" + b"p" * (MAX_FORM_BYTES + 1)
    answer = client.post("/console/login", data=body,
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 413
    assert f"a console form is under {MAX_FORM_BYTES:,} bytes" in html.unescape(
        answer.get_data(as_text=True))


def test_a_password_is_at_most_a_thousand_characters(console_app, clock):
    admin = Console(console_app, "admin")
    admin.post("/console/people/add", {"name": "Bo", "role": "analyst",
                                       "password": "p" * 1001})
    page = html.unescape(admin.get("/console/people").get_data(as_text=True))
    assert "Not added: password must be 10 to 1,000 characters (got 1,001)" in page
    assert 'maxlength="1000"' in page
    engine = console_app.extensions["holdwell"].store.engine
    with engine.begin() as conn:  # set before the cap: it still signs in
        conn.execute(people.users.update().where(people.users.c.name == "analyst").values(
            password_hash=people.generate_password_hash("q" * 2000, method="scrypt:1024:8:1")))
    assert people.check_password(engine, "analyst", "q" * 2000) is not None


def test_every_spelling_of_a_name_counts_against_one_lock(console_app, clock):
    """"JoséK" four ways: é composed or with a combining accent, K or the Kelvin sign."""
    engine = console_app.extensions["holdwell"].store.engine
    people.add_user(engine, "Jos\u00e9K", "admin", PASSWORD, clock.now())
    spellings = ["Jos\u00e9K", "Jose\u0301K", "Jos\u00e9\u212a", "Jose\u0301\u212a"]
    answers = [Console(console_app, None).post("/console/login", {
        "name": spellings[n % 4], "password": "wrong password"}).status_code
        for n in range(MAX_FAILURES + 2)]
    assert answers[:MAX_FAILURES] == [401] * MAX_FAILURES
    assert answers[MAX_FAILURES:] == [429, 429]
    locked = Console(console_app, None).post("/console/login", {"name": "Jos\u00e9K",
                                                                "password": PASSWORD})
    assert locked.status_code == 429  # the right password waits the lock out too
