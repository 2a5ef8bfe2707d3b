"""The selection trap of issue 13: a callback offer must not look worse because patient callers
take it. Identical callers (Weibull patience, k = 0.6) in both arms; in one arm callers still
waiting at 90 s are offered a callback and half take it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.report import build_report
from analytics.validation import validate_records

OFFER_AT_S = 90.0


def _arm(policy: str, arm: str, n: int, rng: np.random.Generator, offer: bool) -> pd.DataFrame:
    """n callers; patience Weibull(k=0.6, scale 200 s), agent reaches them after Exp(150 s)."""
    patience = 200.0 * rng.weibull(0.6, n)
    offered_wait = rng.exponential(150.0, n)
    still_waiting = (patience > OFFER_AT_S) & (offered_wait > OFFER_AT_S)
    takes = offer & still_waiting & (rng.random(n) < 0.5)
    connects = rng.random(n) < 0.9
    abandoned = (patience < offered_wait) & ~takes
    outcome = np.select(
        [takes & connects, takes, abandoned],
        ["callback_connected", "callback_failed", "abandoned"],
        "answered",
    )
    wait = np.where(takes, OFFER_AT_S, np.minimum(patience, offered_wait))
    return pd.DataFrame({
        "call_id": [f"{arm}{i}" for i in range(n)], "queue": "support", "policy": policy,
        "arm": arm, "entered_at": pd.Timestamp("2026-11-02 09:00", tz="UTC")
        + pd.to_timedelta(np.arange(n) * 7.0, unit="s"),
        "outcome": outcome, "wait_s": wait, "orig_position": 1, "announcements": 0,
        "first_announced_wait_s": np.nan,
        "callback_wait_s": np.where(takes & connects, offered_wait + 60.0, np.nan),
        "callback_requested": takes,
    })  # fmt: skip


@pytest.fixture(scope="module")
def trap_report() -> dict:
    rng = np.random.default_rng(13)
    records = pd.concat(
        [_arm("silence", "A", 12_000, rng, offer=False), _arm("callback", "B", 12_000, rng, True)],
        ignore_index=True,
    )
    return build_report(validate_records(records))


def _row(report: dict, metric: str) -> dict:
    (row,) = [c for c in report["comparisons"] if c["metric"] == metric]
    assert (row["a"], row["b"]) == ("support · arm A", "support · arm B")
    return row


def test_the_secondary_rate_falls_into_the_trap(trap_report):
    """Dropping callback takers from the denominator makes the callback arm look worse."""
    naive = _row(trap_report, "abandonment_rate")
    assert naive["difference"] < 0 and naive["ci"][1] < 0  # silence − callback: callback "worse"
    # < 0.01, not < 0.001: the p allows for calls moving together (batch means, t on ~38 df),
    # a little larger than the z-test's even on these independent calls (0.0016)
    assert naive["p_value_holm"] < 0.01 and not naive["primary"] and naive["verdict"] is None


def test_intention_to_treat_says_callback_serves_more_callers(trap_report):
    primary = _row(trap_report, "unserved_rate")
    assert primary["primary"]
    assert primary["difference"] > 0 and primary["ci"][0] > 0  # silence leaves more unserved
    assert primary["relative_risk"] > 1 and primary["relative_risk_ci"][0] > 1
    assert primary["verdict"] == "support · arm B lower"
    assert trap_report["sample_size"]["metric"] == "unserved_rate"


def test_patience_curves_agree_and_log_rank_is_given_once_per_pair(trap_report):
    """Same callers, non-informative censoring at 90 s: the curves do not differ."""
    primary = _row(trap_report, "unserved_rate")
    assert primary["logrank_p_value"] > 0.01
    assert primary["logrank_p_value_holm"] >= primary["logrank_p_value"]
    for metric in ("abandonment_rate", "abandonment_rate_short_excluded"):
        assert _row(trap_report, metric)["logrank_p_value"] is None


def test_unserved_rate_is_primary_in_every_definition(trap_report):
    definitions = trap_report["definitions"]
    assert "PRIMARY" in definitions["unserved_rate"]["definition"]
    assert "secondary" in definitions["abandonment_rate"]["definition"]
    arm_b = next(p for p in trap_report["policies"] if p["arm"] == "B")
    failed = arm_b["n_callback_failed"]
    assert arm_b["unserved"] == arm_b["n_abandoned"] + failed
    assert arm_b["unserved_rate"] == pytest.approx(arm_b["unserved"] / arm_b["calls"])


SMALL = ["--calls", "3000", "--agents", "5", "--arrival-rate", "1.2", "--service-mean", "5",
         "--patience-mean", "4", "--seed", "13"]


def test_simulate_and_compare_name_unserved_rate_in_json_and_table():
    from click.testing import CliRunner

    from cli.simulate_commands import compare_command

    runner = CliRunner()
    result = runner.invoke(compare_command, ["--policies", "silence,callback", *SMALL, "--json"])
    assert result.exit_code == 0, result.output
    for summary in json.loads(result.stdout):
        unserved = summary["abandoned"] + summary["callbacks_failed"]
        assert summary["unserved_rate"] == pytest.approx(unserved / summary["calls"])
        low, high = summary["unserved_rate_ci"]
        assert low <= summary["unserved_rate"] <= high
    table = runner.invoke(compare_command, ["--policies", "silence,callback", *SMALL]).stdout
    lines = table.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("unserved"))
    assert first < next(i for i, line in enumerate(lines) if line.startswith("abandonment"))
    assert "PRIMARY, intention to treat" in table
