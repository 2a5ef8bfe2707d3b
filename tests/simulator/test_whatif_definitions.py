"""What-if's definitions say what its figures divide by (a reviewer's finding: "promise
kept" said "/ callbacks requested" while the figure divides by the callbacks given a band)."""

from __future__ import annotations

from simulator.whatif import FIGURES


def test_promise_kept_is_defined_over_the_callbacks_given_a_band():
    definition = next(text for key, _, _, text in FIGURES
                      if key == "callback_promise_kept_rate")
    assert definition.endswith("/ callbacks given a band (promised)")
    assert "requested" not in definition

