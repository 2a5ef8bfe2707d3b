"""Who overtakes whom when dropped callers rejoin (issue 16 item 6), through the emulator.

    python benchmarks/rejoin_order.py --calls 1200 --agents 4 --seeds 21 22 23

Drives the busy dropped-line scenario of tests/emulator/test_resume_emulated.py through the
real app and counts, from the call log, answered callers overtaken by someone who entered
after them and was answered while they were waiting (a rejoined caller counts as waiting
from their last ring-back: while away, they were in no queue). Overtakers are told apart:
a rejoined caller (Twilio serves the rejoin queue in ring-back order, not first entry), a
caller of the queue itself, and one answered at once by an idle agent (who was waiting on the
queue itself and could not see the rejoin queue). With --places, also the places check-ins
said below 1 + the callers truly ahead (emulator.rejoining.Rejoins.note_place).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter

import numpy as np
from sqlalchemy import create_engine, select

from app.storage.schema import call_events, calls
from emulator.run import emulate
from hold_policies.config import HoldwellConfig
from hold_policies.factory import prompts_of
from hold_policies.resume import ResumeRule
from simulator.behaviour import Reactions
from simulator.scenario import handoff_for, simple_scenario

PLACE = re.compile(r"\[told place (\d+); (\d+) truly ahead, (\d+) in another queue\]")
BACK_IN_LINE_S = 6.0  # from the ring-back to the rejoin queue: the welcome-back words


def scenario(calls_n: int, agents: int):  # noqa: ANN201 - a Scenario
    return simple_scenario(
        calls=calls_n, agents=agents, arrivals_per_min=2.2, service_mean_min=2.0,
        patience_mean_min=6.0, reactions=Reactions(line_drop_p=0.1),
        resume=ResumeRule(within_s=300, after_checkin_s=15),
        handoff=handoff_for(prompts_of(HoldwellConfig().queues["support"])))


def overtakes(url: str, prefix: str) -> Counter:
    counts: Counter = Counter()
    with create_engine(url).connect() as conn:
        rows = conn.execute(select(calls.c.call_id, calls.c.entered_at, calls.c.answered_at)
                            .where(calls.c.call_id.startswith(prefix),
                                   calls.c.outcome == "answered")).all()
        back: dict[str, float] = {}
        for fact in conn.execute(select(call_events.c.call_id, call_events.c.time).where(
                call_events.c.call_id.startswith(prefix), call_events.c.event == "RESUMED")):
            back[fact.call_id] = max(back.get(fact.call_id, 0.0), fact.time.timestamp())
    answered = [(r.call_id, r.entered_at.timestamp(), r.answered_at.timestamp())
                for r in rows if r.entered_at is not None and r.answered_at is not None]
    for call, entered, at in answered:
        rejoined = call in back
        counts["answered"] += 1
        counts["answered, rejoined"] += rejoined
        waiting_from = back[call] + BACK_IN_LINE_S if rejoined else entered
        who = "rejoined" if rejoined else "queue itself"
        by = Counter()
        for other, other_entered, other_at in answered:
            if other_entered > entered and waiting_from < other_at < at:
                by["a rejoined caller" if other in back else
                   "an arrival answered at once" if other_at - other_entered < 1.5 else
                   "a caller of the queue itself"] += 1
        if by:
            counts[f"{who} callers overtaken"] += 1
            for kind, n in by.items():
                counts[f"  {who}, overtakes by {kind}"] += n
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1200)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--seeds", type=int, nargs="+", default=[21, 22, 23])
    parser.add_argument("--places", action="store_true", help="check the places said too")
    args = parser.parse_args()
    total: Counter = Counter()
    for seed in args.seeds:
        url = f"sqlite:///{tempfile.mkdtemp()}/rejoin.db"
        run = emulate(scenario(args.calls, args.agents), "checkin",
                      np.random.default_rng(seed), database_url=url, record=args.places)
        if run.errors:
            raise SystemExit(f"seed {seed}: {run.errors[:3]}")
        total += overtakes(url, run.call_id_prefix)
        if args.places:
            said = [tuple(map(int, found.groups())) for caller in run.callers
                    for line in caller.heard if (found := PLACE.search(line))]
            total["places said"] += len(said)
            total["places said below 1 + truly ahead"] += sum(1 for p in said if p[0] < p[1] + 1)
    for name in sorted(total, key=lambda n: n.strip()):
        print(f"{name}: {total[name]}")


if __name__ == "__main__":
    main()
