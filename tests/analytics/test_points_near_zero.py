"""A difference's interval whose end lies within 0.05 points of 0 read '+0.0' (or '-0.0'):
'-0.8 pp [-1.6, +0.0 pp]' beside 'no clear difference' read as an interval touching 0, and
`holdwell compare` printed the same interval as '[-1.6 pp, +0.04 pp]'. Each end is now shown
as `signed_points` shows it, with the decimals that say its side of 0."""

from __future__ import annotations

from analytics.formatting import comparison_rows, points, signed_points


def test_an_end_near_zero_shows_its_side():
    assert points(-0.0076, [-0.0156, 0.000433]) == "-0.8 pp [-1.6, +0.04 pp]"
    assert points(0.0081, [-0.00004, 0.0162]) == "+0.8 pp [-0.004, +1.6 pp]"


def test_never_minus_zero_and_plain_figures_unchanged():
    assert points(-0.0004, [-0.0004, -0.0003]) == "-0.04 pp [-0.04, -0.03 pp]"
    assert points(-0.071, [-0.092, -0.049]) == "-7.1 pp [-9.2, -4.9 pp]"
    assert points(None, None) == "n/a"


def test_the_report_shows_what_compare_shows():
    """compare's figures come from signed_points: the report's table carries the same."""
    row = {"a": "support · callback", "b": "support · silence", "metric": "unserved_rate",
           "primary": True, "difference": -0.0076, "ci": [-0.0156, 0.000433],
           "relative_risk": 0.96, "relative_risk_ci": [0.81, 1.15], "p_value": 0.064,
           "p_value_holm": 0.191, "test": "paired t"}
    shown = comparison_rows([row])[1][2]
    assert shown == (f"{signed_points(-0.0076)} [{signed_points(-0.0156)[:-3]}, "
                     f"{signed_points(0.000433)}]")


def test_no_test_is_named_where_none_ran():
    """Every caller of both groups took a callback: no abandonment rate, no test of it."""
    row = {"a": "support · callback", "b": "support · silence", "metric": "abandonment_rate",
           "primary": False, "difference": None, "ci": [None, None], "relative_risk": None,
           "relative_risk_ci": [None, None], "p_value": None, "p_value_holm": None,
           "test": None}
    assert comparison_rows([row])[1][4] == "n/a"
