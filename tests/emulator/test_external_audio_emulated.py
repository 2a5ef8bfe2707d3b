"""Every form of audio name the config allows reaches the emulated app as it would the live one.

The config takes any text for comfort_noise, music and ad_audio; the app serves a library name
(letters, digits, - and _) as /audio/NAME-<hash>.wav, plays an http(s):// URL as it is (Twilio
fetches it from that site), and plays silence for anything else. `prepare_audio` wrote
f"{name}.wav" for the queue's own comfort noise whatever it was: a URL failed the run
(https:/cdn.../noise.wav.wav: no such folder), a "../name" was written outside the temporary
folder, and a variant's comfort noise, a renamed music bed or an advert got no file at all.

The emulator cannot fetch the internet: an external clip plays as a stand-in of the length the
policy expects of it (what the fast engine plays), a documented assumption noted on the clip,
not an error."""

from __future__ import annotations

import tempfile

import numpy as np
import pytest

from emulator.run import emulate, prepare_audio
from hold_policies.config import parse_config
from simulator.behaviour import Reactions
from simulator.scenario import simple_scenario

NOISE = "https://cdn.example.com/hold/noise.wav"
MUSIC = "http://music.example.org/bed.wav?v=2"


def scenario():  # noqa: ANN201
    return simple_scenario(calls=6, agents=1, arrivals_per_min=2.0, service_mean_min=4.0,
                           patience_mean_min=8.0, reactions=Reactions.off())


def wait_gaps(run) -> list[float]:  # noqa: ANN001
    """Seconds between a caller's wait requests after their first document (which opens with
    the welcome, and is longer by its words)."""
    polls: dict[str, list[float]] = {}
    for at, _, params, kind in run.requests:
        if kind == "wait":
            polls.setdefault(params["CallSid"], []).append(at)
    return [b - a for times in polls.values() for a, b in zip(times[1:], times[2:],
                                                                strict=False)]


@pytest.mark.parametrize(
    ("policy", "settings", "url", "seconds"),
    [
        ("silence", {"silence": {"comfort_noise": NOISE, "segment_s": 40}}, NOISE, 40.0),
        ("music_ads", {"music_ads": {"music": MUSIC, "music_s": 45, "message_every_s": 600}},
         MUSIC, 45.0),
    ],
    ids=["comfort-noise", "music"],
)
def test_a_clip_on_another_site_plays_for_the_length_the_policy_expects(
    policy, settings, url, seconds, sqlite_url,
):
    config = parse_config({"queues": {"support": {"policy": policy, **settings}}})
    run = emulate(scenario(), policy, np.random.default_rng(5), database_url=sqlite_url,
                  config=config, record=True)
    assert run.errors == []  # an assumption, not a fault
    clip = run.clips[url]
    assert list(run.clips) == [url] and clip.duration_s == seconds and clip.problem is None
    assert clip.note.startswith(f"<Play> {url}: outside the app") and "assumed" in clip.note
    heard = [line for caller in run.callers for line in caller.heard]
    assert any(f"[play {url}]" in line for line in heard)  # the app played the URL as it is
    gaps = wait_gaps(run)
    assert gaps and gaps == pytest.approx([seconds] * len(gaps))


def test_every_form_of_audio_name_is_prepared_as_the_app_reads_it(tmp_path):
    queue = parse_config({"queues": {"support": {
        "policy": "silence",
        "silence": {"comfort_noise": NOISE, "segment_s": 30},
        "music_ads": {"music": "jazz", "ad_audio": "https://ads.example.com/spot.wav"},
        "variants": {
            "soft": {"policy": "silence", "settings": {"comfort_noise": "soft_noise"}},
            "escape": {"policy": "silence", "settings": {"comfort_noise": "../escaped"}},
            "spaced": {"policy": "silence", "settings": {"comfort_noise": "my noise.wav"}},
            "advert": {"policy": "music_ads", "settings": {"ad_audio": "spot"}},
        },
        "experiment": {"arms": {"silence": 1, "music_ads": 1, "soft": 1, "escape": 1,
                                "spaced": 1, "advert": 1}},
    }}}).queues["support"]
    folder = tmp_path / "audio"
    folder.mkdir()
    external = prepare_audio(folder, queue)
    # library names, every policy's and variant's, under their own names
    assert sorted(path.name for path in folder.iterdir()) == [
        "jazz.wav", "soft_noise.wav", "spot.wav"]
    assert not (tmp_path / "escaped.wav").exists()  # never outside the folder
    # URLs: not written, stand-ins of the length their policy expects
    assert {url: clip.duration_s for url, clip in external.items()} == {
        NOISE: 30.0, "https://ads.example.com/spot.wav": 15.0}
    assert all("assumed" in clip.note and clip.problem is None for clip in external.values())

    from audio.library import AudioLibrary

    library = AudioLibrary.from_dir(folder, required=["jazz", "soft_noise", "spot"])
    assert library.problems() == []  # the app serves every one of them
    assert library.duration_s("spot") == pytest.approx(15.0)
    assert library.duration_s("jazz") == pytest.approx(60.0)


def test_a_name_the_library_cannot_serve_is_silence_as_it_would_be_live(sqlite_url, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the run's audio folder is
    config = parse_config({"queues": {"support": {
        "policy": "silence", "silence": {"comfort_noise": "../noise", "segment_s": 30}}}})
    run = emulate(scenario(), "silence", np.random.default_rng(5), database_url=sqlite_url,
                  config=config, record=True)
    assert run.errors == [] and run.clips == {}
    heard = [line for caller in run.callers for line in caller.heard]
    assert any("[pause 30 s]" in line for line in heard)
    assert not (tmp_path / "noise.wav").exists()  # nothing written outside the audio folder
