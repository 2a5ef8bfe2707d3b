"""People page: what the box of a token just issued says about the next one."""

from __future__ import annotations

import re


def test_the_issued_token_says_another_is_issued_from_this_page(as_role):
    """It said "go back to the People page for another", on the People page, whose forms
    issue another as they are (only reloading the answer is refused)."""
    admin = as_role("admin")
    first = admin.post("/console/people/token", {"name": "operator", "tokens_seen": "0",
                                                 "label": "wallboard"}).get_data(as_text=True)
    box = re.search(r'<div[^>]*id="issued-token".*?</div>', first, re.S).group(0)
    assert "go back to the People page" not in box
    assert "this page's own “New API token” issues another" in box
    seen = re.search(r'<tr data-person="operator">.*?name="tokens_seen" value="(\d+)"', first,
                     re.S).group(1)
    second = admin.post("/console/people/token", {"name": "operator", "tokens_seen": seen,
                                                  "label": "report"})
    assert 'id="issued-token"' in second.get_data(as_text=True)
