"""The report's JSON defines, with a unit, the counts an analyst reconciles by and the told
waits table: `callback_takers` (shown beside callbacks_requested, 296 against 300 on a split,
the one the abandonment rate's denominator drops), `short_abandons` and `told_waits`'s
scored, late and late_share had no definition and no unit (the text report's definitions
lacked the first two as well)."""

from __future__ import annotations

from analytics.render_text import render_text
from analytics.report import build_report
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame


def test_the_counts_and_the_told_waits_are_defined_with_their_units():
    records = frame([call("a1", Outcome.ANSWERED, 30, policy="callback"),
                     call("b1", Outcome.ABANDONED, 2, policy="callback"),
                     call("c1", Outcome.CALLBACK_CONNECTED, 40, policy="callback",
                          callback_requested=True, callback_wait_s=300)])
    report = build_report(records, short_abandon_s=5)
    [group] = report["policies"]
    assert (group["callback_takers"], group["short_abandons"]) == (1, 1)
    defined = report["definitions"]
    assert defined["callback_takers"]["unit"] == defined["short_abandons"]["unit"] == "calls"
    assert "callbacks_requested − callbacks_answered_first" in \
        defined["callback_takers"]["definition"]
    assert "abandoned before 5 s" in defined["short_abandons"]["definition"]
    told = defined["told_waits"]
    assert told["unit"] == "tellings, fraction"
    assert all(f"{name} =" in told["definition"] for name in ("scored", "late", "late_share"))
    text = render_text(report)
    assert "callback_takers [calls]:" in text and "short_abandons [calls]:" in text


def test_an_open_ended_median_patience_ci_is_defined():
    """A null high end of median_patience_ci (∞ in the text report) had no definition: an
    analyst could read it as missing data rather than as no upper bound."""
    records = frame([call("a1", Outcome.ANSWERED, 30), call("b1", Outcome.ABANDONED, 20),
                     call("c1", Outcome.ANSWERED, 90)])
    definition = build_report(records)["definitions"]["median_patience_s"]["definition"]
    assert "null) high end of the CI is no upper bound" in definition


def test_every_figure_of_a_group_is_defined():
    """The outcome counts (`n_answered` … `n_voicemail`), `unserved` and
    `median_patience_reached` had no definition: the JSON carried `abandoned` and
    `n_abandoned` side by side with nothing saying how they differ. Every key of a group is
    now defined, but its labels, its intervals (`X_ci` beside X) and the older names a
    definition names (`answered`, `abandoned`, `callbacks_connected`, `callbacks_failed`,
    `errors`)."""
    records = frame([call("a1", Outcome.ANSWERED, 30), call("b1", Outcome.ABANDONED, 20),
                     call("c1", Outcome.ERROR, 90), call("d1", Outcome.OVERFLOW, 300)])
    report = build_report(records)
    defined = report["definitions"]
    named = " ".join(d["definition"] for d in defined.values())
    labels = {"group", "queue", "policy", "arm"}
    for key in report["policies"][0]:
        if key in labels or key in defined:
            continue
        if key.endswith("_ci"):
            assert any(k.startswith(key.removesuffix("_ci")) for k in defined), key
            continue
        assert f"`{key}` in the JSON" in named, key
    assert all(defined[f"n_{o}"]["unit"] == "calls" for o in
               ("answered", "abandoned", "callback_connected", "callback_failed", "left",
                "error", "overflow", "voicemail"))
    assert "n_abandoned + n_callback_failed + n_error + n_overflow" in \
        defined["unserved"]["definition"]
    assert "n_answered [calls]:" in render_text(report)
