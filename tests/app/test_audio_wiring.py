"""Policies refer to audio by name; the app serves prepared clips or falls back to silence."""

from __future__ import annotations

import logging

from app.signed_client import SignedClient
from audio.generate import music_bed
from audio.kinds import Kind
from audio.prepare import write_prepared
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import parse, top_verbs
from tests.conftest import AUTH_TOKEN

MUSIC = '[queues.support]\npolicy = "music_ads"\n'


def test_music_is_played_from_a_content_hashed_url_that_serves_the_wav(make_app, tmp_path):
    folder = tmp_path / "audio"
    folder.mkdir()
    write_prepared(folder / "hold_music.wav", music_bed(duration_s=5), Kind.MUSIC)
    app = make_app(MUSIC, audio_dir=str(folder))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    wait = twilio.post("/voice/wait?policy=music_ads&queue=support", wait_form(queue_time=1))
    assert top_verbs(wait.data) == ["Play"]
    url = parse(wait.data).find("Play").text
    assert url.startswith("/audio/hold_music-") and url.endswith(".wav")
    clip = app.test_client().get(url)
    assert clip.status_code == 200 and clip.mimetype == "audio/wav"
    assert "immutable" in clip.headers["Cache-Control"] and clip.headers["ETag"]


def test_missing_audio_is_reported_at_start_and_callers_hear_silence(make_app, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="holdwell"):
        app = make_app(MUSIC, audio_dir=str(tmp_path / "nothing-here"))
    assert "audio" in caplog.text
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    wait = twilio.post("/voice/wait?policy=music_ads&queue=support", wait_form(queue_time=1))
    assert top_verbs(wait.data) == ["Pause"]
    assert parse(wait.data).find("Pause").get("length") == "60"
