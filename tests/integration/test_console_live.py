"""Every gunicorn worker runs a policy saved through the API within 5 s (the Procfile's web
process, two workers, over real HTTP)."""

from __future__ import annotations

import http.client
import json
import time
from xml.etree import ElementTree

from app.clock import SystemClock
from app.storage import users
from app.storage.db import make_engine
from app.storage.migrate import upgrade
from tests.support.live_server import live_servers  # noqa: F401 - fixture
from tests.support.sids import sid

CONFIG = '[queues.support]\npolicy = "checkin"\n[queues.support.checkin]\ninterval_s = 20\n'
PROMISE_S = 5.0


def patch_json(base_url: str, path: str, body: dict, token: str) -> int:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("PATCH", path, body=json.dumps(body), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    status = connection.getresponse().status
    connection.close()
    return status


def speaks(web, call_id: str, queue_time: int) -> bool:  # noqa: ANN001
    answer = web.post("/voice/wait?queue=support", {
        "CallSid": call_id, "QueueTime": str(queue_time), "QueuePosition": "1",
        "CurrentQueueSize": "1", "From": "+14155550100"}, timeout=10)
    assert answer.status == 200, answer.body
    return ElementTree.fromstring(answer.body).find(".//Say") is not None


def test_every_worker_follows_a_saved_policy_within_5_seconds(live_servers, tmp_path):  # noqa: F811
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    config = tmp_path / "holdwell.toml"
    config.write_text(CONFIG, encoding="utf-8")
    web = live_servers(database_url=url, config=config)
    engine = make_engine(url)
    users.add_user(engine, "olu", "operator", "a long passphrase", SystemClock().now())
    token = users.issue_token(engine, "olu", SystemClock().now())
    assert speaks(web, sid("CA1"), 60)  # a check-in: the file's policy runs
    saved = patch_json(web.base_url, "/api/v1/policies/support",
                     {"settings": {"policy": "silence"}, "note": "quiet"}, token)
    assert saved == 200
    saved_at = time.monotonic()
    while time.monotonic() - saved_at < PROMISE_S:
        time.sleep(0.25)
    # Many polls reach both workers: every one now plays the new policy.
    assert not any(speaks(web, sid(f"CA{n}"), 60) for n in range(2, 22))
