"""Issue 16 items 4-5 in the fast engine: past the maximum wait callers hear the overflow
offer; a share take a callback or leave a message (a callback task keeping their place); the
rest end as `overflow`, never `abandoned`; a full queue turns callers away to the same offer."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hold_policies.base import Voice
from hold_policies.overflow import with_overflow
from hold_policies.overflow_rules import Overflow
from simulator.behaviour import Reactions
from simulator.distributions import Exponential, NoPatience
from simulator.engine import run_polled
from simulator.errors import ScenarioError
from simulator.heard import heard_from_segment
from simulator.metrics import summarise
from simulator.report import summary_table
from simulator.run import policy_named
from simulator.scenario import Callbacks, ReplayedArrivals, Scenario, Staffing
from simulator.streams import Callers, Streams
from simulator.table import ABANDONED, ANSWERED, CALLBACK_CONNECTED, OVERFLOW

MAX_WAIT = Overflow(max_wait_s=100, callback_key="2", voicemail_key="3")


def run(arrivals, talk, patience, reactions, rules=MAX_WAIT, policy="silence", seed=1):
    scenario = Scenario(calls=len(arrivals), arrivals=ReplayedArrivals(tuple(arrivals)),
                        agents=Staffing.constant(1), service=Exponential(60.0),
                        patience=NoPatience(), reactions=reactions,
                        callbacks=Callbacks(answer_p=1.0))
    people = Callers(np.array(arrivals, float), np.array(talk, float), np.array(patience, float))
    return run_polled(scenario, with_overflow(policy_named(policy), rules),
                      Streams.spawn(np.random.default_rng(seed)), people)


def test_a_hand_worked_overflow_hang_up_is_never_an_abandon():
    # one agent; c1 at 0 talks 1000 s. c2 at 10 (patience 200): silence polls at 10, 70, 130;
    # at 130 it has waited 120 s >= 100: the offer; it hangs up at 210 -> overflow after 200 s.
    # c3 at 20 (patience 50) hangs up at 70, never offered -> abandoned after 50 s.
    table = run([0, 10, 20], [1000, 30, 30], [np.inf, 200, 50], Reactions.off())
    assert table.outcome.tolist() == [ANSWERED, OVERFLOW, ABANDONED]
    assert table.wait_s.tolist() == [0, 200, 50]


def test_callers_who_take_the_offered_callback_keep_their_place():
    takes = dataclasses.replace(Reactions.off(), overflow_callback_p=1.0)
    table = run([0, 10], [1000, 30], [np.inf, np.inf], takes)
    assert table.outcome.tolist() == [ANSWERED, CALLBACK_CONNECTED]
    assert 120 < table.callback_requested_at_s[1] < 150  # pressed during the first offer
    assert table.callback_wait_s[1] == pytest.approx(990 + 8, abs=10)  # dialled at 1000


def test_a_message_is_a_callback_task_and_its_wait_ends_when_the_caller_leaves_the_line():
    leaves = dataclasses.replace(Reactions.off(), overflow_voicemail_p=1.0, message_s=40.0)
    table = run([0, 10], [1000, 30], [np.inf, np.inf], leaves)
    assert table.outcome.tolist() == [ANSWERED, CALLBACK_CONNECTED]
    pressed = table.callback_requested_at_s[1]
    assert pressed < table.wait_s[1] < pressed + 10  # out after "stay on the line", not +40 s


def test_a_full_queue_turns_callers_away_to_the_offer():
    full = Overflow(when_full=True, queue_size=1, callback_key="2", voicemail_key=None)
    table = run([0, 10, 20], [1000, 30, 30], [np.inf, np.inf, np.inf], Reactions.off(), full)
    assert table.outcome.tolist() == [ANSWERED, ANSWERED, OVERFLOW]  # c3: nobody pressed
    assert table.wait_s[2] == 0
    takes = dataclasses.replace(Reactions.off(), overflow_callback_p=1.0)
    table = run([0, 10, 20], [1000, 30, 30], [np.inf, np.inf, np.inf], takes, full)
    assert table.outcome.tolist() == [ANSWERED, ANSWERED, CALLBACK_CONNECTED]
    assert table.callback_wait_s[2] > table.wait_s[1]  # behind c2, who was in line first


def test_the_share_who_take_a_callback_is_the_documented_reaction():
    reactions = dataclasses.replace(Reactions.off(), overflow_callback_p=0.3,
                                    overflow_voicemail_p=0.2)
    n = 400
    arrivals = np.arange(n) * 1.0 + 1
    table = run([0.0, *arrivals], [10 ** 6, *np.full(n, 30.0)], [np.inf, *np.full(n, 500.0)],
                reactions, seed=7)
    offered = n  # every caller waits past 100 s behind an agent busy all along
    callbacks = int((table.callback_requested_at_s[1:] > 0).sum())
    share = 0.5  # a callback or a message: both are callback tasks here
    assert abs(callbacks / offered - share) < 4 * np.sqrt(share * (1 - share) / offered)
    assert not (table.outcome == ABANDONED).any()  # the rest hang up as overflow


def test_reactions_that_add_up_past_everyone_are_refused():
    with pytest.raises(ScenarioError, match="overflow_callback_p"):
        Reactions(overflow_callback_p=0.7, overflow_voicemail_p=0.4)


def test_simulate_polls_an_overflowing_policy_and_counts_its_overflow_apart():
    """Reactions off would take the inert fast path for silence; the overflow must not be
    skipped: callers past the maximum wait end as overflow, counted on their own."""
    from simulator.run import simulate
    from simulator.scenario import simple_scenario

    scenario = simple_scenario(calls=800, agents=2, arrivals_per_min=1.2, service_mean_min=2.0,
                               patience_mean_min=6.0, reactions=Reactions.off())
    plain = simulate(scenario, policy_named("silence"), np.random.default_rng(3))
    capped = simulate(scenario, with_overflow(policy_named("silence"), MAX_WAIT),
                      np.random.default_rng(3))
    assert plain.summary["overflow"] == 0 and capped.summary["overflow"] > 0
    # the same callers: those who would have abandoned after the maximum are overflow now
    late = (plain.table.outcome == ABANDONED) & (plain.table.wait_s >= 100 + 60)
    assert capped.summary["abandoned"] < plain.summary["abandoned"]
    assert capped.summary["overflow"] >= int(late.sum())


def test_with_after_offer_leave_the_key_is_taken_before_the_goodbye():
    # live, the <Gather> takes the key during the menu and its timeout; the goodbye and the
    # <Leave> come only after it: c2 (offered at 130 s) presses and keeps their place
    leave = dataclasses.replace(MAX_WAIT, after_offer="leave")
    heard = heard_from_segment(leave.offer(Voice(), leave.keys))
    assert heard.message_end_s + heard.key_window_s < heard.duration_s
    takes = dataclasses.replace(Reactions.off(), overflow_callback_p=1.0)
    table = run([0, 10], [1000, 30], [np.inf, np.inf], takes, leave)
    assert table.outcome.tolist() == [ANSWERED, CALLBACK_CONNECTED]
    assert 120 < table.callback_requested_at_s[1] < 150


def test_the_printed_unserved_definition_and_table_count_the_overflow_the_number_counts():
    # c2 overflows (offered at 130 s, hangs up at 210 s), c3 abandons: 2 of 3 unserved
    table = run([0, 10, 20], [1000, 30, 30], [np.inf, 200, 50], Reactions.off())
    summary = summarise(table, wall_s=0.0)
    assert summary["unserved_rate"] == pytest.approx(2 / 3)
    text = summary_table([summary])
    definition = next(line for line in text.splitlines() if "PRIMARY, intention" in line)
    assert "(abandoned + callback failed + error + overflow) / calls" in definition
    row = next(line for line in text.splitlines() if line.startswith("overflow (took no offer)"))
    assert row.split()[-1] == "1"
