"""A sign-in whose password check races `users remove` gets no session. On SQLite the
removed user's id is handed to the next user added, so a session row left under it had
signed that cookie in as the newcomer; on PostgreSQL the same race had been a 500."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import create_engine, func, select

from app.storage import users as people
from app.storage.console_schema import console_sessions
from tests.console.conftest import PASSWORD, Console

WHEN = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
DAY_S = 86_400.0


def _sessions(engine) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(console_sessions)).scalar_one()


def test_no_session_is_started_for_a_user_removed_after_their_password_was_checked(any_url):
    engine = create_engine(any_url)
    leaving = people.add_user(engine, "leaving", "operator", PASSWORD, WHEN)
    checked = people.authenticate(engine, "leaving", PASSWORD)
    assert checked == leaving
    people.remove_user(engine, "leaving", WHEN, actor="cli")
    assert people.start_session(engine, checked.id, WHEN, DAY_S) is None
    assert _sessions(engine) == 0
    newcomer = people.add_user(engine, "newcomer", "admin", PASSWORD, WHEN)
    session = people.start_session(engine, newcomer.id, WHEN, DAY_S)
    assert session is not None
    assert people.user_for_session(engine, session, WHEN, DAY_S) == newcomer
    engine.dispose()


def test_the_sign_in_form_refuses_when_the_account_goes_during_the_check(console_app, clock,
                                                                          mocker):
    engine = console_app.extensions["holdwell"].store.engine
    check = people.check_password

    def check_then_removed(engine_, name, password):  # noqa: ANN001 - the race, made certain
        checked = check(engine_, name, password)
        people.remove_user(engine_, name, clock.now(), actor="cli")
        return checked

    mocker.patch.object(people, "check_password", side_effect=check_then_removed)
    before = _sessions(engine)
    browser = Console(console_app, None)
    answer = browser.post("/console/login", {"name": "operator", "password": PASSWORD})
    assert answer.status_code == 401
    assert b"do not match" in answer.data
    assert _sessions(engine) == before


def test_a_removal_and_an_add_during_the_check_do_not_hand_over_the_sign_in(any_url):
    """`users remove` and then `users add` while the password is checked: on SQLite the
    newcomer gets the removed id, and a check by id alone had signed in as the newcomer
    (an admin, here). A reviewer's finding."""
    engine = create_engine(any_url)
    people.add_user(engine, "boss", "admin", PASSWORD, WHEN)
    leaving = people.add_user(engine, "leaving", "operator", PASSWORD, WHEN)
    checked = people.check_password(engine, "leaving", PASSWORD)
    people.remove_user(engine, "leaving", WHEN, actor="cli")
    newcomer = people.add_user(engine, "newcomer", "admin", PASSWORD, WHEN)
    if "sqlite" in any_url:
        assert newcomer.id == leaving.id  # the reuse that made the race dangerous
    assert people.start_session(engine, checked.user.id, WHEN, DAY_S,
                                password_hash=checked.password_hash) is None
    assert _sessions(engine) == 0
    engine.dispose()


def test_a_new_password_set_during_the_check_ends_that_sign_in_too(any_url):
    engine = create_engine(any_url)
    people.add_user(engine, "ana", "operator", PASSWORD, WHEN)
    checked = people.check_password(engine, "ana", PASSWORD)
    people.set_password(engine, "ana", "a brand new password", WHEN, actor="admin")
    assert people.start_session(engine, checked.user.id, WHEN, DAY_S,
                                password_hash=checked.password_hash) is None
    again = people.check_password(engine, "ana", "a brand new password")
    assert people.start_session(engine, again.user.id, WHEN, DAY_S,
                                password_hash=again.password_hash) is not None
    engine.dispose()
