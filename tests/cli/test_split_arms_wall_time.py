"""A split simulated through the app gives each arm's figures beside the whole split's, but
the arms ran together in one run: their wall time had read "0.00 s" each (0.0 in --json), as
if an arm took no time. An arm has none of its own: "—" in the table, null in the JSON; the
split's column keeps the run's."""

from __future__ import annotations

import json

from tests.cli.test_simulate_queue_split import ARMS, SMALL, invoke, setup  # noqa: F401


def test_an_arm_of_a_split_has_no_wall_time_of_its_own(setup):  # noqa: F811
    config, url = setup
    args = ["--engine", "twilio", "--config", str(config), "--sim-db", url, *SMALL]
    summary = json.loads(invoke([*args, "--json"]).stdout)
    assert summary["wall_s"] > 0
    assert {summary["arms"][arm]["wall_s"] for arm in ARMS} == {None}
    with_warmup = json.loads(invoke([*args, "--warmup", "10", "--json"]).stdout)
    assert {with_warmup["arms"][arm]["wall_s"] for arm in ARMS} == {None}
    [row] = [line for line in invoke(args).stdout.splitlines()
             if line.startswith("wall time")]
    arm_cells, whole = row.split()[2:4], row.split()[4]
    assert arm_cells == ["—", "—"] and float(whole) > 0
