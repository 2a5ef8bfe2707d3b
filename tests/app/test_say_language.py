"""A <Say>'s language attribute is its Polly voice's own tag where the voice speaks the
queue's language in another region: an es-AR or es-419 queue is read by Polly.Mia (es-MX),
and Twilio fails a <Say> whose voice and language do not go together (Polly has no es-AR
or es-419 voice). The words stay the queue's: es-MX reads the same Latin-American table."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


@pytest.mark.parametrize(("language", "voice", "said_in"), [
    ("es-AR", "Polly.Mia", "es-MX"), ("es-419", "Polly.Mia", "es-MX"),
    ("es-MX", "Polly.Mia", "es-MX"), ("es-ES", "Polly.Lucia", "es-ES"),
    ("en-US", "Polly.Joanna", "en-US")])
def test_the_say_carries_the_voices_own_tag(make_app, language, voice, said_in):
    app = make_app(f'[queues.support]\npolicy = "checkin"\nlanguage = "{language}"\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    answer = twilio.post("/voice/wait?policy=checkin&queue=support&welcome=1", {
        "CallSid": sid("CA1"), "QueueTime": "0", "QueuePosition": "1",
        "CurrentQueueSize": "1"})
    says = list(parse(answer.data).iter("Say"))
    assert says and {(say.get("voice"), say.get("language")) for say in says} == {
        (voice, said_in)}


def test_a_voice_twilio_names_by_its_own_tag_keeps_the_queues(make_app):
    """Only a Polly voice known here is read back to its tag; a Google voice (or none) keeps
    the queue's language as written."""
    app = make_app('[queues.support]\npolicy = "checkin"\nlanguage = "es-AR"\n'
                   'voice = "Google.es-US-Standard-A"\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    answer = twilio.post("/voice/wait?policy=checkin&queue=support&welcome=1", {
        "CallSid": sid("CA1"), "QueueTime": "0", "QueuePosition": "1",
        "CurrentQueueSize": "1"})
    assert {say.get("language") for say in parse(answer.data).iter("Say")} == {"es-AR"}
