"""A caller who rings back after a dropped line goes on hearing their own arm (one call, one
arm): the new leg's CallSid drew its own arm, and the rest of the call switched to it, so the
call's events carried two arms and intention to treat broke."""

from __future__ import annotations

from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage.schema import call_events
from hold_policies.experiment import assign_arm
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[queues.support]
policy = "checkin"
[queues.support.checkin]
interval_s = 60
[queues.support.resume]
within_s = 300
after_checkin_s = 15
[queues.support.variants.no_apology]
policy = "checkin"
prompts = { apology = "" }
[queues.support.experiment]
arms = { checkin = 50, no_apology = 50 }
"""
ARMS = {"checkin": 50, "no_apology": 50}
CALLER = "+14155550102"


def drawn(prefix: str, arm: str, salt: str) -> str:
    return next(sid(f"{prefix}{i}") for i in range(200)
                if assign_arm(sid(f"{prefix}{i}"), ARMS, salt) == arm)


def test_a_caller_who_rings_back_keeps_the_arm_of_their_call(make_app, clock):
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    salt = app.extensions["holdwell"].config.queues["support"].experiment.salt
    first, second = drawn("a", "checkin", salt), drawn("b", "no_apology", salt)
    poll = {"QueuePosition": "1", "CurrentQueueSize": "1"}
    entered = parse(twilio.post("/voice/incoming?queue=support",
                                {"CallSid": first, "From": CALLER}).data).find("Enqueue")
    twilio.post(entered.get("waitUrl"), {"CallSid": first, "QueueTime": "0", **poll})
    clock.advance(60)
    twilio.post(entered.get("waitUrl"), {"CallSid": first, "QueueTime": "60", **poll})
    clock.advance(5)
    twilio.post(entered.get("action"), {"CallSid": first, "QueueResult": "hangup",
                                        "QueueTime": "65"})
    clock.advance(10)
    back = parse(twilio.post("/voice/incoming?queue=support",
                             {"CallSid": second, "From": CALLER}).data).find("Enqueue")
    assert "resumes=" in back.get("waitUrl") and "arm=checkin" in back.get("waitUrl")
    clock.advance(60)
    twilio.post(back.get("waitUrl"), {"CallSid": second, "QueueTime": "60", **poll})
    with app.extensions["holdwell"].store.engine.connect() as conn:
        arms = set(conn.execute(select(call_events.c.arm).where(
            call_events.c.call_id == first)).scalars())
    assert arms == {"checkin"}
