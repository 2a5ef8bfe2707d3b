"""Hostile requests over real HTTP to the Procfile's gunicorn (issue 12, items 7–9 and 11):
each gets a plain 4xx that says why, fast, and leaves the call log as it was — except that a
sound fact (a hang-up) is kept even when a number beside it is garbled."""

from __future__ import annotations

import http.client
import time

import pytest
from sqlalchemy import create_engine, func, select

from app.storage.migrate import upgrade
from app.storage.schema import call_events, calls
from hold_policies.config import ConfigError, load_config
from tests.integration.test_fault_matrix import sid
from tests.support.live_server import LiveServer, signed_request

OPS_TOKEN = "s3cret-ops-token-of-24ch"  # HOLDWELL_OPS_TOKEN needs 16 characters or more


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'holdwell.db'}"
    upgrade(url)
    server = LiveServer(url, workdir=folder).start()
    yield server
    server.stop()


def rows(server: LiveServer) -> tuple[int, int]:
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        counted = (conn.execute(select(func.count()).select_from(calls)).scalar(),
                   conn.execute(select(func.count()).select_from(call_events)).scalar())
    engine.dispose()
    return counted


def raw_post(server: LiveServer, path: str, body: bytes, headers: dict[str, str]):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    started = time.perf_counter()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(), time.perf_counter() - started
    finally:
        connection.close()


def test_a_non_ascii_signature_is_a_plain_403(web):
    before = rows(web)
    body, headers = signed_request(web.url("/voice/status"), {"CallSid": sid(1),
                                                              "CallStatus": "completed"})
    headers["X-Twilio-Signature"] = "é" * 28
    status, _, _ = raw_post(web, "/voice/status", body, {
        k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()})
    assert status == 403
    assert rows(web) == before
    assert "Traceback" not in web.log_text()


def test_a_huge_body_is_refused_before_it_is_parsed(web):
    before = rows(web)
    fields = "&".join(f"f{n}=x" for n in range(150_000)).encode()  # ~1.3 MB, junk signature
    status, _, elapsed = raw_post(web, "/voice/wait", fields, {
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "junk"})
    assert status == 413 and elapsed < 2.0
    assert rows(web) == before


def chunked_post(server: LiveServer, path: str, body: bytes, headers: dict[str, str]) -> int:
    """`body` sent in 8 kB chunks with no Content-Length, as a proxy may forward it."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        connection.request("POST", path, body=iter([body[i:i + 8192]
                                                    for i in range(0, len(body), 8192)]),
                           headers=headers, encode_chunked=True)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.mark.parametrize(("pad", "expected"), [(100, 204), (70_000, 413)])
def test_a_chunked_body_is_measured_like_any_other(web, pad, expected):
    """Without a Content-Length a signed body over the cap was cut short unseen, and its
    signature failed (403, "bad signature" in the log); now it is a 413, and one under the
    cap is read whole (204)."""
    body, headers = signed_request(web.url("/voice/status"), {
        "CallSid": sid(4), "CallStatus": "completed", "Pad": "x" * pad})
    headers.pop("Content-Length", None)
    logged = len(web.log_text())
    assert chunked_post(web, "/voice/status", body, headers) == expected
    assert "bad Twilio signature" not in web.log_text()[logged:]


@pytest.mark.parametrize("garbage", ["abc", "nan", "inf", "-5", "1e12"])
def test_impossible_numbers_are_400s(web, garbage):
    answer = web.post("/voice/connect?queue=support", {"CallSid": sid(2), "QueueTime": garbage})
    assert answer.status == 400
    assert b"QueueTime" in answer.body


def test_a_hang_up_with_a_garbled_queue_time_is_still_a_hang_up(web):
    call = {"CallSid": sid(3), "From": "+14155550100"}
    assert web.post("/voice/incoming?queue=support", call).is_twiml
    answer = web.post("/voice/queue-result?queue=support",
                      {**call, "QueueResult": "hangup", "QueueTime": "abc"})
    assert answer.status == 400
    engine = create_engine(web.database_url)
    with engine.connect() as conn:
        outcome = conn.execute(select(calls.c.outcome).where(calls.c.call_id == sid(3))).scalar()
    engine.dispose()
    assert outcome == "abandoned"  # the caller did hang up: never "waiting" forever


def test_a_config_file_that_is_not_utf8_names_the_file_and_the_problem(tmp_path):
    path = tmp_path / "holdwell.toml"
    path.write_bytes('[queues.support]\npolicy = "checkin" # caf\xe9\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="holdwell.toml: not UTF-8"):
        load_config(path)


@pytest.mark.parametrize("forged", ["CA1", sid(4) + "From+14155550100", "CA" + "Z" * 32,
                                    "CA" + "0" * 31 + "\u0660"])
def test_a_call_sid_not_shaped_like_twilios_is_a_400_and_changes_nothing(web, forged):
    before = rows(web)
    for path in ("/voice/incoming?queue=support", "/voice/status",
                 "/voice/wait?queue=support&policy=checkin"):
        answer = web.post(path, {"CallSid": forged, "From": "+14155550100", "QueueTime": "5",
                                 "CallStatus": "completed"})
        assert answer.status == 400 and b"CallSid" in answer.body
    assert rows(web) == before
    assert "Traceback" not in web.log_text()


def test_the_ops_token_in_the_query_string_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'holdwell.db'}"
    upgrade(url)
    server = LiveServer(url, workdir=tmp_path,
                        extra_env={"HOLDWELL_OPS_TOKEN": OPS_TOKEN}).start()
    try:
        def get(path: str, headers: dict[str, str]) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
            try:
                connection.request("GET", path, headers=headers)
                return connection.getresponse().status
            finally:
                connection.close()

        assert get(f"/ops/callbacks?token={OPS_TOKEN}", {}) == 401
        assert get("/ops/callbacks", {"Authorization": f"Bearer {OPS_TOKEN}"}) == 200
    finally:
        server.stop()


def test_an_unsigned_webhook_is_refused_with_a_log_line_that_says_when(web):
    """A 403 and a line in gunicorn's log with the time and the level, not a bare message."""
    status, _, _ = raw_post(web, "/voice/incoming?unsigned-probe", b"CallSid=x",
                            {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    deadline = time.monotonic() + 5
    while "without a Twilio signature" not in web.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    [line] = [line for line in web.log_text().splitlines()
              if "without a Twilio signature for /voice/incoming" in line]
    assert " WARNING holdwell.security: rejected request" in line
    assert line[:4].isdigit()  # starts with the date and time
