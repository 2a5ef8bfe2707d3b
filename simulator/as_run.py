"""A queue's config beyond its policies, laid on a scenario: one construction for the CLI's
`--config` and the console's twin, so both simulate a queue as the live app runs it."""

from __future__ import annotations

from dataclasses import replace

from hold_policies.config import HoldwellConfig
from simulator.scenario import Scenario


def as_the_queue_runs(scenario: Scenario, config: HoldwellConfig, queue: str) -> Scenario:
    """`scenario` with what the queue's config sets beyond its policies: its name, the
    [estimate] settings callers are told waits by, its opening [hours] (calls while closed
    book callbacks), its [resume] rule (dropped callers rejoin in their place) and its
    max_size (Twilio's queue-full past it: the fast engine had let the line grow without
    end, while the emulator's Twilio turned callers away)."""
    from simulator.run import estimates_of  # the engines load only for a simulation

    settings = config.queues[queue]
    return replace(scenario, queue=queue, estimates=estimates_of(config),
                   closed_line=settings.closed_line(), resume=settings.resume.rule(),
                   queue_max_size=settings.max_size)
