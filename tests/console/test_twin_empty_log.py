"""Twin page on an empty call log: a new line's state, said as the other pages say it (200),
not refused as an error (409, "Error:" in the title); the API's 409 stays."""

from __future__ import annotations

import re

import pytest

from tests.console.conftest import bearer

SAID = "There are no calls in the log yet to fit the twin from"


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


@pytest.mark.parametrize("path", ["/console/twin", "/console/twin?run=1&policies=silence"])
def test_an_empty_log_is_said_plainly_with_what_to_do(as_role, path):
    page = as_role("analyst").get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert not _title(html).startswith("Error:")
    assert "Twin" in _title(html)
    said = " ".join(re.search(r'<section class="card" id="twin-empty".*?</section>', html,
                              re.S).group(0).split())
    assert SAID in said
    assert "Come back once calls have come in" in said and "holdwell fit" in said
    assert 'class="flash error"' not in html


def test_the_other_pages_answer_an_empty_log_with_200_too(as_role):
    """What the twin now matches: an empty log is a state the pages show, not a refusal."""
    analyst = as_role("analyst")
    for path in ("/console/", "/console/unserved", "/console/experiments"):
        page = analyst.get(path)
        assert page.status_code == 200, path
        assert not _title(page.get_data(as_text=True)).startswith("Error:"), path


def test_the_api_still_answers_an_empty_log_with_its_409(console_app, tokens):
    client = console_app.test_client()
    for reply in (client.get("/api/v1/twin", headers=bearer(tokens["analyst"])),
                  client.post("/api/v1/twin/whatif", json={"replications": 2},
                              headers=bearer(tokens["analyst"]))):
        assert reply.status_code == 409
        assert reply.get_json()["error"].startswith("the call log has no finished calls yet")
