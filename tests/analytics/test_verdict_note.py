"""Beside 'no clear difference' the report showed a 95% interval that excluded 0 ('-3.0 pp
[-5.6, -0.4 pp]'), without a word: the interval is one pair's alone, while the verdict reads
the Holm-adjusted p over every pair the report compares. The row now says so
(`verdict_note`), in the text, the page and the JSON."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from markupsafe import escape

from analytics.compare import NO_DIFFERENCE
from analytics.render_html import render_html
from analytics.render_text import render_text
from analytics.report import build_report, interval_note
from analytics.validation import validate_records

CALLS = 2000


def group(policy: str, rate: float, offset_s: float) -> pd.DataFrame:
    """CALLS calls 30 s apart, unserved spread evenly at `rate` (every time batch alike)."""
    i = np.arange(CALLS)
    lost = np.floor((i + 1) * rate) > np.floor(i * rate)
    return pd.DataFrame({
        "call_id": [f"{policy}-{k}" for k in i], "queue": "support", "policy": policy,
        "arm": "", "entered_at": pd.Timestamp("2026-03-02T00:00Z")
        + pd.to_timedelta(i * 30.0 + offset_s, unit="s"),
        "outcome": np.where(lost, "abandoned", "answered"), "wait_s": 40.0,
        "orig_position": 2, "announcements": 0, "first_announced_wait_s": math.nan,
        "callback_wait_s": math.nan})  # fmt: skip


def three_policies() -> pd.DataFrame:
    return validate_records(pd.concat([group("checkin", 0.200, 0), group("silence", 0.215, 7),
                                       group("music_ads", 0.230, 13)], ignore_index=True))


def test_an_interval_off_zero_beside_no_clear_difference_is_explained():
    report = build_report(three_policies())
    (row,) = [c for c in report["comparisons"] if c["primary"]
              and {c["a"], c["b"]} == {"support · checkin", "support · music_ads"}]
    assert row["ci"][1] < 0 and row["p_value"] < 0.05 <= row["p_value_holm"]
    assert row["verdict"] == NO_DIFFERENCE
    assert "its 95% interval excludes 0" in row["verdict_note"]
    assert "Holm p = " in row["verdict_note"]
    others = [c for c in report["comparisons"] if c is not row]
    assert all(c["verdict_note"] is None for c in others)
    assert row["verdict_note"] in render_text(report)
    page = render_html(report, three_policies())
    assert str(escape(row["verdict_note"])) in page.split('<div class="verdicts">')[1]
    assert "verdict_note" in report["definitions"]


def test_no_note_where_nothing_needs_explaining():
    base = {"verdict": NO_DIFFERENCE, "ci": [-0.02, 0.01], "p_value_holm": 0.4}
    assert interval_note(base) is None
    assert interval_note(base | {"verdict": "support · a lower", "ci": [-0.05, -0.01],
                                 "p_value_holm": 0.01}) is None
    assert interval_note(base | {"ci": [None, None]}) is None
