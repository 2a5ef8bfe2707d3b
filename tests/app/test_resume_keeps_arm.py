"""A caller who rings back after a dropped line goes on hearing their own arm (one call, one
arm): the new leg's CallSid drew its own arm, and the rest of the call switched to it, so the
call's events carried two arms and intention to treat broke."""

from __future__ import annotations

from sqlalchemy import select

from app.storage.schema import call_events
from hold_policies.experiment import assign_arm
from tests.app.test_resume_after_drop import CONFIG as RESUME
from tests.app.test_resume_after_drop import Line
from tests.app.twiml_reading import parse
from tests.support.sids import sid

CONFIG = RESUME + """
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
    line = Line(make_app(CONFIG), clock)
    salt = line.app.extensions["holdwell"].config.queues["support"].experiment.salt
    first, second = drawn("a", "checkin", salt), drawn("b", "no_apology", salt)
    entered = parse(line.ring(first, CALLER).data).find("Enqueue")
    line.poll(entered.get("waitUrl"), first, 0)
    clock.advance(60)
    line.poll(entered.get("waitUrl"), first, 60)
    clock.advance(5)
    line.twilio.post(entered.get("action"), {"CallSid": first, "QueueResult": "hangup",
                                             "QueueTime": "65"})
    clock.advance(10)
    back = parse(line.ring(second, CALLER).data).find("Enqueue")
    assert "resumes=" in back.get("waitUrl") and "arm=checkin" in back.get("waitUrl")
    clock.advance(60)
    line.poll(back.get("waitUrl"), second, 60)
    with line.app.extensions["holdwell"].store.engine.connect() as conn:
        arms = set(conn.execute(select(call_events.c.arm).where(
            call_events.c.call_id == first)).scalars())
    assert arms == {"checkin"}
