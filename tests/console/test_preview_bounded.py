"""A preview's audio holds a web thread beside Twilio's webhooks: only the words that fit in
the five minutes kept are spoken, and a worker renders one preview at a time, refusing
others at once (429, Retry-After) so its threads stay free to answer calls."""

from __future__ import annotations

import math
import threading

import pytest

import audio.speech
from app.console import preview_audio
from tests.app.test_voice_contract import wait_form
from tests.console.conftest import CONFIG, PASSWORD, bearer
from tests.support.sids import sid

LONG_WELCOME = "Thank you for calling. " * 2500  # stored before the length check: it runs
PREVIEW = "/api/v1/preview.wav?queue=sales&position=3&minutes=5"


@pytest.fixture
def spoken(monkeypatch):
    """synthesize, recording each text it is given (the real one speaks it)."""
    texts: list[str] = []
    real = audio.speech.synthesize

    def recording(text, *args, **kwargs):  # noqa: ANN001, ANN202
        texts.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(audio.speech, "synthesize", recording)
    preview_audio._spoken.cache_clear()
    yield texts
    preview_audio._spoken.cache_clear()


@pytest.fixture
def held_render(monkeypatch):
    """A render that waits on an Event once started (always released at teardown)."""
    started, release = threading.Event(), threading.Event()
    real = preview_audio._render

    def held(*args, **kwargs):  # noqa: ANN202
        started.set()
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(preview_audio, "_render", held)
    yield started, release
    release.set()


def test_only_the_words_five_minutes_can_hold_are_spoken(make_app, clock, spoken):
    from app.storage import users

    config = CONFIG + f'[queues.sales.prompts]\nwelcome = "{LONG_WELCOME}"\n'
    app = make_app(config)
    engine = app.extensions["holdwell"].store.engine
    users.add_user(engine, "analyst", "analyst", PASSWORD, clock.now())
    token = users.issue_token(engine, "analyst", clock.now())
    answer = app.test_client().get(PREVIEW, headers=bearer(token))
    assert answer.status_code == 200 and answer.mimetype == "audio/wav"
    most_words = preview_audio.MAX_AUDIO_S * preview_audio.SPOKEN_WORDS_PER_S
    assert spoken and max(len(text.split()) for text in spoken) <= math.ceil(most_words)
    assert max(len(text) for text in spoken) < len(LONG_WELCOME) / 5


def test_a_second_preview_is_refused_at_once_while_one_renders_and_calls_are_answered(
        console_app, tokens, held_render, twilio_console, as_role):
    started, release = held_render
    analyst = bearer(tokens["analyst"])
    first: dict = {}
    runner = threading.Thread(target=lambda: first.update(
        reply=console_app.test_client().get(PREVIEW, headers=analyst)))
    runner.start()
    try:
        assert started.wait(60)
        second = console_app.test_client().get(PREVIEW, headers=analyst)
        assert second.status_code == 429 and second.headers["Retry-After"] == "5"
        assert "one at a time" in second.get_json()["error"]
        page = as_role("analyst").get("/console/preview.wav?queue=sales&position=2&minutes=2")
        assert page.status_code == 429 and page.headers["Retry-After"] == "5"
        poll = twilio_console.post("/voice/wait?policy=checkin&queue=sales",
                                   wait_form(sid("CA9"), queue_time=0))
        assert poll.status_code == 200 and b"<Response>" in poll.data
    finally:
        release.set()
        runner.join(60)
    assert first["reply"].status_code == 200
    assert console_app.test_client().get(PREVIEW, headers=analyst).status_code == 200
