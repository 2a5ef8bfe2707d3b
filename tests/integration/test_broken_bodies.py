"""Bodies gunicorn itself cannot read (broken chunked framing), and form bodies of thousands
of fields, over real HTTP to the Procfile's gunicorn (API audit 35, D1–D3): each is a plain
4xx that says why, before any signature is checked or any work done. A broken chunked body
had been answered on /voice with the route's safe TwiML (a 200, with no signature checked,
and an ERROR traceback logged), and on /api/v1 with a 500."""

from __future__ import annotations

import socket
import time

import pytest

from app.clock import SystemClock
from app.storage import users
from app.storage.db import make_engine
from tests.integration.test_hostile_input import raw_post, rows, web  # noqa: F401 - fixture
from tests.support.live_server import LiveServer, signed_request
from tests.support.sids import sid

BROKEN_FRAMINGS = {
    "no chunk size": b"CallSid=CA00\r\n0\r\n\r\n",
    "size not hex": b"zz\r\nCallSid=CA00\r\n0\r\n\r\n",
    "no CRLF after the data": b"5\r\nCallSidX\r\n0\r\n\r\n",
    "negative size": b"-5\r\nabcde\r\n0\r\n\r\n",
}


@pytest.fixture(scope="module")
def token(web) -> str:  # noqa: F811 - the fixture
    """An operator's API token on the server under test."""
    engine = make_engine(web.database_url)
    users.add_user(engine, "olu", "operator", "a long passphrase", SystemClock().now())
    issued = users.issue_token(engine, "olu", SystemClock().now())
    engine.dispose()
    return issued


def chunked_raw(server: LiveServer, method: str, path: str, chunks: bytes,
                headers: dict[str, str]) -> tuple[int, bytes]:
    """`chunks` sent as the body exactly as written, after a chunked request head."""
    head = "".join(f"{name}: {value}\r\n" for name, value in {
        "Host": f"127.0.0.1:{server.port}", "Transfer-Encoding": "chunked",
        "Connection": "close", **headers}.items())
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(f"{method} {path} HTTP/1.1\r\n{head}\r\n".encode() + chunks)
        answer = b""
        while part := conn.recv(65536):
            answer += part
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("framing", sorted(BROKEN_FRAMINGS))
@pytest.mark.parametrize("path", ["/voice/incoming?queue=support", "/voice/status",
                                  "/voice/wait?queue=support&policy=checkin"])
def test_a_voice_body_gunicorn_cannot_read_is_a_400_not_a_callers_answer(web, path, framing):  # noqa: F811
    logged = len(web.log_text())
    status, body = chunked_raw(web, "POST", path, BROKEN_FRAMINGS[framing], {
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "forged"})
    assert status == 400, body
    assert b"chunked framing is broken" in body
    assert b"<Response>" not in body and b"<Enqueue" not in body
    assert "ERROR" not in web.log_text()[logged:]


def test_a_well_framed_chunked_voice_body_is_still_read(web):  # noqa: F811
    body, headers = signed_request(web.url("/voice/status"), {"CallSid": sid("CAchunk"),
                                                              "CallStatus": "completed"})
    headers.pop("Content-Length", None)
    frame = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    status, _ = chunked_raw(web, "POST", "/voice/status", frame, headers)
    assert status == 204


@pytest.mark.parametrize("framing", ["size not hex", "no CRLF after the data"])
def test_an_api_body_gunicorn_cannot_read_is_a_400_that_says_why(web, token, framing):  # noqa: F811
    status, body = chunked_raw(web, "PATCH", "/api/v1/policies/support",
                               BROKEN_FRAMINGS[framing],
                               {"Authorization": f"Bearer {token}",
                                "Content-Type": "application/json"})
    assert status == 400, body
    assert b"chunked framing is broken" in body and body.startswith(b"{")


def test_a_console_form_gunicorn_cannot_read_is_a_400(web):  # noqa: F811
    status, body = chunked_raw(web, "POST", "/console/login", BROKEN_FRAMINGS["size not hex"],
                               {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400, body
    assert b"chunked framing is broken" in body


def test_thousands_of_form_fields_are_refused_before_the_signature_is_computed(web):  # noqa: F811
    """werkzeug's cap on form parts counts only multipart bodies: 11,500 fields in 64 kB
    had been parsed and signed (three times) before the 403, ~40 times a one-field body."""
    before = rows(web)
    many = "&".join(f"f{n}=x" for n in range(6_000)).encode()
    status, answer, _ = raw_post(web, "/voice/status", many, {
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "junk"})
    assert status == 413
    assert b"under 200 form fields (this one has 6,000)" in answer
    assert rows(web) == before
    started = time.perf_counter()
    body, headers = signed_request(web.url("/voice/status"), {  # a real one still passes
        "CallSid": sid("CAfields"), "CallStatus": "completed",
        **{f"Extra{n}": "x" for n in range(40)}})
    status, _, _ = raw_post(web, "/voice/status", body, headers)
    assert status == 204 and time.perf_counter() - started < 10
