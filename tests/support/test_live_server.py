"""The live-server helper: public-URL signing, two hosts, and a worker killed with -9."""

from __future__ import annotations

import sys

import pytest

from tests.support.live_server import live_servers  # noqa: F401 - fixture
from tests.support.sids import sid

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix")
CALL = {"CallSid": sid("CA1"), "From": "+14155550100"}


def test_two_hosts_behind_a_public_url_survive_a_killed_worker(live_servers, sqlite_url):  # noqa: F811
    first = live_servers(sqlite_url, public_url="https://holdwell.example.com")
    second = live_servers(sqlite_url, public_url="https://holdwell.example.com")
    assert first.port != second.port
    for server in (first, second):
        answer = server.post("/voice/incoming", CALL, timeout=10)
        assert answer.is_twiml and b"<Enqueue" in answer.body, answer
    victim = first.kill_worker()
    assert victim not in first.wait_for_workers(2, exclude={victim})
    answers = [first.post("/voice/incoming", CALL, timeout=10) for _ in range(4)]
    assert all(answer.is_twiml for answer in answers), answers
    assert answers[0].elapsed < 10
