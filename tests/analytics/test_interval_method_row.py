"""The text and HTML reports say which method each group's intervals used: it had been in
`--json` only, and a group of 40 calls (independent) reads differently from one of 3,000
(batch means)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.render_html import render_html
from analytics.render_text import render_text
from analytics.report import build_report
from analytics.synthetic import arm_for_rate, synthetic_records


def test_each_group_says_how_its_intervals_allow_for_calls_moving_together():
    arms = [arm_for_rate("checkin", 0.2), arm_for_rate("silence", 0.25, queue="sales")]
    small, large = (synthetic_records(arms[i:i + 1], n, np.random.default_rng(2))
                    for i, n in ((0, 40), (1, 3000)))

    records = pd.concat([small, large], ignore_index=True)
    for name in ("queue", "policy", "arm"):
        records[name] = records[name].astype("category")
    report = build_report(records)
    methods = {entry["queue"]: entry["clustered_by"] for entry in report["policies"]}
    assert methods == {"support": "none", "sales": "time batches"}
    text = render_text(report)
    assert "none (independent calls)" in text
    assert "batch means, 20 time batches" in text
    assert "clustered_by [method]: how this group's 95% intervals of the unserved" in text
    assert "The Kaplan–Meier bands (patience, still willing to wait) always take calls as " \
        "independent" in text
    assert "batch means, 20 time batches" in render_html(report, records)
