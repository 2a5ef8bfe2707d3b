"""The Procfile's web process for real: gunicorn serving the app factory over HTTP."""

from __future__ import annotations

import sys

import pytest

from tests.support.live_server import live_servers, post_signed  # noqa: F401 - fixture
from tests.support.sids import sid


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix")
def test_gunicorn_serves_signed_webhooks_and_refuses_forged_ones(live_servers, sqlite_url):  # noqa: F811
    server = live_servers(sqlite_url)
    params = {"CallSid": sid("CA1"), "From": "+14155550100"}
    answer = server.post("/voice/incoming", params, timeout=5)
    assert answer.status == 200 and b"<Enqueue" in answer.body
    forged = post_signed(server.url("/voice/incoming"), params, auth_token="not-the-token",
                         timeout=5)
    assert forged.status == 403
