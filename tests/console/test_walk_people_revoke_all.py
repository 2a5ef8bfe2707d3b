"""People page: "Revoke all tokens" for someone with none (console walk-through)."""

from __future__ import annotations

import re

from app.storage import audit


def _row(html: str, name: str) -> str:
    return re.search(rf'<tr data-person="{name}">.*?</tr>', html, re.S).group(0)


def test_revoke_all_can_be_pressed_only_for_someone_with_tokens(as_role, tokens):
    """Every row's "Revoke all tokens" could be pressed, one with no token too: it said
    "0 API token(s) of analyst revoked" and wrote a token.revoke of nothing to the log.
    It stays in its place (every row's controls line up), greyed."""
    admin = as_role("admin")
    admin.post("/console/people/revoke", {"name": "analyst", "confirm": "yes"})
    html = admin.get("/console/people").get_data(as_text=True)
    assert re.search(r"<button type=\"submit\" disabled[^>]*>Revoke all tokens",
                     _row(html, "analyst"))
    assert '<button type="submit">Revoke all tokens' in _row(html, "operator")


def test_revoking_all_of_none_says_so_and_logs_nothing(as_role, tokens, console_app):
    """A second press (or a page shown before another admin revoked them) had said "0 API
    token(s) ... revoked: scripts using them get 401 now" and logged it."""
    admin = as_role("admin")
    admin.post("/console/people/revoke", {"name": "analyst", "confirm": "yes"})
    engine = console_app.extensions["holdwell"].store.engine
    logged = audit.page(engine, kind="all", offset=0).total
    again = admin.post("/console/people/revoke", {"name": "analyst", "confirm": "yes"},
                       follow_redirects=True)
    text = again.get_data(as_text=True)
    assert "analyst has no API tokens now: nothing revoked." in text
    assert "0 API token(s)" not in text
    assert audit.page(engine, kind="all", offset=0).total == logged
