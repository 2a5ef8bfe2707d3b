"""Conformance: each Twilio rule the emulator follows, seen from the real app's log."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import create_engine, select
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from app.storage.schema import call_events, calls
from emulator.run import emulate
from hold_policies.config import parse_config
from simulator.behaviour import Reactions
from simulator.scenario import simple_scenario

EAGER_OFFERS = parse_config({"queues": {"support": {"callback": {
    "offer_after_estimate_s": 0, "offer_without_estimate_after_s": 0}}}})


def scenario(**changes):
    values = {"calls": 6, "agents": 1, "arrivals_per_min": 6.0, "service_mean_min": 6.0,
              "patience_mean_min": 4.0, "reactions": Reactions.off()}
    return simple_scenario(**{**values, **changes})


def run(sqlite_url, policy="checkin", seed=3, **kwargs):
    return emulate(kwargs.pop("scenario", None) or scenario(), policy,
                   np.random.default_rng(seed), database_url=sqlite_url, record=True, **kwargs)


def rows(url, table, prefix):
    with create_engine(url).connect() as conn:
        return conn.execute(select(table).where(table.c.call_id.startswith(prefix))
                            ).mappings().all()


def test_the_wait_url_is_requested_again_each_time_its_document_ends(sqlite_url):
    result = run(sqlite_url, "silence")
    waits = [(at, p) for at, url, p, _ in result.requests if url.startswith("/voice/wait")]
    by_call: dict[str, list] = {}
    for at, params in waits:
        by_call.setdefault(params["CallSid"], []).append((at, int(params["QueueTime"])))
    looped = [polls for polls in by_call.values() if len(polls) >= 2]
    assert looped, "some caller should wait long enough to be polled again"
    for polls in looped:
        gaps = [b[0] - a[0] for a, b in zip(polls, polls[1:], strict=False)]
        assert gaps[0] > 60  # the first opens with the welcome, then its 60 s of silence
        assert all(abs(gap - 60) < 1e-6 for gap in gaps[1:])  # silence segments last 60 s
        assert [q for _, q in polls] == sorted(q for _, q in polls)
    logged = {r["call_id"]: r["polls"] for r in rows(sqlite_url, calls, result.call_id_prefix)}
    assert all(logged[sid] == len(polls) for sid, polls in by_call.items())


def test_wait_requests_carry_twilios_queue_parameters(sqlite_url):
    result = run(sqlite_url, "silence")
    for _, url, params, _ in result.requests:
        if url.startswith("/voice/wait"):
            assert {"QueuePosition", "QueueTime", "CurrentQueueSize", "QueueSid",
                    "AvgQueueTime", "MaxQueueSize"} <= set(params)
            assert 1 <= int(params["QueuePosition"]) <= int(params["CurrentQueueSize"])


def test_every_request_is_signed_as_twilio_signs_it(sqlite_url):
    result = run(sqlite_url, "checkin")
    assert result.errors == []  # the app validated every signature (else 403 errors)


def test_a_forbidden_verb_in_the_wait_document_ends_the_wait_with_error(sqlite_url):
    def dial_in_wait(app):
        import app.voice.routes as routes

        def broken(segment, **_):
            response = VoiceResponse()
            response.dial("+14155550100")
            return response

        routes.render_segment = broken

    import app.voice.routes as routes

    original = routes.render_segment
    try:
        result = run(sqlite_url, "silence", customize=dial_in_wait)
    finally:
        routes.render_segment = original
    assert any("<Dial> is not allowed" in error for error in result.errors)
    outcomes = {r["outcome"] for r in rows(sqlite_url, calls, result.call_id_prefix)}
    assert "error" in outcomes
    events = {r["event"] for r in rows(sqlite_url, call_events, result.call_id_prefix)}
    assert "ERROR" in events


def test_gather_posts_the_pressed_key_to_its_action(sqlite_url):
    keen = Reactions(keep_key_p=1.0, announcement_hangup_p=0.0, too_long_leave_p=0.0)
    result = run(sqlite_url, "checkin", scenario=scenario(reactions=keen, patience_mean_min=30))
    presses = [p for _, url, p, _ in result.requests if url.startswith("/voice/choice")]
    assert presses and all(p["Digits"] == "1" for p in presses)
    events = rows(sqlite_url, call_events, result.call_id_prefix)
    assert any(e["event"] == "KEYPRESS" and '"digit": "1"' in e["data"] for e in events)


def test_queue_results_hangup_bridged_and_leave(sqlite_url):
    takers = Reactions(callback_p=1.0, callback_if_too_long_p=1.0, announcement_hangup_p=0.0,
                       too_long_leave_p=0.0)
    result = run(sqlite_url, "callback", config=EAGER_OFFERS, scenario=scenario(
        calls=10, reactions=takers, patience_mean_min=3.0))
    results = {p["QueueResult"] for _, url, p, _ in result.requests
               if url.startswith("/voice/queue-result")}
    assert {"bridged", "hangup", "leave"} <= results
    outcomes = {r["call_id"]: r["outcome"] for r in rows(sqlite_url, calls, result.call_id_prefix)}
    leavers = {p["CallSid"] for _, url, p, _ in result.requests
               if url.startswith("/voice/queue-result") and p["QueueResult"] == "leave"}
    assert leavers and all(outcomes[sid].startswith("callback") for sid in leavers)


def test_status_callbacks_follow_every_ended_call(sqlite_url):
    result = run(sqlite_url, "silence")
    ended = {p["CallSid"] for p in result.posted("enqueue_action")}
    statuses = {p["CallSid"] for _, url, p, _ in result.requests if url == "/voice/status"}
    assert ended == statuses


def test_the_emulators_signature_is_twilios_algorithm():
    from app.signed_client import SignedClient

    class Recorder:
        def post(self, path, data, headers, base_url):
            self.args = (path, data, headers, base_url)

    recorder = Recorder()
    SignedClient(recorder, "secret").post("/voice/wait?queue=support", {"CallSid": "CA1"})
    path, data, headers, base = recorder.args
    assert RequestValidator("secret").validate(f"{base}{path}", data,
                                               headers["X-Twilio-Signature"])


@pytest.mark.parametrize("ages", [[10.0, 30.0, 50.0]])
def test_avg_queue_time_is_the_mean_age_of_the_callers_waiting_now(ages):
    from emulator.emulator import TwilioEmulator, VirtualCaller

    emulator = TwilioEmulator.__new__(TwilioEmulator)
    line = [VirtualCaller(i, f"CA{i}", "+14155550100", enqueued_at=100 - age, queue="support")
            for i, age in enumerate(ages)]
    emulator.queues = {"support": line, "support-rejoin": [line[0]]}  # each queue its own
    params = emulator.queue_params(line[1], 100.0)
    assert params["AvgQueueTime"] == str(int(np.mean(ages)))
    assert params["QueuePosition"] == "2" and params["QueueTime"] == "30"
