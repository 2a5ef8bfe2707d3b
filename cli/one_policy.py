"""One set of callers from a records file: a `compare --out` file holds the same callers once
per policy, and a command that counts callers (`simulate --arrivals-from`, `fit`) must take
one policy's rows or refuse the file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.scenario import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

REPLAY_HARM = "replayed whole, each caller would ring once per policy"


def one_set_of_callers(records: pd.DataFrame, source: str, policy: str | None,
                       source_flag: str, policy_flag: str,
                       harm: str = REPLAY_HARM) -> pd.DataFrame:
    """`policy`'s records alone when named (`policy_flag`); refused (ScenarioError) when two
    policies share their callers' entry times, a compare output's one set of callers run
    under each policy, which taken whole counts every caller once per policy (four policies
    had run four times the load without a word; analyst walk A3). `harm` says what taking
    them whole would do."""
    from simulator.twin import shared_entries

    policies = sorted(records["policy"].astype(str).unique())
    if policy is not None:
        if policy not in policies:
            raise ScenarioError(f"{policy_flag} {policy}: {source} has no calls under it "
                                f"(it has {', '.join(policies)})")
        return records[records["policy"].astype(str) == policy]
    if (found := shared_entries(records)) is not None:
        first, second, shared = found
        raise ScenarioError(f"{source_flag} {source}: {first} and {second} share {shared:,} "
                            "entry times, the same callers run under each policy (a compare "
                            f"output?): {harm}; pass {policy_flag}, one of "
                            f"{', '.join(policies)}")
    return records
