"""Through the emulator: an agent waiting in <Dial><Queue> takes a new caller the moment they
ring, within the agent's own wait, and that caller never hears the welcome ("All our agents
are helping other callers"); a caller who waits hears it once, first, and never again."""

from __future__ import annotations

from collections import defaultdict
from statistics import median

import numpy as np
import pytest

from emulator.run import emulate
from simulator.scenario import simple_scenario

HELPING = "All our agents are helping other callers"


def run_of(url, *, agents, arrivals_per_min, calls=40, seed=4):
    scenario = simple_scenario(calls=calls, agents=agents, arrivals_per_min=arrivals_per_min,
                               service_mean_min=1.0, patience_mean_min=20.0)
    return emulate(scenario, "checkin", np.random.default_rng(seed), database_url=url,
                   record=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('welcome') / 'holdwell.db'}"
    return {"light": run_of(url, agents=4, arrivals_per_min=1.0),
            "busy": run_of(url, agents=1, arrivals_per_min=2.0, calls=25)}


def timed(run, kind: str) -> dict[str, list[float]]:
    """When each caller's `kind` requests were made (seconds into the run), by CallSid."""
    times = defaultdict(list)
    for request in run.requests:
        if request.kind == kind and not is_agent(request):
            times[request.params["CallSid"]].append(request.at)
    return times


def is_agent(request) -> bool:  # noqa: ANN001 - an emulator.emulator.Posted
    return request.params.get("From", "").startswith("client:")


def test_a_free_agent_takes_a_ringing_caller_at_once_without_the_welcome(runs):
    run = runs["light"]
    assert run.errors == []
    rang, bridged, waited = timed(run, "incoming"), timed(run, "queue_url"), timed(run, "wait")
    ring_to_bridge = [bridged[sid][0] - rang[sid][0] for sid in bridged]
    at_once = [sid for sid in bridged if bridged[sid][0] == rang[sid][0]]
    assert len(bridged) == 40 and median(ring_to_bridge) == 0.0
    assert len(at_once) >= 30  # four agents for one erlang: nearly everyone is taken at once
    heard = {caller.call_sid: " | ".join(caller.heard) for caller in run.callers}
    for sid in at_once:
        assert sid not in waited  # not one wait document: bridged as they joined
        assert HELPING not in heard[sid] and "[answered by an agent]" in heard[sid]


def test_an_agent_waiting_on_the_queue_bridges_within_its_own_dial(runs):
    """Every agent idle in its <Dial><Queue>: the first caller is bridged by that waiting
    Dial as they ring, with no agent request in between (not after a welcome, nor at the
    agent's next loop)."""
    run = runs["light"]
    first = next(i for i, r in enumerate(run.requests) if r.kind == "incoming"
                 and not is_agent(r))
    ring = run.requests[first]
    bridge = next(i for i, r in enumerate(run.requests) if r.kind == "queue_url")
    assert run.requests[bridge].params["CallSid"] == ring.params["CallSid"]
    assert run.requests[bridge].at == ring.at
    assert not any(is_agent(r) for r in run.requests[first:bridge])
    assert all(is_agent(r) for r in run.requests[:first])  # they were waiting already


def test_a_caller_who_waits_hears_the_welcome_first_and_once(runs):
    run = runs["busy"]
    assert run.errors == []
    waited = timed(run, "wait")
    assert len(waited) >= 10
    for caller in run.callers:
        if caller.call_sid not in waited:
            continue
        joined, *documents = caller.heard
        assert joined.endswith("[joins support]") and HELPING not in joined
        assert HELPING in documents[0]
        assert sum(HELPING in line for line in caller.heard) == 1
