"""One request, one dial: an agent's brief of the customer's messages ends inside the claim
the config sized for it, so the claim is not released (and the customer not dialled by a
second agent) while the first is still hearing it (fault audit 42, finding 1)."""

from __future__ import annotations

from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage import callback_queue
from app.storage.schema import callbacks
from tests.app.test_overflow_voicemail import CHOICE, LINE, RECORDED, RESULT, call, wait
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


def leave_message(twilio, name: str, n: int, seconds: int) -> None:
    """The same number rings (call `name`), waits past the maximum and leaves a message."""
    wait(twilio, name, 1810)
    twilio.post(CHOICE, call(name, Digits="3"))
    twilio.post(RESULT, call(name, QueueResult="leave", QueueTime="1815"))
    recording = sid(f"msg{n}", "RE")
    twilio.post(RECORDED, call(name, RecordingUrl="https://api.twilio.com/2010-04-01/"
                               f"Accounts/AC1/Recordings/{recording}", RecordingSid=recording,
                               RecordingDuration=str(seconds), Digits="hangup"))


def test_three_full_messages_are_not_all_played_under_a_claim_sized_for_one(make_app, clock):
    app = make_app(LINE)  # message_max_s 120, claim_timeout_s 300
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n, name in enumerate(["c1", "c2", "c3"]):
        leave_message(twilio, name, n, 120)
        clock.advance(5)
    engine = app.extensions["holdwell"].store.engine
    with engine.connect() as conn:
        assert conn.execute(select(callbacks.c.status)).scalars().all() == ["pending"]
    first = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agentA")}).data)
    plays = [play.text for play in first.findall("Play")]
    assert len(plays) == 1 and plays[0].endswith(sid("msg2", "RE"))  # the newest, in full
    assert first.find(".//Number") is not None
    settings = app.extensions["holdwell"].config.callbacks
    clock.advance(settings.claim_timeout_s + 1)  # past any brief and ring the claim covers
    callback_queue.release_stale_claims(engine, clock.now(), settings.claim_timeout_s)
    second = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agentB")}).data)
    assert second.find(".//Number") is not None  # released only once A's dial was over


def test_short_messages_are_all_told_oldest_first(make_app, clock):
    app = make_app(LINE)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n, name in enumerate(["c1", "c2", "c3"]):
        leave_message(twilio, name, n, 20)
        clock.advance(5)
    first = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agentA")}).data)
    assert [play.text[-34:] for play in first.findall("Play")] == [
        sid(f"msg{n}", "RE") for n in range(3)]


def test_a_message_longer_than_todays_limit_is_left_to_the_callbacks_page(make_app, clock):
    """Recorded at 120 s, then message_max_s lowered to 60: no message fits the brief the
    claim is now sized for, so none is played (the agent hears one was left)."""
    app = make_app(LINE.replace("max_wait_s = 1800", "max_wait_s = 1800\nmessage_max_s = 60"))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    leave_message(twilio, "c1", 0, 120)  # as if recorded under the old 120 s limit
    brief = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agentA")}).data)
    assert brief.findall("Play") == [] and brief.find(".//Number") is not None
    assert "left a message" in " ".join(say.text or "" for say in brief.iter("Say"))
