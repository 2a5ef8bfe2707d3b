"""The caller's reason in the fast engine (issue 16 item 9): the question costs listening time
inside the check-in's minute, and nothing else a caller does changes."""

from __future__ import annotations

import numpy as np
import pytest

from hold_policies.config import QueueConfig
from hold_policies.factory import build_policy
from hold_policies.situation import Situation
from simulator.behaviour import Reactions
from simulator.heard import heard_from_segment
from simulator.run import simulate
from simulator.scenario import simple_scenario


def checkin(ask: bool):
    return build_policy(QueueConfig.model_validate({"checkin": {"ask_reason": ask}}))


def test_the_question_is_sound_then_listening_and_the_message_timing_is_unchanged():
    first = Situation(queue="support", call_id="c", position=4, waited_s=60, queue_size=4)
    plain = heard_from_segment(checkin(False).next_segment(first))
    asking = heard_from_segment(checkin(True).next_segment(first))
    assert asking.message_end_s == plain.message_end_s  # keys are timed as before
    assert asking.key_window_s == plain.key_window_s
    assert asking.trailing_silence_s < plain.trailing_silence_s  # the question is heard
    assert asking.duration_s == pytest.approx(plain.duration_s, abs=1)


@pytest.mark.parametrize("reactions", [Reactions.off(), Reactions()],
                         ids=["reactions off", "default reactions"])
def test_asking_changes_no_outcome_and_no_wait(reactions):
    scenario = simple_scenario(calls=1500, agents=4, arrivals_per_min=2.2,
                               service_mean_min=2.0, patience_mean_min=3.0,
                               reactions=reactions)
    runs = [simulate(scenario, checkin(ask), np.random.default_rng(7), poll=True)
            for ask in (False, True)]
    plain, asking = (run.table.frame() for run in runs)
    assert (plain["outcome"] == asking["outcome"]).all()
    assert np.allclose(plain["wait_s"], asking["wait_s"], atol=1.0)
    assert (plain["announcements"] == asking["announcements"]).all()


def test_reason_p_is_a_checked_assumption_and_off_for_the_erlang_a_caller():
    assert Reactions.off().reason_p == 0 and 0 < Reactions().reason_p < 1
    with pytest.raises(ValueError, match="reason_p"):
        Reactions(reason_p=1.5)
