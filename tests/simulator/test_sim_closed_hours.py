"""Opening hours in the fast engine: closed callers never queue, some book a callback for the
opening (capped), and no callback is dialled while the line is closed."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import numpy as np

from hold_policies.closed_line import ClosedLine
from hold_policies.hours import OpeningHours, parse_spans
from simulator.behaviour import Reactions
from simulator.distributions import Exponential, NoPatience
from simulator.engine import run_polled
from simulator.run import policy_named, simulate
from simulator.scenario import Callbacks, ReplayedArrivals, Scenario, Staffing, simple_scenario
from simulator.streams import Callers, Streams
from simulator.table import CALLBACK_CONNECTED, CLOSED, NO_BOOKING

HOUR = 3600.0
DAYTIME = OpeningHours("UTC", tuple(parse_spans("08:00-18:00") for _ in range(7)))
BOOKS = dataclasses.replace(Reactions.off(), closed_callback_p=1.0)


def test_a_hand_worked_morning():
    # one agent; 08:00-18:00; c1 rings 07:00 and c2 07:30 (closed: both book); c3 rings 08:00:05
    # 08:00 c1 dialled, answers 8 s later, talks 100 s -> agent free 08:01:48; c3 waits behind
    # c2's booking (made earlier) -> c2 dialled 08:01:48, connected 08:01:56, talks 100 s ->
    # c3 answered 08:03:36 after 211 s in line.
    arrivals = (7 * HOUR, 7.5 * HOUR, 8 * HOUR + 5)
    scenario = Scenario(calls=3, arrivals=ReplayedArrivals(arrivals),
                        agents=Staffing.constant(1), service=Exponential(60.0),
                        patience=NoPatience(), reactions=BOOKS,
                        callbacks=Callbacks(answer_p=1.0),
                        closed_line=ClosedLine(DAYTIME, offers_callbacks=True))
    people = Callers(np.array(arrivals), np.array([100.0, 100.0, 30.0]), np.full(3, np.inf))
    table = run_polled(scenario, policy_named("silence"), Streams.spawn(
        np.random.default_rng(1)), people)
    assert table.outcome.tolist()[:2] == [CLOSED, CLOSED]
    assert table.closed_callback.tolist() == [CALLBACK_CONNECTED, CALLBACK_CONNECTED, NO_BOOKING]
    assert table.callback_wait_s[:2].tolist() == [HOUR + 8, 0.5 * HOUR + 108 + 8]
    assert table.wait_s[2] == 211
    assert [r.call_id for r in table.records()] == ["sim-0000003"]  # closed calls: no records


def test_without_callbacks_offered_closed_callers_just_hear_the_message():
    arrivals = (7 * HOUR, 9 * HOUR)
    scenario = Scenario(calls=2, arrivals=ReplayedArrivals(arrivals),
                        agents=Staffing.constant(1), service=Exponential(60.0),
                        patience=NoPatience(), reactions=BOOKS,
                        closed_line=ClosedLine(DAYTIME, offers_callbacks=False))
    run = simulate(scenario, policy_named("silence"), np.random.default_rng(2))
    assert run.summary["closed"] == 1 and run.summary["closed_callbacks_booked"] == 0
    assert run.summary["calls"] == 1 and run.summary["answered"] == 1


def busy_days(cap: int | None, seed: int = 5):
    line = ClosedLine(DAYTIME, offers_callbacks=True, callbacks_per_opening=cap)
    scenario = simple_scenario(calls=4000, agents=3, arrivals_per_min=1.4, service_mean_min=2.5,
                               patience_mean_min=3.0, closed_line=line)
    return scenario, simulate(scenario, policy_named("callback"), np.random.default_rng(seed))


def test_closed_callers_never_queue_and_open_callers_always_do():
    scenario, run = busy_days(cap=None)
    table = run.table
    moments = [scenario.start + timedelta(seconds=s) for s in table.entered_s.tolist()]
    open_now = np.array([DAYTIME.is_open(m) for m in moments])
    assert np.array_equal(table.outcome == CLOSED, ~open_now)
    assert run.summary["calls"] == int(open_now.sum())
    assert run.summary["closed"] == int((~open_now).sum())
    share = run.summary["closed_callbacks_booked"] / run.summary["closed"]
    assert abs(share - Reactions().closed_callback_p) < 4 * np.sqrt(0.4 * 0.6 / run.summary[
        "closed"])


def test_no_callback_is_dialled_while_the_line_is_closed():
    scenario, run = busy_days(cap=None)
    table, answer_after = run.table, scenario.callbacks.answer_after_s
    connected = np.flatnonzero(
        (table.outcome == CALLBACK_CONNECTED) | (table.closed_callback == CALLBACK_CONNECTED))
    assert connected.size > 100
    for i in connected.tolist():  # dialled answer_after_s before the customer answered
        dialled = table.entered_s[i] + table.callback_wait_s[i] - answer_after
        assert DAYTIME.is_open(scenario.start + timedelta(seconds=dialled)), i


def test_the_cap_per_opening_holds():
    scenario, run = busy_days(cap=15)
    table = run.table
    booked = np.flatnonzero(table.closed_callback != NO_BOOKING)
    openings = [DAYTIME.next_opening(scenario.start + timedelta(seconds=table.entered_s[i]))
                for i in booked.tolist()]
    per_opening = {o: openings.count(o) for o in openings}
    assert max(per_opening.values()) == 15
    assert run.summary["closed_callbacks_booked"] == sum(per_opening.values())


def test_the_cli_takes_hours_from_the_config_and_reports_closed_callers_apart(tmp_path):
    from click.testing import CliRunner

    from cli.main import cli

    config = tmp_path / "hours.toml"
    config.write_text('[queues.support]\npolicy = "checkin"\n[queues.support.hours]\n'
                      'timezone = "UTC"\nmonday = "08:00-18:00"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["simulate", "--config", str(config), "--calls", "1500",
                                      "--agents", "3", "--arrival-rate", "1.5"])
    assert result.exit_code == 0, result.output
    counted = int(re.search(r"counted: all ([\d,]+) calls", result.output)[1].replace(",", ""))
    closed = int(re.search(r"closed: ([\d,]+) calls rang outside opening hours",
                           result.output)[1].replace(",", ""))
    assert counted + closed == 1500
    # 1,500 calls at 1.5 a minute last Monday 00:00-16:40: open from 08:00, 520 minutes
    assert abs(counted - 780) < 4 * np.sqrt(780)
    assert "; 0 booked a callback" in result.output  # checkin offers none


def test_every_figure_of_a_closed_line_run_has_a_definition():
    """`simulate --json`'s fields are the report's definitions' keys: the closed-line counts
    (and the plain counts beside them) had none, their line said its own (analyst audit 40).
    Left out: the run's labels, the service level's T, and the intervals (their rate's
    definition says how they are made)."""
    from simulator.metrics import DEFINITIONS

    scenario, run = busy_days(cap=None)
    labels = {"policy", "arm", "service_level_s", "unserved_rate_ci", "abandonment_rate_ci"}
    assert "closed_callbacks_booked" in run.summary
    assert [key for key in run.summary if key not in DEFINITIONS and key not in labels] == []
