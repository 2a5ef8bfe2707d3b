"""A prompt set to "" (or blanks) means no words: no empty <Say> reaches Twilio (its warning
13520, "the text of the Say verb was empty", on every call), and no wait document is left
without a pause (an empty one is re-requested at once, a loop of polls)."""

from __future__ import annotations

import dataclasses

import pytest

from app.signed_client import SignedClient
from hold_policies.config import parse_config
from hold_policies.prompts import Prompts
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CALLER = "+14155550100"


def emptied(policy: str, blank: str) -> str:
    """A config with every prompt the queue can set left blank (fixed texts are not settable)."""
    names = [f.name for f in dataclasses.fields(Prompts)]
    settable = []
    for name in names:
        try:
            parse_config({"line": {"support_number": "+14155550000"}, "queues": {
                "support": {"policy": policy, "prompts": {name: blank}}}})
        except Exception:  # noqa: BLE001 - a fixed text: refused as an unknown key
            continue
        settable.append(name)
    assert len(settable) > 20
    lines = "\n".join(f'{name} = "{blank}"' for name in settable)
    return (f'[line]\nsupport_number = "+14155550000"\n[queues.support]\npolicy = "{policy}"\n'
            f"[queues.support.prompts]\n{lines}\n")


def says(answer) -> list[str]:  # noqa: ANN001 - a Flask test response
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [say.text or "" for say in parse(answer.data).iter("Say")]


@pytest.mark.parametrize("blank", ["", "  "])
@pytest.mark.parametrize("policy", ["checkin", "callback", "silence", "music_ads"])
def test_blank_prompts_leave_no_empty_say_and_no_wait_without_a_pause(make_app, policy: str,
                                                                      blank: str) -> None:
    twilio = SignedClient(make_app(emptied(policy, blank)).test_client(), AUTH_TOKEN)
    call = {"CallSid": sid("A"), "From": CALLER}
    answers = [twilio.post("/voice/incoming", call)]
    for queue_time in (5, 65, 125, 185, 400):
        wait = twilio.post(f"/voice/wait?queue=support&policy={policy}", {
            **call, "QueueTime": str(queue_time), "QueuePosition": "3",
            "CurrentQueueSize": "5"})
        answers.append(wait)
        verbs = [node.tag for node in parse(wait.data)]
        assert "Pause" in verbs or "Play" in verbs, wait.data
    answers.append(twilio.post(f"/voice/choice?queue=support&policy={policy}",
                               {**call, "Digits": "1"}))
    answers.append(twilio.post("/voice/connect?queue=support", {**call, "QueueTime": "9"}))
    for answer in answers:
        assert all(text.strip() for text in says(answer)), answer.data
