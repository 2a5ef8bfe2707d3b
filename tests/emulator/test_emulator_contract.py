"""The emulator is not kind to the app: it posts what Twilio documents and nothing more, races
webhooks Twilio does not order, times speech by its own model, and answers callbacks with
machines, faxes and unknowns (issue 12, items 1 and 6)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, select

from app.storage.migrate import upgrade
from app.storage.schema import call_events, callbacks, calls
from emulator import speech
from emulator.parameters import UndocumentedParameter, post_params
from emulator.realism import Realism, Sids
from emulator.run import emulate
from hold_policies.config import parse_config
from hold_policies.durations import say_duration_s
from simulator.behaviour import Reactions
from simulator.scenario import Callbacks, simple_scenario
from tests.support.callback_rows import rung_callbacks

EAGER = parse_config({"queues": {"support": {"callback": {
    "offer_after_estimate_s": 0, "offer_without_estimate_after_s": 0}}}})
TAKERS = Reactions(callback_p=1.0, callback_if_too_long_p=1.0, announcement_hangup_p=0.0,
                   too_long_leave_p=0.0)
SID = re.compile(r"CA[0-9a-f]{32}")

STANDARD = {"CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction"}
QUEUE = {"QueuePosition", "QueueSid", "QueueTime", "AvgQueueTime", "CurrentQueueSize",
         "MaxQueueSize"}
EXPECTED = {  # written out from Twilio's pages again, not imported from the emulator's table
    "incoming": [STANDARD],
    "wait": [STANDARD | QUEUE],
    "gather": [STANDARD | {"Digits"}],
    "redirect": [STANDARD],
    "enqueue_action": [STANDARD | {"QueueResult", "QueueSid", "QueueTime"}],
    "queue_url": [STANDARD | {"QueueSid", "QueueTime", "DequeingCallSid"}],
    "status": [STANDARD | {"CallbackSource", "Timestamp", "SequenceNumber", "CallDuration",
                           "Duration"}],
    "number_url": [STANDARD | {"ParentCallSid", "AnsweredBy"}],
    "dial_action": [STANDARD | {"DialCallStatus", "DialBridged"},
                    STANDARD | {"DialCallStatus", "DialBridged", "DialCallSid",
                                "DialCallDuration"}],
}


def callback_run(url, *, realism=None, answer_p=1.0, retries=1, seed=5, calls_n=12):
    scenario = simple_scenario(calls=calls_n, agents=1, arrivals_per_min=3.0,
                               service_mean_min=2.0, patience_mean_min=20.0, reactions=TAKERS,
                               callbacks=Callbacks(answer_p=answer_p, retries=retries,
                                                   retry_spacing_s=120.0))
    return emulate(scenario, "callback", np.random.default_rng(seed), database_url=url,
                   config=EAGER, record=True, realism=realism)


def mixed_run(url, realism, seed=3):
    """Callers who hang up, wait, press keys and are answered: every kind of ending."""
    reactions = Reactions(keep_key_p=0.5, announcement_hangup_p=0.2, too_long_leave_p=0.2)
    scenario = simple_scenario(calls=30, agents=2, arrivals_per_min=4.0, service_mean_min=1.5,
                               patience_mean_min=3.0, reactions=reactions)
    return emulate(scenario, "checkin", np.random.default_rng(seed), database_url=url,
                   record=True, realism=realism)


def outcomes_of(url, run) -> dict[str, str]:  # noqa: ANN001 - a URL and an emulated run
    return {r["call_id"]: r["outcome"] for r in rows(url, calls, run.call_id_prefix)}


def rows(url, table, prefix):
    with create_engine(url).connect() as conn:
        return conn.execute(select(table).where(table.c.call_id.startswith(prefix))
                            ).mappings().all()


def records(url, run):
    """Call records with the run's own SID prefix and start time taken out."""
    start = min(r["entered_at"] for r in rows(url, calls, run.call_id_prefix))
    out = []
    for row in rows(url, calls, run.call_id_prefix):
        record = dict(row)
        record["call_id"] = record["call_id"][len(run.call_id_prefix):]
        for key, value in record.items():
            if hasattr(value, "tzinfo"):
                record[key] = (value - start).total_seconds()
        out.append(record)
    return sorted(out, key=lambda r: r["call_id"])


