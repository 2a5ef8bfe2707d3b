"""Preview: the real policy objects' timeline for a made-up caller, and the same as a WAV."""

from __future__ import annotations

import shutil

import pytest

from audio.formats import parse_wav
from tests.console.conftest import bearer


def preview(client, token, **query):  # noqa: ANN001, ANN201
    return client.get("/api/v1/preview", query_string=query, headers=bearer(token))


def test_a_checkin_queue_checks_in_about_once_a_minute_until_the_answer(console_app, tokens):
    result = preview(console_app.test_client(), tokens["analyst"], queue="sales", position=3,
                     answered_per_min=0.5, minutes=10).get_json()
    assert result["policy"] == "checkin" and result["outcome"] == "answered after 6.0 min"
    offers = [e for e in result["timeline"] if e["kind"] == "offer"]
    times = [e["at_s"] for e in offers]
    assert 55 <= times[0] <= 65 and len(offers) in (5, 6)
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert all(55 <= gap <= 65 for gap in gaps)
    assert "You are number 3 in line" in offers[0]["heard"]
    assert "You are next in line" in offers[-1]["heard"]
    assert all(e["at_s"] < 360 for e in result["timeline"])


def test_pressing_the_callback_key_leaves_the_queue_keeping_the_place(console_app, tokens):
    result = preview(console_app.test_client(), tokens["analyst"], queue="support",
                     position=8, keys="12").get_json()
    kinds = [e["kind"] for e in result["timeline"]]
    assert kinds.count("key") == 3 and kinds[-1] == "leave"
    assert "callback" in result["outcome"]
    presses = [e["heard"] for e in result["timeline"] if e["kind"] == "key"]
    assert presses == ["caller presses 1: keep_waiting", "caller presses 2: callback",
                       "caller presses 1: their number (ending in 0100) confirmed"]
    said = [e["heard"] for e in result["timeline"]]
    check = said.index("caller presses 2: callback") + 1  # as a live caller hears it (U18)
    assert said[check] == ("We will call you back at the number ending in 0 1 0 0. Press 1 to "
                           "confirm, or press 2 to key in another number.")


def test_bad_preview_input_is_a_422_naming_the_field(console_app, tokens, as_role):
    client = console_app.test_client()
    bad = preview(client, tokens["analyst"], queue="support", keys="9x", position=0)
    assert bad.status_code == 422 and {"keys", "position"} <= set(bad.get_json()["fields"])
    assert preview(client, tokens["analyst"], queue="nowhere").status_code == 404
    page = as_role("analyst").get("/console/preview?queue=support&minutes=99")
    assert page.status_code == 422 and "Minutes:" in page.get_data(as_text=True)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_the_preview_plays_as_telephone_audio(console_app, as_role):
    page = as_role("analyst")
    shown = page.get("/console/preview?queue=sales&position=2&minutes=2").get_data(as_text=True)
    assert "<audio" in shown and "espeak-ng, a stand-in for the" in shown
    response = page.get("/console/preview.wav?queue=sales&position=2&minutes=2")
    sound = parse_wav(response.data)
    assert response.mimetype == "audio/wav" and sound.rate == 8000
    samples = sound.mono()
    assert 60 < len(samples) / 8000 <= 140  # two minutes in line, the welcome first
    spoken = abs(samples[: 8000 * 5]).max()  # the welcome is spoken at once
    silent = abs(samples[8000 * 20: 8000 * 50]).max()  # then silence until the check-in
    assert spoken > 0.05 and silent == 0


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
@pytest.mark.parametrize(("language", "status"), [("fil-PH", 422), ("en-GB", 200),
                                                  ("de-AT", 200)])
def test_a_language_the_stand_in_voice_lacks_is_said_not_a_500(make_app, clock, language,
                                                               status):
    """fil-PH: espeak-ng has no such voice and the WAV was a 500; a regional tag it lacks
    (de-AT) takes its language's voice (de)."""
    from app.storage import users
    from tests.console.conftest import PASSWORD, Console

    app = make_app(f'[queues.sales]\npolicy = "checkin"\nlanguage = "{language}"\n'
                   f'voice = ""\n')
    users.add_user(app.extensions["holdwell"].store.engine, "ann", "analyst", PASSWORD,
                   clock.now())
    page = Console(app, "ann")
    response = page.get("/console/preview.wav?queue=sales&position=2&minutes=1")
    assert response.status_code == status
    if status == 422:
        said = response.get_data(as_text=True)
        assert language in said and "espeak-ng" in said


