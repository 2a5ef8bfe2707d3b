"""analytics.formatting: numbers as every report and page says them."""

from __future__ import annotations

from analytics.formatting import with_standard_error


def test_a_standard_error_far_past_its_estimate_is_said_not_estimable():
    """The fit's Weibull shape from two hang-ups had printed "2.869 ± 342935084776227.000",
    in the CLI and on the Twin page alike (one rule now serves both)."""
    assert with_standard_error(2.869, 3.4e14, 3) == "2.869 (± not estimable from this log)"
    assert with_standard_error(2.869, 0.25, 3) == "2.869 ± 0.250"
    assert with_standard_error(52.3, 1.2, 1, " s") == "52.3 s ± 1.2 s"
    assert with_standard_error(0.5, None) == "0.50"
