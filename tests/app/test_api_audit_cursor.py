"""GET /api/v1/audit for a script that reads the whole log: each entry has its `id`, and a
page's `next_before` asks for the entries listed after it, whatever was written meanwhile.
Paged by `?page=` only, a reader met an entry again for every sign-in written while it read
(the newest come first), and without ids could not tell a repeat from a second entry."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from app.storage import audit, users
from app.storage.console_schema import audit_log


@pytest.fixture
def admin(make_app, clock, monkeypatch):
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")
    app = make_app()
    engine = app.extensions["holdwell"].store.engine
    users.add_user(engine, "ana", "admin", "a long passphrase", clock.now())
    token = users.issue_token(engine, "ana", clock.now())
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def get(query: str = ""):
        return client.get(f"/api/v1/audit{query}", headers=headers)

    return engine, get


def write(engine, clock, count: int, tag: str, same_time: bool = False) -> None:
    with engine.begin() as conn:
        for n in range(count):
            if not same_time:
                clock.advance(1)
            audit.record(conn, actor="cli", action="session.login", target=f"{tag}{n}",
                         now=clock.now())


def test_next_before_reads_on_where_the_page_ended(admin, clock):
    engine, get = admin
    write(engine, clock, 70, "old")  # with ana's add and token: 72 entries
    first = get().get_json()
    assert len(first["entries"]) == 50 and first["next_before"] == first["entries"][-1]["id"]
    write(engine, clock, 7, "new")  # sign-ins written while the script reads
    second = get(f"?before={first['next_before']}").get_json()
    ids = [e["id"] for e in first["entries"]] + [e["id"] for e in second["entries"]]
    assert len(second["entries"]) == 22 and second["next_before"] is None
    assert len(set(ids)) == 72  # each entry once, none missed
    assert not any(e["target"].startswith("new") for e in second["entries"])
    # by ?page=2 the seven new entries pushed seven of page 1 on to page 2
    paged = get("?page=2").get_json()["entries"]
    assert len({e["id"] for e in paged} & {e["id"] for e in first["entries"]}) == 7


def test_entries_of_one_instant_are_neither_repeated_nor_missed(admin, clock):
    engine, get = admin
    clock.advance(1)
    write(engine, clock, 120, "same", same_time=True)
    seen, before = [], None
    while True:
        answer = get(f"?kind=sign-ins&before={before}" if before else "?kind=sign-ins")
        body = answer.get_json()
        seen += [e["id"] for e in body["entries"]]
        before = body["next_before"]
        if before is None:
            break
    assert len(seen) == len(set(seen)) == 120


def test_a_cursor_that_was_pruned_is_a_422_naming_before(admin, clock):
    engine, get = admin
    write(engine, clock, 60, "old")
    first = get().get_json()
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.id == first["next_before"]))
    answer = get(f"?before={first['next_before']}")
    assert answer.status_code == 422
    assert "holds no entry" in answer.get_json()["fields"]["before"]
    assert get("?before=0").status_code == 422
    assert get("?before=abc").status_code == 422


def test_the_document_describes_the_cursor(admin):
    from app.api.openapi import document

    built = document()
    schemas = built["components"]["schemas"]
    assert "next_before" in schemas["AuditResponse"]["properties"]
    assert "id" in schemas["AuditItem"]["required"]
    parameters = built["paths"]["/api/v1/audit"]["get"]["parameters"]
    assert "before" in {p["name"] for p in parameters}


def test_the_cursor_on_either_database(any_url):
    """One instant's entries (a burst of failed sign-ins) paged by `before` on SQLite and on
    PostgreSQL: each once, none missed, in the list's order."""
    from datetime import UTC, datetime

    from app.storage.db import make_engine

    engine = make_engine(any_url)
    now = datetime(2026, 12, 5, 12, 0, 0, 123456, tzinfo=UTC)
    with engine.begin() as conn:
        for n in range(25):
            audit.record(conn, actor="", action="session.login_failed", target=f"n{n}",
                         now=now)
    seen, before = [], None
    while True:
        shown = audit.page(engine, kind="sign-ins", before=before, limit=10).entries
        seen += [entry.id for entry in shown]
        if len(shown) < 10:
            break
        before = shown[-1].id
    engine.dispose()
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 25
