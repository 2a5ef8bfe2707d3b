"""Twin work runs in web request threads beside Twilio's webhooks: a fit is bounded by
HOLDWELL_TWIN_LIMIT_S like a what-if, and a worker process runs one heavy Twin computation at
a time, refusing others at once (429) so its threads stay free for webhooks."""

from __future__ import annotations

import threading

import pytest

import simulator.twin
from tests.app.test_voice_contract import wait_form
from tests.console.conftest import bearer
from tests.support.sids import sid

ASK = {"policies": ["music_ads"], "replications": 2}


@pytest.fixture
def held_fit(monkeypatch):
    """fit_twin that waits on an Event once it has started, so a fit is 'running' for as long
    as the test wants (set `release`; always set at teardown)."""
    started, release = threading.Event(), threading.Event()
    real = simulator.twin.fit_twin

    def held(*args, **kwargs):  # noqa: ANN202
        started.set()
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(simulator.twin, "fit_twin", held)
    yield started, release
    release.set()


def test_a_fit_stops_at_the_limit_like_a_whatif(seeded, tokens):
    seeded.config["HOLDWELL_TWIN_LIMIT_S"] = 0.0
    stopped = seeded.test_client().get("/api/v1/twin?window_days=28",
                                       headers=bearer(tokens["analyst"]))
    assert stopped.status_code == 409
    assert "the console's limit" in stopped.get_json()["error"]
    assert "window_days" in stopped.get_json()["error"]


def test_while_one_fit_runs_other_heavy_requests_are_refused_and_webhooks_answered(
        seeded, tokens, held_fit, twilio_console, as_role):
    started, release = held_fit
    analyst = bearer(tokens["analyst"])
    first: dict = {}

    def fit() -> None:
        first["reply"] = seeded.test_client().get("/api/v1/twin?window_days=28", headers=analyst)

    runner = threading.Thread(target=fit)
    runner.start()
    try:
        assert started.wait(60)
        other_fit = seeded.test_client().get("/api/v1/twin?window_days=20", headers=analyst)
        assert other_fit.status_code == 429 and "busy" in other_fit.get_json()["error"]
        # when the running fit stops at the latest (its limit, 20 s), not a guessed minute
        retry_s = int(other_fit.headers["Retry-After"])
        assert 1 <= retry_s <= 20
        assert f"try again in {retry_s} second" in other_fit.get_json()["error"]
        same_fit = seeded.test_client().get("/api/v1/twin?window_days=28", headers=analyst)
        assert same_fit.status_code == 429
        whatif = seeded.test_client().post("/api/v1/twin/whatif", json=ASK, headers=analyst)
        assert whatif.status_code == 429
        page = as_role("analyst").get("/console/twin?window_days=20")
        assert page.status_code == 429 and "busy" in page.get_data(as_text=True)
        assert 1 <= int(page.headers["Retry-After"]) <= retry_s
        poll = twilio_console.post("/voice/wait?policy=checkin&queue=sales",
                                   wait_form(sid("CA9"), queue_time=0))
        assert poll.status_code == 200 and b"<Response>" in poll.data
    finally:
        release.set()
        runner.join(60)
    assert first["reply"].status_code == 200
    cached = seeded.test_client().get("/api/v1/twin?window_days=28", headers=analyst)
    assert cached.status_code == 200  # from the cache: no second fit needed
    assert seeded.test_client().post("/api/v1/twin/whatif", json=ASK,
                                     headers=analyst).status_code == 200


def test_a_kept_fit_is_answered_while_another_fit_runs(seeded, tokens, held_fit):
    analyst = bearer(tokens["analyst"])
    started, release = held_fit
    release.set()
    assert seeded.test_client().get("/api/v1/twin?window_days=28",
                                    headers=analyst).status_code == 200
    release.clear()
    started.clear()
    runner = threading.Thread(target=lambda: seeded.test_client().get(
        "/api/v1/twin?window_days=20", headers=analyst))
    runner.start()
    try:
        assert started.wait(60)
        kept = seeded.test_client().get("/api/v1/twin?window_days=28", headers=analyst)
        assert kept.status_code == 200
    finally:
        release.set()
        runner.join(60)


def test_a_refusal_says_when_the_running_work_stops_at_the_latest():
    """Retry-After is the holder's deadline's remaining whole seconds, rounded up, at least
    1 (it had been a fixed minute for work of a second or two)."""
    from app.console import twin_limits

    holder = twin_limits.Deadline(20.0, "ask for less")
    holder.began -= 5.5  # 14.5 s of its 20 s left
    with twin_limits.one_at_a_time(holder):
        assert twin_limits.busy_for_s() == 15
        holder.began -= 14.2  # 0.3 s left: ask again in a second, never in none
        assert twin_limits.busy_for_s() == 1
    assert twin_limits.busy_for_s() == 1  # nobody holds it: asking again works now
