"""A save that names a clip the app cannot play warns, naming the key: a mistyped name was
saved without a word and its callers heard silence instead of the music."""

from __future__ import annotations

import pytest

from app.storage import users
from audio.generate import music_bed
from audio.kinds import Kind
from audio.prepare import write_prepared
from tests.console.conftest import PASSWORD, Console, bearer

MUSIC = '[queues.support]\npolicy = "music_ads"\n[queues.sales]\npolicy = "checkin"\n'


@pytest.fixture
def music_app(make_app, clock, tmp_path):
    folder = tmp_path / "audio"
    folder.mkdir()
    write_prepared(folder / "hold_music.wav", music_bed(duration_s=5), Kind.MUSIC)
    app = make_app(MUSIC, audio_dir=str(folder))
    engine = app.extensions["holdwell"].store.engine
    users.add_user(engine, "operator", "operator", PASSWORD, clock.now())
    return app, users.issue_token(engine, "operator", clock.now())


def patch(music_app, settings: dict) -> dict:  # noqa: ANN001
    app, token = music_app
    answer = app.test_client().patch("/api/v1/policies/support", headers=bearer(token),
                                      json={"settings": settings})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def test_a_clip_with_no_file_is_named_in_the_saves_warnings(music_app):
    saved = patch(music_app, {"music_ads": {"music": "hold-music"}})
    assert saved["changed"] is True  # saved all the same: the file may be on its way
    said = [w for w in saved["warnings"] if w.startswith(
        "queues.support.music_ads.music = 'hold-music': no playable clip")]
    assert said and "callers hear silence" in said[0], saved["warnings"]


def test_a_clip_the_app_plays_or_a_url_warns_of_nothing(music_app):
    assert patch(music_app, {"music_ads": {"music": "hold_music"}})["warnings"] == []
    url = "https://example.com/hold.mp3"
    assert patch(music_app, {"music_ads": {"music": url}})["warnings"] == []


def test_a_variants_clip_is_named_where_the_variant_sets_it(music_app):
    saved = patch(music_app, {
        "variants": {"quiet": {"policy": "silence", "settings": {"comfort_noise": "hiss"}}},
        "experiment": {"arms": {"music_ads": 1, "quiet": 1}}})
    assert [w for w in saved["warnings"]
            if w.startswith("queues.support.variants.quiet.settings.comfort_noise = 'hiss'")]


def test_the_console_flashes_it(music_app):
    app, _ = music_app
    page = Console(app, "operator").post("/console/policies/support", {
        "music_ads.music": "../x"}, follow_redirects=True).get_data(as_text=True)
    assert "Warning: queues.support.music_ads.music = &#39;../x&#39;: no playable clip" in page


def test_rolling_back_to_a_missing_clip_warns_too(music_app):
    app, token = music_app
    patch(music_app, {"music_ads": {"music": "old-music"}})  # version 2
    patch(music_app, {"music_ads": {"music": "hold_music"}})  # version 3
    back = app.test_client().post("/api/v1/config/rollback", headers=bearer(token),
                                  json={"version": 2}).get_json()
    assert back["changed"] is True
    assert [w for w in back["warnings"]
            if w.startswith("queues.support.music_ads.music = 'old-music'")], back["warnings"]



def test_starting_a_split_whose_arm_has_no_clip_warns_on_the_page_and_in_the_api(music_app):
    """A split is a save of the queue too: one whose music_ads arm plays music with no file
    had said only "A/B split on sales started", and that arm's callers heard silence in a
    test of music."""
    app, token = music_app
    client = app.test_client()
    unheard = client.patch("/api/v1/policies/sales", headers=bearer(token),
                           json={"settings": {"music_ads": {"music": "jazz"}}}).get_json()
    assert unheard["warnings"] == []  # sales plays checkin: nobody hears it yet
    shown = Console(app, "operator").post("/console/experiments/sales", {
        "weight_checkin": "1", "weight_music_ads": "1"}, follow_redirects=True)
    said = shown.get_data(as_text=True)
    assert "A/B split on sales started" in said
    assert "Warning: queues.sales.music_ads.music = &#39;jazz&#39;: no playable clip" in said
    stopped = client.delete("/api/v1/experiments/sales", headers=bearer(token)).get_json()
    assert stopped["warnings"] == []  # back to checkin alone
    started = client.put("/api/v1/experiments/sales", headers=bearer(token),
                         json={"arms": {"checkin": 1, "music_ads": 1}}).get_json()
    assert [w for w in started["warnings"] if w.startswith(
        "queues.sales.music_ads.music = 'jazz': no playable clip")], started
