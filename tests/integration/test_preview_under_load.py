"""Previews beside live calls on the Procfile's gunicorn (2 workers x 4 threads): an analyst
asking for many preview WAVs at once gets 429s (Retry-After) past one render per worker, and
Twilio's polls keep being answered fast."""

from __future__ import annotations

import http.client
import threading
import time

from app.clock import SystemClock
from app.storage import users
from app.storage.db import make_engine
from app.storage.migrate import upgrade
from tests.support.live_server import live_servers  # noqa: F401 - fixture
from tests.support.sids import sid

PREVIEWS = 8
POLL_LIMIT_S = 1.5
"""Far under Twilio's 15 s; before the limit, eight previews delayed a poll by seconds."""


def get_preview(base_url: str, token: str, position: int) -> tuple[int, str | None]:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        connection.request("GET", f"/api/v1/preview.wav?queue=support&position={position}"
                           "&answered_per_min=1&minutes=5",
                           headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After")
    finally:
        connection.close()


def poll_s(web, n: int) -> float:  # noqa: ANN001
    answer = web.post("/voice/wait?policy=checkin&queue=support", {
        "CallSid": sid(f"CA{n}"), "QueueTime": "30", "QueuePosition": "1",
        "CurrentQueueSize": "1", "From": "+14155550100"}, timeout=30)
    assert answer.is_twiml, answer
    return answer.elapsed


def test_many_previews_at_once_leave_polls_fast(live_servers, tmp_path):  # noqa: F811
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    engine = make_engine(url)
    users.add_user(engine, "ana", "analyst", "a long passphrase", SystemClock().now())
    token = users.issue_token(engine, "ana", SystemClock().now())
    web = live_servers(database_url=url)
    poll_s(web, 1)  # warm
    answers: list[tuple[int, str | None]] = []
    threads = [threading.Thread(target=lambda i=i: answers.append(
        get_preview(web.base_url, token, 3 + i))) for i in range(PREVIEWS)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    polls = []
    for n in range(2, 8):
        polls.append(poll_s(web, n))
        time.sleep(0.3)
    for thread in threads:
        thread.join(120)
    print(f"polls during {PREVIEWS} previews: {[round(p, 3) for p in polls]}; "
          f"previews: {sorted(a[0] for a in answers)}")
    assert max(polls) < POLL_LIMIT_S
    refused = [a for a in answers if a[0] == 429]
    assert refused and all(retry == "5" for _, retry in refused)
    assert any(status == 200 for status, _ in answers)
