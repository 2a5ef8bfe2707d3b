"""A <Play> whose URL answers an HTTP error (a stale hash, a 500) is skipped, as Twilio skips it
(debugger warning 11200): the caller hears nothing of it, the document goes on with its next
verb, and the run names the URL and the status. The emulator raised instead, and only the wait
document caught it (ending the wait with QueueResult=error); in the incoming call, the closed
line, the Enqueue action and elsewhere the run ended in a traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from flask import Flask, Response, abort

from app.storage.migrate import upgrade
from emulator.realism import Sids
from emulator.run import EmulatedRun, emulate
from hold_policies.config import parse_config
from simulator.behaviour import Reactions
from simulator.scenario import Callbacks, Scenario, simple_scenario

OPEN = parse_config({"queues": {"support": {"callback": {
    "offer_after_estimate_s": 0, "offer_without_estimate_after_s": 0}}}})
CLOSED = parse_config({
    "line": {"support_number": "+14155550000"},
    "queues": {"support": {"policy": "callback", "hours": {
        "timezone": "Europe/London", "monday": "08:00-18:00", "callbacks_per_opening": 3}}}})
LINES = {
    # callers wait, take callbacks (<Leave/>, the Enqueue action), are answered (the Queue
    # url) and rung back (the Number url); agents' documents get the <Play> too
    "open": (OPEN, simple_scenario(
        calls=8, agents=1, arrivals_per_min=3.0, service_mean_min=3.0, patience_mean_min=6.0,
        reactions=Reactions(callback_p=0.5, callback_if_too_long_p=1.0),
        callbacks=Callbacks(answer_p=1.0))),
    # the line is closed until eight: callers hear so, book callbacks, are rung at eight
    "closed": (CLOSED, simple_scenario(
        calls=12, agents=1, arrivals_per_min=1.0, service_mean_min=1.0, patience_mean_min=30.0,
        reactions=Reactions(closed_callback_p=1.0, callback_p=0.0, callback_if_too_long_p=0.0),
        callbacks=Callbacks(answer_p=1.0), start=datetime(2026, 1, 5, 7, 52, tzinfo=UTC))),
}
CLAIM = re.compile(r"(claim|done)=[0-9a-f]+")
FAILING = {404: "/audio/gone-0123456789ab.wav", 500: "/broken/noise.wav"}


def play_first(url: str) -> Callable[[Flask], None]:
    """Every TwiML document the app answers starts with <Play>url</Play>; /broken/ is a
    500."""

    def customize(app: Flask) -> None:
        app.add_url_rule("/broken/<name>", "broken", lambda name: ("boom", 500))

        @app.after_request
        def with_play(response: Response) -> Response:
            if response.mimetype == "text/xml" and b"<Response>" in response.get_data():
                response.set_data(response.get_data().replace(
                    b"<Response>", f"<Response><Play>{url}</Play>".encode(), 1))
            return response

    return customize


def requests_of(run: EmulatedRun) -> list[tuple[float, str, dict[str, str]]]:
    """Every request the run made, with its random SID tags and claim ids taken out."""
    tags = (run.call_id_prefix[2:], Sids(run.call_id_prefix[2:]).other)

    def plain(text: str) -> str:
        return CLAIM.sub(r"\1=ID", text.replace(tags[0], "TAG").replace(tags[1], "OTHER"))

    return [(at, plain(url), {k: plain(v) for k, v in p.items()})
            for at, url, p, _ in run.requests]


def run_on(tmp_path: Path, name: str, scenario: Scenario, config,
           customize: Callable[[Flask], None] | None = None) -> EmulatedRun:
    url = f"sqlite:///{tmp_path / name}.db"
    upgrade(url)
    return emulate(scenario, "callback", np.random.default_rng(4), database_url=url,
                   config=config, record=True, customize=customize)


@pytest.mark.parametrize("status", list(FAILING))
@pytest.mark.parametrize("line", list(LINES))
def test_an_unfetchable_play_anywhere_is_skipped_and_the_call_goes_on(line, status, tmp_path):
    config, scenario = LINES[line]
    clean = run_on(tmp_path, "clean", scenario, config)
    url = FAILING[status]
    run = run_on(tmp_path, "failing", scenario, config, play_first(url))
    assert run.errors == [f"<Play> {url}: HTTP {status}; Twilio skips it (debugger warning "
                          f"11200) and callers hear nothing of it"]
    assert run.clips[url].duration_s == 0.0
    heard = [line for caller in run.callers for line in caller.heard]
    assert sum(f"[play {url}]" in line for line in heard) >= scenario.calls
    # it played 0 s and every document went on with its next verb: the very requests, at the
    # very times, of the same run without it (no QueueResult=error, nobody dropped)
    assert requests_of(run) == requests_of(clean)
    assert "error" not in {p["QueueResult"] for p in run.posted("enqueue_action")}
    assert run.summary["calls"] == clean.summary["calls"]
    kinds = {kind for *_, kind in run.requests}
    assert {"incoming", "number_url", "dial_action"} <= kinds
    assert ({"wait", "enqueue_action", "queue_url"} if line == "open" else {"gather"}) <= kinds


def stale_advert(folder: Path) -> Callable[[Flask], None]:
    """The app names an advert (a library of its own: the music and a 15 s advert), but the
    advert's file answers 404 (a stale hash, say)."""
    from audio.generate import music_bed
    from audio.kinds import Kind
    from audio.library import AudioLibrary
    from audio.prepare import write_prepared

    write_prepared(folder / "hold_music.wav", music_bed(duration_s=60), Kind.MUSIC)
    write_prepared(folder / "advert.wav", music_bed(duration_s=16), Kind.MUSIC)
    library = AudioLibrary.from_dir(folder, required=["hold_music", "advert"])
    assert library.problems() == []

    class Stale:
        def entry_for_filename(self, filename: str):  # noqa: ANN201
            if filename.startswith("advert-"):
                abort(404)
            return library.entry_for_filename(filename)

    def customize(app: Flask) -> None:
        app.extensions["holdwell"].audio = library
        app.extensions["holdwell_audio"] = Stale()

    return customize


