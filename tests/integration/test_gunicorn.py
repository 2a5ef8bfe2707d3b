"""The Procfile's web process for real: gunicorn serving the app factory over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import AUTH_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def web_command() -> str:
    """The command of the Procfile's `web:` line, bound to a local port."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    line = next(entry for entry in lines if entry.startswith("web:"))
    return line.removeprefix("web:").strip()


@pytest.fixture
def server(sqlite_url, tmp_path):
    port = free_port()
    env = {**os.environ, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "DATABASE_URL": sqlite_url,
           "PORT": str(port), "HOLDWELL_CONFIG": str(ROOT / "holdwell.example.toml")}
    command = web_command().replace("0.0.0.0", "127.0.0.1")
    process = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


def post(url: str, params: dict[str, str], signature: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix")
def test_gunicorn_serves_signed_webhooks_and_refuses_forged_ones(server):
    url = f"{server}/voice/incoming"
    params = {"CallSid": "CA1", "From": "+14155550100"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    status, body = post(url, params, signature)
    assert status == 200 and b"<Enqueue" in body
    assert post(url, params, "forged")[0] == 403
