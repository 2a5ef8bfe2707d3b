"""Words under test, end to end (issue 16 item 8): emulated callers dial the real app running an
experiment of two variants of `checkin`; each hears their own variant's words, and the call log
keeps policy `checkin` with the variant as the arm on every record and event."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from sqlalchemy import create_engine, select

from app.console.live_config import apply
from app.storage.read import read_records_frame
from app.storage.schema import call_events
from emulator.run import app_config, emulate
from hold_policies.config import parse_config
from simulator.scenario import simple_scenario

CONFIG = parse_config({"queues": {"support": {
    "policy": "checkin",
    "variants": {
        "warm": {"policy": "checkin", "prompts": {
            "welcome": "Welcome to the warm line.", "apology": "We are so sorry for the wait."}},
        "plain": {"policy": "checkin", "prompts": {
            "welcome": "Welcome to the plain line.", "apology": ""}},
    },
    "experiment": {"arms": {"warm": 1, "plain": 1}},
}}})
WELCOME = {"warm": "Welcome to the warm line.", "plain": "Welcome to the plain line."}
CALLS = 40


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('variants') / 'holdwell.db'}"
    scenario = simple_scenario(calls=CALLS, agents=1, arrivals_per_min=1.2,
                               service_mean_min=1.5, patience_mean_min=8.0)

    def run_the_experiment(app) -> None:
        """The emulator runs one policy; give the app the queue's experiment back."""
        single = app_config(scenario, "checkin", CONFIG)
        queue = single.queues["support"].model_copy(
            update={"experiment": CONFIG.queues["support"].experiment})
        apply(app.extensions["holdwell"], single.model_copy(update={"queues": {"support": queue}}))

    found = emulate(scenario, "checkin", np.random.default_rng(16), database_url=url,
                    config=CONFIG, record=True, customize=run_the_experiment)
    return url, found


def arm_of(caller) -> str:
    return parse_qs(urlsplit(caller.wait_url).query)["arm"][0]


def test_the_app_answers_every_call_rightly(run):
    _, found = run
    assert found.errors == []
    assert found.summary["calls"] == CALLS


def test_each_caller_hears_their_variants_words(run):
    _, found = run
    checked_in = {"warm": 0, "plain": 0}
    for caller in found.callers:
        arm = arm_of(caller)
        text = " | ".join(caller.heard)
        assert WELCOME["plain" if arm == "warm" else "warm"] not in text
        taken_at_once = "[answered by an agent]" in caller.heard[1]  # no wait document
        assert (WELCOME[arm] in text) is not taken_at_once  # the welcome opens the wait
        if "in line" in text:  # heard at least one check-in
            checked_in[arm] += 1
            if arm == "warm":
                assert "We are so sorry for the wait." in text
            else:
                assert "sorry" not in text.lower()
    assert min(checked_in.values()) >= 3, checked_in  # both arms really heard check-ins


def test_the_log_keeps_the_policy_and_carries_the_arm(run):
    url, found = run
    arms = {caller.call_sid: arm_of(caller) for caller in found.callers}
    assert set(arms.values()) == {"warm", "plain"}
    records = read_records_frame(url, call_id_prefix=found.call_id_prefix).set_index("call_id")
    assert len(records) == CALLS
    for call_id, arm in arms.items():
        assert (records.at[call_id, "policy"], records.at[call_id, "arm"]) == ("checkin", arm)
    with create_engine(url).connect() as conn:
        rows = conn.execute(select(call_events.c.call_id, call_events.c.policy,
                                   call_events.c.arm, call_events.c.event)
                            .where(call_events.c.call_id.startswith(found.call_id_prefix)))
        logged = [(row.call_id, row.policy, row.arm) for row in rows
                  if row.event in ("ENTERQUEUE", "ANNOUNCE", "CONNECT", "ABANDON")]
    assert logged and all((policy, arm) == ("checkin", arms[call_id])
                          for call_id, policy, arm in logged)
