"""A queue's voice follows its language: Twilio fails a <Say> whose voice cannot speak its
language, and a Spanish queue that set only `language = "es-ES"` had been given Polly.Joanna
(American English) for every word its callers heard."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from hold_policies.config import ConfigError, parse_config
from hold_policies.voices import DEFAULT_VOICE, POLLY_LANGUAGE, default_voice, voice_language
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


def queue(**table: str):  # noqa: ANN201 - the queue's config
    return parse_config({"queues": {"q": {"policy": "checkin", **table}}},
                        as_written=True).queues["q"]


@pytest.mark.parametrize(("language", "voice"), [
    ("en-US", "Polly.Joanna"), ("es-ES", "Polly.Lucia"), ("es-MX", "Polly.Mia"),
    ("es", "Polly.Lucia"), ("es-AR", "Polly.Mia"), ("es-419", "Polly.Mia"),
    ("es-GQ", "Polly.Lucia"), ("es-US", "Polly.Lupe"), ("fr-CA", "Polly.Chantal"),
    ("de-DE", "Polly.Vicki"), ("pt-BR", "Polly.Camila"), ("nl-NL", "Polly.Lotte"),
    ("it-IT", "Polly.Bianca"), ("en-GB", "Polly.Amy")])
def test_a_queue_naming_only_a_language_gets_that_languages_voice(language, voice) -> None:
    assert queue(language=language).voice == voice


def test_a_language_polly_has_no_voice_for_gets_no_voice_attribute() -> None:
    assert queue(language="xh-ZA").voice is None
    assert queue().voice == "Polly.Joanna" and queue().language == "en-US"


def test_a_voice_named_is_kept_and_none_stays_none() -> None:
    assert queue(language="es-ES", voice="Polly.Conchita").voice == "Polly.Conchita"
    assert queue(language="es-MX", voice="Polly.Lucia-Neural").voice == "Polly.Lucia-Neural"
    assert queue(language="es-ES", voice="Google.es-ES-Standard-A").voice.startswith("Google")
    assert queue(language="es-ES", voice="").voice is None


def test_a_voice_that_cannot_speak_the_language_is_refused_naming_one_that_can() -> None:
    with pytest.raises(ConfigError) as refused:
        queue(language="es-ES", voice="Polly.Joanna")
    said = str(refused.value)
    assert "queues.q" in said and "Polly.Joanna speaks en-US" in said
    assert 'voice = "Polly.Lucia"' in said


def test_a_stored_version_with_that_pair_still_loads_to_run() -> None:
    loaded = parse_config({"queues": {"q": {"language": "fr-FR", "voice": "Polly.Joanna"}}})
    assert loaded.queues["q"].voice == "Polly.Joanna"


def test_every_default_voice_speaks_its_own_language() -> None:
    for language, name in DEFAULT_VOICE.items():
        assert POLLY_LANGUAGE[name] == language
        assert voice_language(default_voice(language)) == language


def test_the_spanish_queue_is_read_in_a_spanish_voice(make_app) -> None:
    config = ('[queues.ventas]\npolicy = "checkin"\nlanguage = "es-ES"\n'
              '[queues.ventas.prompts]\nwelcome = "Gracias por llamar."\n')
    twilio = SignedClient(make_app(config).test_client(), AUTH_TOKEN)
    answer = twilio.post("/voice/incoming", {"CallSid": sid("A"), "From": "+34911234567"})
    first = twilio.post(parse(answer.data).find("Enqueue").get("waitUrl"),  # welcomed there
                        {"CallSid": sid("A"), "QueueTime": "0", "QueuePosition": "1",
                         "CurrentQueueSize": "1", "From": "+34911234567"})
    says = list(parse(first.data).iter("Say"))
    assert says and all(say.get("voice") == "Polly.Lucia" and say.get("language") == "es-ES"
                        for say in says)


def test_a_language_no_voice_speaks_is_warned_of_where_it_is_saved() -> None:
    """It had gone without a voice attribute and no word: Twilio reads it as "man", which
    fails a <Say> in a language it cannot speak."""
    config = parse_config({"queues": {"q": {"policy": "checkin", "language": "xh-ZA"}}},
                          as_written=True)
    warned = [w for w in config.warnings() if "no voice" in w]
    assert len(warned) == 1 and "queues.q.language = 'xh-ZA'" in warned[0]
    assert "Google.xh-ZA" in warned[0]
    for table in ({"language": "es-ES"}, {"language": "xh-ZA", "voice": "Google.xh-ZA-A"}, {}):
        quiet = parse_config({"queues": {"q": {"policy": "checkin", **table}}},
                             as_written=True)
        assert not [w for w in quiet.warnings() if "no voice" in w], table
