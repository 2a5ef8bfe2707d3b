"""Which comparison group a call belongs to: its queue and policy, or its experiment arm.

Experiments are analysed by intention to treat: a call counts in the arm it was assigned to, even
if it heard another policy (say, a fallback after a fault), so the arms stay randomised and
comparable. Calls outside experiments (arm "") are grouped by the policy they heard.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GROUP = "group"  # column holding each call's group label
_KEYS = ["queue", "arm", "policy"]


def group_label(queue: str, policy: str, arm: str) -> str:
    """Readable group name: 'support · checkin' or, in an experiment, 'support · arm B'."""
    return f"{queue} · arm {arm}" if arm else f"{queue} · {policy}"


def with_groups(records: pd.DataFrame) -> pd.DataFrame:
    """Return records with a categorical `group` column (computed once, reused by every metric)."""
    if GROUP in records.columns:
        return records
    grouped = records.groupby(_KEYS, observed=True, sort=True)
    codes = grouped.ngroup().to_numpy()
    combos = grouped.size().index.to_frame(index=False).astype(str)
    labels = [group_label(q, p, a) for q, a, p in combos[_KEYS].itertuples(index=False)]
    categories = sorted(set(labels))
    label_codes = np.array([categories.index(label) for label in labels], dtype=np.int64)
    out = records.copy()
    out[GROUP] = pd.Categorical.from_codes(label_codes[codes], categories=categories)
    return out


def group_table(records: pd.DataFrame) -> pd.DataFrame:
    """One row per group: queue, arm and policy (several policies in an arm are joined by '+')."""
    grouped = with_groups(records)
    combos = grouped.groupby([GROUP, *_KEYS], observed=True).size().reset_index()
    combos[_KEYS] = combos[_KEYS].astype(str)
    table = combos.groupby(GROUP, observed=True).agg(
        queue=("queue", "first"),
        arm=("arm", "first"),
        policy=("policy", lambda s: "+".join(sorted(set(s)))),
    )
    table.index = table.index.astype(str)
    return table
