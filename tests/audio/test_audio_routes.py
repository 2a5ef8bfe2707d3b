"""The /audio route: what Twilio's caching fetcher needs to see."""

import pytest
from flask import Flask

from app.audio_routes import bp
from audio.generate import comfort_noise
from audio.kinds import Kind
from audio.library import AudioLibrary
from audio.prepare import write_prepared


@pytest.fixture
def library(tmp_path):
    write_prepared(tmp_path / "comfort_noise.wav", comfort_noise(1.0), Kind.NOISE)
    return AudioLibrary.from_dir(tmp_path)


@pytest.fixture
def client(library):
    app = Flask(__name__)
    app.extensions["holdwell_audio"] = library
    app.register_blueprint(bp)
    return app.test_client()


def test_prepared_audio_is_served_as_wav_cacheable_forever(client, library, tmp_path):
    response = client.get(library.url_path("comfort_noise"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "audio/wav"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert (
        response.headers["ETag"].strip('"')
        == library.entry_for_filename(library.url_path("comfort_noise").rsplit("/", 1)[1]).sha256
    )
    assert response.data == (tmp_path / "comfort_noise.wav").read_bytes()


def test_matching_if_none_match_gets_304_without_a_body(client, library):
    url = library.url_path("comfort_noise")
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_unknown_and_stale_names_are_404(client, library):
    assert client.get("/audio/nothing.wav").status_code == 404
    assert client.get("/audio/comfort_noise-000000000000.wav").status_code == 404
    assert client.get("/audio/comfort_noise.wav").status_code == 404


def test_app_without_an_audio_library_answers_404_not_500():
    app = Flask(__name__)
    app.register_blueprint(bp)
    assert app.test_client().get("/audio/comfort_noise-0123456789ab.wav").status_code == 404