def test_the_welcome_opens_the_wait_as_on_a_call(console_app, tokens):
    """The caller joins as they ring, and the welcome opens their first wait document: it is
    at 0 s, the silence after it is shortened by its length (the first check-in still comes a
    minute in), and nothing is before it (it had been at negative times, said by
    /voice/incoming before <Enqueue>)."""
    result = preview(console_app.test_client(), tokens["analyst"], queue="sales", position=3,
                     minutes=2).get_json()
    welcome, silence, *_ = result["timeline"]
    assert min(e["at_s"] for e in result["timeline"]) == 0 == welcome["at_s"]
    assert welcome["kind"] == "say" and "helping other callers" in welcome["heard"]
    assert silence["kind"] == "silence"
    assert silence["at_s"] == pytest.approx(welcome["duration_s"], abs=0.11)
    assert silence["at_s"] + silence["duration_s"] == pytest.approx(60, abs=1)
    assert sum("helping other callers" in e["heard"] for e in result["timeline"]) == 1


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_a_clip_the_line_lacks_is_previewed_as_the_silence_callers_get(make_app, clock):
    """No hold_music.wav: the wait document is a <Pause>, so callers hear silence; the
    preview mixed in a generated bed instead."""
    from app.storage import users
    from tests.console.conftest import PASSWORD, Console

    app = make_app('[queues.sales]\npolicy = "music_ads"\n')
    users.add_user(app.extensions["holdwell"].store.engine, "ann", "analyst", PASSWORD,
                   clock.now())
    response = Console(app, "ann").get("/console/preview.wav?queue=sales&position=9&minutes=1")
    samples = parse_wav(response.data).mono()
    after_welcome = samples[8000 * 12: 8000 * 50]  # the first music segment, no words in it
    assert abs(after_welcome).max() < 1e-3


def test_the_page_shows_the_welcome_at_the_start_in_minutes_and_seconds(as_role):
    shown = as_role("analyst").get("/console/preview?queue=sales&position=3&minutes=2") \
        .get_data(as_text=True)
    assert "<td>0:00</td>" in shown and "<td>0:13</td>" in shown and "−" not in shown


def test_a_bed_shorter_than_its_segment_is_heard_throughout_as_on_a_call(make_app, clock,
                                                                         tmp_path):
    """A 10 s comfort-noise bed in a 60 s silence segment: Twilio plays it, the wait
    document ends, and the next poll plays it again, so callers hear noise throughout; the
    preview played 10 s of noise, then 50 s of digital silence."""
    from click.testing import CliRunner

    from app.storage import users
    from cli.audio_commands import audio
    from tests.console.conftest import PASSWORD, Console

    folder = tmp_path / "audio"
    folder.mkdir()
    made = CliRunner().invoke(audio, ["comfort-noise", str(folder / "comfort_noise.wav"),
                                      "--duration", "10"])
    assert made.exit_code == 0, made.output
    app = make_app('[queues.quiet]\npolicy = "silence"\n[queues.quiet.silence]\n'
                   'comfort_noise = "comfort_noise"\n', audio_dir=str(folder))
    users.add_user(app.extensions["holdwell"].store.engine, "ann", "analyst", PASSWORD,
                   clock.now())
    response = Console(app, "ann").get("/console/preview.wav?queue=quiet&position=9&minutes=1")
    samples = parse_wav(response.data).mono()
    seconds = [abs(samples[8000 * t: 8000 * (t + 1)]).max() for t in range(25, 55)]
    assert min(seconds) > 0  # never a second of digital silence under the bed


def test_a_cleared_box_stays_cleared_beside_its_error(as_role):
    """The box had shown 0.5, a value never sent, next to the error about the empty one
    (accessibility audit X3)."""
    page = as_role("analyst").get("/console/preview?queue=support&answered_per_min=&minutes=6")
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "Answers per minute:" in text
    assert 'name="answered_per_min" step="any" min="0.01" max="60" value=""' in text
    assert 'name="minutes" min="1" max="30" value="6"' in text
