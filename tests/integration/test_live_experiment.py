"""An experiment in the live app: a deterministic arm per call, logged with every event,
and reports that analyse by arm (intention to treat)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import create_engine, select

from app.signed_client import SignedClient
from app.storage.schema import call_events, calls
from cli.main import cli
from hold_policies.experiment import assign_arm
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN

CONFIG = """
[queues.support.experiment]
arms = { checkin = 1, music_ads = 1 }
salt = "test"
"""


def test_each_call_hears_its_arm_and_every_event_carries_it(make_app, sqlite_url, monkeypatch):
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    arms = {}
    for n in range(40):
        call = f"CA{n:032x}"
        incoming = twilio.post("/voice/incoming", {"CallSid": call, "From": "+14155550100"})
        wait_url = parse(incoming.data).find("Enqueue").get("waitUrl")
        arms[call] = assign_arm(call, {"checkin": 1, "music_ads": 1}, salt="test")
        assert f"arm={arms[call]}" in wait_url and f"policy={arms[call]}" in wait_url
        heard = twilio.post(wait_url, wait_form(call, queue_time=61))
        assert ("Sorry to keep you waiting" in spoken(heard.data)) == (arms[call] == "checkin")
        result = "hangup" if n % 3 == 0 else "bridged"
        if result == "bridged":
            twilio.post("/voice/connect?queue=support", {"CallSid": call, "QueueTime": "62"})
        twilio.post("/voice/queue-result?queue=support",
                    {"CallSid": call, "QueueResult": result, "QueueTime": "62"})
    assert set(arms.values()) == {"checkin", "music_ads"}
    with create_engine(sqlite_url).connect() as conn:
        events = conn.execute(select(call_events.c.call_id, call_events.c.arm)).all()
        logged = dict(conn.execute(select(calls.c.call_id, calls.c.arm)).all())
    assert logged == arms
    assert all(arm == arms[call] for call, arm in events)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    report = CliRunner().invoke(cli, ["report", "--json"])
    assert report.exit_code == 0, report.output
    groups = {p["arm"]: p["calls"] for p in json.loads(report.stdout)["policies"]}
    assert groups == {arm: list(arms.values()).count(arm) for arm in ("checkin", "music_ads")}