def endings(run):
    """For each hung-up or answered call: which came first, status or Enqueue action."""
    first: dict[str, str] = {}
    for request in run.requests:
        if request.kind in ("status", "enqueue_action"):
            first.setdefault(request.params["CallSid"], request.kind)
    return first


# -- item 1: exactly the documented parameters ------------------------------------------------
def test_every_request_carries_exactly_twilios_documented_parameters(sqlite_url):
    mix = Realism(answered_by={"human": 0.5, "machine_start": 0.2, "fax": 0.1, "unknown": 0.2})
    run = callback_run(sqlite_url, realism=mix, answer_p=0.8)
    assert run.errors == []
    seen = {request.kind for request in run.requests}
    assert seen == set(EXPECTED)
    for request in run.requests:
        assert set(request.params) in EXPECTED[request.kind], (request.kind, request.url)


def test_gather_actions_never_carry_queue_parameters(sqlite_url):
    run = callback_run(sqlite_url)
    presses = run.posted("gather")
    assert presses and all(set(p).isdisjoint(QUEUE) for p in presses)
    with pytest.raises(UndocumentedParameter, match="QueuePosition"):
        post_params("gather", {**presses[0], "QueuePosition": "1"})


def test_every_call_sid_has_twilios_shape(sqlite_url):
    mix = Realism(answered_by={"human": 0.5, "machine_start": 0.5})
    run = callback_run(sqlite_url, realism=mix, answer_p=0.7)
    sids = {p[name] for request in run.requests for name, p in
            ((n, request.params) for n in ("CallSid", "ParentCallSid", "DequeingCallSid",
                                           "DialCallSid")) if name in p}
    assert len(sids) > 12 and all(SID.fullmatch(sid) for sid in sids)
    legs = [p["CallSid"] for p in run.posted("number_url")]
    assert len(legs) == len(set(legs))  # each attempt is a new leg


def test_sids_are_unique_and_agents_never_share_the_callers_prefix():
    sids = Sids("0badcafe")
    callers = {sids.caller(i) for i in range(1000)}
    others = {sids.agent(i) for i in range(50)} | {sids.leg() for _ in range(1000)}
    assert len(callers) == 1000 and len(others) == 1050
    assert all(SID.fullmatch(s) for s in callers | others)
    assert not any(s.startswith("CA0badcafe") for s in others)


# -- item 6: webhooks race ------------------------------------------------------------------
def test_either_order_of_status_and_enqueue_action_gives_the_same_call_records(tmp_path):
    urls = {}
    runs = {}
    for name, p in (("action_first", 0.0), ("status_first", 1.0), ("random", 0.5)):
        urls[name] = f"sqlite:///{tmp_path / name}.db"
        upgrade(urls[name])
        runs[name] = mixed_run(urls[name], Realism(status_first_p=p))
    orders = {name: endings(run) for name, run in runs.items()}
    assert set(orders["action_first"].values()) == {"enqueue_action"}
    assert "status" in set(orders["status_first"].values())
    assert set(orders["random"].values()) == {"status", "enqueue_action"}  # seeded, mixed
    outcomes = {r["outcome"] for r in records(urls["random"], runs["random"])}
    assert {"answered", "abandoned"} <= outcomes
    baseline = records(urls["action_first"], runs["action_first"])
    for name in ("status_first", "random"):
        assert records(urls[name], runs[name]) == baseline, name


def test_the_order_is_reproducible_from_the_seed(tmp_path):
    orders = []
    for n in range(2):
        url = f"sqlite:///{tmp_path / str(n)}.db"
        upgrade(url)
        orders.append(list(endings(mixed_run(url, Realism(status_first_p=0.5))).values()))
    assert orders[0] == orders[1]


# -- item 6: speech timed by its own model --------------------------------------------------
def test_speech_is_timed_by_syllables_not_by_the_apps_word_model():
    text = "Sorry to keep you waiting. You are number 12 in line."
    # sor-ry to keep you wait-ing (7) | you are num-ber twelve in line (7): 14 syllables,
    # one pause between the two sentences
    assert speech.speech_seconds(text) == pytest.approx(14 / 3.75 + 0.4)
    short, long_ = "Yes, we can.", "Everybody apologises immediately."  # three words each
    assert say_duration_s(short) == say_duration_s(long_)  # the app's model: words only
    assert speech.speech_seconds(long_) > 3 * speech.speech_seconds(short)


