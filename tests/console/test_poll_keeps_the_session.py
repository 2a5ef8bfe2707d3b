"""A request that only reads the session never writes its cookie back. The wallboard in
another tab polls its fragment every few seconds with the same cookie: a poll sent before a
save and answered after the save's redirect put back the cookie without the save's flash
("Saved as config version 2" never showed: a browser test's flake), and one answered after a
sign-out put the dropped cookie back. A browser takes a Set-Cookie as its answer lands, so
`landed` below is that answer arriving late, whatever order the server handled them in."""

from __future__ import annotations

COOKIE = "holdwell_session"
FRAGMENT = "/console/wallboard/fragment"


def landed(client, answer) -> None:  # noqa: ANN001
    """The browser takes the answer's session cookie, if it carries one, as it lands."""
    for header in answer.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == COOKIE:
            client.set_cookie(COOKIE, rest.split(";", 1)[0])


def poll_sent_with(console_app, cookie: str, status: int = 200):  # noqa: ANN001, ANN201
    """The wallboard's poll, sent with the cookie as it was then."""
    wallboard = console_app.test_client()
    wallboard.set_cookie(COOKIE, cookie)
    answer = wallboard.get(FRAGMENT)
    assert answer.status_code == status
    return answer


def test_a_poll_sent_before_a_save_and_answered_after_it_keeps_the_saved_flash(
        console_app, as_role):
    operator = as_role("operator")
    before_the_save = operator.client.get_cookie(COOKIE).value
    saved = operator.post("/console/policies/support",
                          {"policy": "silence", "note": "quiet night"})
    assert saved.status_code == 303
    landed(operator.client, poll_sent_with(console_app, before_the_save))
    page = operator.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved as config version 2" in page


def test_a_poll_sent_before_sign_out_and_answered_after_it_puts_no_cookie_back(
        console_app, as_role):
    operator = as_role("operator")
    before = operator.client.get_cookie(COOKIE).value
    assert operator.post("/console/logout").status_code == 302
    assert operator.client.get_cookie(COOKIE) is None
    landed(operator.client, poll_sent_with(console_app, before, 401))  # signed out
    assert operator.client.get_cookie(COOKIE) is None  # the dropped cookie stays dropped


def test_a_poll_never_sets_the_session_cookie(console_app, as_role):
    operator = as_role("operator")
    operator.get("/console/")
    answer = operator.get(FRAGMENT)
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert "Cookie" in answer.headers.get("Vary", "")  # its answer still depends on it