def test_a_stale_advert_is_skipped_and_the_music_after_it_plays(sqlite_url, tmp_path):
    config = parse_config({"queues": {"support": {"policy": "music_ads", "music_ads": {
        "ad_audio": "advert", "message_every_s": 60}}}})
    scenario = simple_scenario(calls=6, agents=1, arrivals_per_min=2.0, service_mean_min=4.0,
                               patience_mean_min=8.0, reactions=Reactions.off())
    run = emulate(scenario, "music_ads", np.random.default_rng(2), database_url=sqlite_url,
                  config=config, record=True, customize=stale_advert(tmp_path))
    assert "error" not in {p["QueueResult"] for p in run.posted("enqueue_action")}
    [error] = run.errors
    assert error.startswith("<Play> /audio/advert-") and error.endswith(
        ": HTTP 404; Twilio skips it (debugger warning 11200) and callers hear nothing of it")
    advert = error.split(": ")[0].removeprefix("<Play> ")
    [music] = [url for url in run.clips if "/audio/hold_music-" in url]
    assert run.clips[advert].duration_s == 0.0 and run.clips[music].duration_s == 60.0
    polls: dict[str, list[float]] = {}
    for at, _, params, kind in run.requests:
        if kind == "wait":
            polls.setdefault(params["CallSid"], []).append(at)
    gaps = [b - a for times in polls.values()  # after each first (the welcome opens it)
            for a, b in zip(times[1:], times[2:], strict=False)]
    assert len(gaps) >= 5
    assert gaps == pytest.approx([60.0] * len(gaps))  # advert 0 s, then the music's 60 s
    heard = [line for caller in run.callers for line in caller.heard]
    assert any(f"[play {advert}] [play {music}]" in line for line in heard)


def test_a_play_of_another_site_no_policy_names_is_an_error_and_plays_nothing(tmp_path):
    """The emulator cannot fetch the internet, and no policy says how long this one is."""
    config, scenario = LINES["open"]
    url = "https://elsewhere.example.com/jingle.wav"
    clean = run_on(tmp_path, "clean", scenario, config)
    run = run_on(tmp_path, "elsewhere", scenario, config, play_first(url))
    assert run.errors == [f"<Play> {url}: outside the app and named by no policy; the emulator "
                          f"cannot fetch it, so callers hear nothing of it"]
    assert requests_of(run) == requests_of(clean)