def test_say_reads_numbers_as_words():
    assert speech.number_words(1234) == ["one", "thousand", "two", "hundred", "thirty", "four"]
    # one thou-sand two hun-dred thir-ty four: nine syllables
    assert speech.speech_seconds("1234") == pytest.approx(9 / 3.75)


def test_the_emulator_never_imports_the_apps_duration_model():
    folder = Path(speech.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        assert "hold_policies.durations" not in modules, path.name


# -- item 6: answering machines, faxes and unknowns -----------------------------------------
@pytest.mark.parametrize("answered_by", ["machine_start", "fax"])
def test_a_machine_or_fax_is_an_unanswered_attempt_then_a_failed_callback(sqlite_url,
                                                                          answered_by):
    run = callback_run(sqlite_url, realism=Realism(answered_by={answered_by: 1.0}), retries=1)
    assert run.errors == []
    legs = run.posted("number_url")
    assert legs and {p["AnsweredBy"] for p in legs} == {answered_by}
    assert all(p["Direction"] == "outbound-dial" and SID.fullmatch(p["ParentCallSid"])
               for p in legs)
    table = rung_callbacks(rows(sqlite_url, callbacks, run.call_id_prefix), outcomes_of(
        sqlite_url, run))
    assert table and all(r["status"] == "failed" and r["attempts"] == 2 for r in table)
    events = rows(sqlite_url, call_events, run.call_id_prefix)
    attempts = [e for e in events if e["event"] == "CALLBACK_ATTEMPT"]
    assert attempts and all('"voicemail"' in e["data"] for e in attempts)
    assert not any(e["event"] == "CALLBACK_CONNECT" for e in events)
    dial_results = [p for p in run.posted("dial_action") if "DialCallSid" in p
                    and p["DialCallSid"] in {leg["CallSid"] for leg in legs}]
    assert dial_results and all(p["DialBridged"] == "false" for p in dial_results)
    outcomes = {r["outcome"] for r in rows(sqlite_url, calls, run.call_id_prefix)
                if r["callback_requested"] and r["call_id"] in {t["call_id"] for t in table}}
    assert outcomes == {"callback_failed"}


@pytest.mark.parametrize("answered_by", ["human", "unknown"])
def test_a_person_or_an_unknown_answer_is_connected(sqlite_url, answered_by):
    run = callback_run(sqlite_url, realism=Realism(answered_by={answered_by: 1.0}))
    assert run.errors == []
    assert {p["AnsweredBy"] for p in run.posted("number_url")} == {answered_by}
    table = rung_callbacks(rows(sqlite_url, callbacks, run.call_id_prefix), outcomes_of(
        sqlite_url, run))
    assert table and all(r["status"] == "connected" and r["attempts"] == 1 for r in table)
    events = rows(sqlite_url, call_events, run.call_id_prefix)
    connects = {e["call_id"] for e in events if e["event"] == "CALLBACK_CONNECT"}
    assert connects == {r["call_id"] for r in table}


def test_a_mix_of_answers_is_configurable_per_run():
    mix = Realism(answered_by={"human": 0.25, "machine_start": 0.25, "fax": 0.25,
                               "unknown": 0.25})
    rng = np.random.default_rng(4)
    drawn = [mix.pick_answered_by(rng.random) for _ in range(4000)]
    shares = {k: drawn.count(k) / 4000 for k in mix.answered_by}
    assert all(abs(share - 0.25) < 0.03 for share in shares.values())
    with pytest.raises(ValueError, match="not AnsweredBy values"):
        Realism(answered_by={"machine": 1.0})
    with pytest.raises(ValueError, match="sum to 1"):
        Realism(answered_by={"human": 0.5})


# -- the emulator does not paper over faults the safety net hides ----------------------------
def test_a_route_that_fails_behind_the_safety_net_is_reported(sqlite_url, monkeypatch):
    import app.voice.routes as routes

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in rendering")

    run = mixed_run(sqlite_url, Realism())
    assert run.errors == []
    monkeypatch.setattr(routes, "render_segment", broken)
    run = mixed_run(sqlite_url, Realism())
    assert any(error.startswith("app logged (holdwell.voice)") for error in run.errors)
    assert run.summary["app_errors"] == len(run.errors)
