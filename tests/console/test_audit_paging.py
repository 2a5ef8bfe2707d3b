"""The audit log a page at a time, filtered by kind: 210 sign-ins no longer hide the config
change made before them, and the page says how many entries there are."""

from __future__ import annotations

from app.storage import audit


def flood(app, clock, sign_ins: int = 210) -> None:
    """A config change, then many sign-ins after it (all newer than the change)."""
    engine = app.extensions["holdwell"].store.engine
    with engine.begin() as conn:
        audit.record(conn, actor="olu", action="config.version", target="2",
                     detail={"note": "quiet night"}, now=clock.now())
        for n in range(sign_ins):
            clock.advance(1)
            audit.record(conn, actor=f"user{n}", action="session.login", target=f"user{n}",
                         now=clock.now())


def test_changes_are_found_under_a_flood_of_sign_ins(as_role, console_app, clock):
    admin = as_role("admin")
    flood(console_app, clock)
    changes = admin.get("/console/people?kind=changes").get_data(as_text=True)
    assert "quiet night" in changes and "session.login" not in changes
    everything = admin.get("/console/people").get_data(as_text=True)
    assert "quiet night" not in everything  # too old for the first page
    total = audit.page(console_app.extensions["holdwell"].store.engine).total
    assert total > 211 and f"Showing 1–50 of {total} entries" in everything
    assert "older →" in everything


def test_older_pages_reach_the_oldest_entry(as_role, console_app, clock):
    admin = as_role("admin")
    flood(console_app, clock)
    first = admin.get("/console/people").get_data(as_text=True)
    pages = int(first.split("page 1 of ")[1].split(".")[0])
    last = admin.get(f"/console/people?page={pages}").get_data(as_text=True)
    assert "quiet night" in last and "← newer" in last and "older →" not in last


def test_sign_ins_can_be_shown_alone_and_a_bad_kind_is_named(as_role, console_app, clock):
    admin = as_role("admin")
    flood(console_app, clock, sign_ins=3)
    sign_ins = admin.get("/console/people?kind=sign-ins").get_data(as_text=True)
    assert "config.version" not in sign_ins and "user2" in sign_ins
    assert "(filter: sign-ins), page 1 of 1." in sign_ins
    bad = admin.get("/console/people?kind=gossip")
    assert bad.status_code == 422 and "kind: one of all, changes" in bad.get_data(as_text=True)
    assert admin.get("/console/people?page=99999999999999999999").status_code == 200


def test_the_api_pages_and_filters_the_audit_log_like_the_page(console_app, clock, tokens):
    from tests.console.conftest import bearer

    flood(console_app, clock)
    client, admin = console_app.test_client(), bearer(tokens["admin"])
    changes = client.get("/api/v1/audit?kind=changes", headers=admin).get_json()
    assert any(e["detail"].get("note") == "quiet night" for e in changes["entries"])
    assert all(not e["action"].startswith("session.") for e in changes["entries"])
    first = client.get("/api/v1/audit", headers=admin).get_json()
    assert len(first["entries"]) == 50 and first["total"] > 211 and first["pages"] >= 5
    last = client.get(f"/api/v1/audit?page={first['pages']}", headers=admin).get_json()
    assert any(e["action"] == "config.version" for e in last["entries"])
    refused = client.get("/api/v1/audit?kind=everything", headers=admin)
    assert refused.status_code == 422 and "kind" in refused.get_json()["error"]


def test_the_api_takes_every_filter_the_page_takes(console_app, clock, tokens):
    """The People page's filters are the audit log's KINDS; the API had left out `privacy`
    (a 422 for a filter the page offers)."""
    from typing import get_args

    from app.api.models import AuditKind
    from app.storage.audit import KINDS
    from tests.console.conftest import bearer

    assert set(get_args(AuditKind)) == set(KINDS)
    client, admin = console_app.test_client(), bearer(tokens["admin"])
    for kind in KINDS:
        answer = client.get(f"/api/v1/audit?kind={kind}", headers=admin)
        assert answer.status_code == 200, (kind, answer.get_json())
