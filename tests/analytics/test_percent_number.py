"""A share that is neither none nor all never reads as 0 or 100: 11 unserved of 3,000 had
shown an interval of "[0.0, 0.7 %]", and `erlang` a 0.004% chance of waiting as "0.00%"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.formatting import interval, percent_number


@given(st.floats(min_value=0.0, max_value=1.0), st.sampled_from([1, 2]))
def test_a_share_reads_as_none_or_all_only_when_it_is(fraction, decimals):
    text = percent_number(fraction, decimals)
    assert not text.startswith("-")
    if text[0] in "<>":
        assert 0 < fraction < 1e-6 or 1 - 1e-6 < fraction < 1
        return
    if 1e-11 < fraction < 1 - 1e-11:  # nearer is float arithmetic's noise, read as 0 or 1
        assert float(text) not in (0.0, 100.0), (fraction, text)
    assert abs(float(text) - 100 * fraction) <= 0.5 * 10 ** -decimals + 1e-9
    assert len(text.partition(".")[2]) >= decimals


@given(st.floats(min_value=-2.0, max_value=2.0), st.sampled_from([1, 2]))
def test_a_signed_value_reads_by_its_size_and_never_minus_zero(fraction, decimals):
    """Differences and half-widths go through it too: the sign is the value's, the digits
    its size's, and a size too small to show has no sign."""
    text = percent_number(fraction, decimals)
    assert not text.startswith(("-0.0", "-<")) or float(text.lstrip("-<>")) != 0
    if text.startswith("-"):
        assert fraction < 0 and text[1:] == percent_number(-fraction, decimals).lstrip(">")
    elif text[0] not in "<>" and float(text) != 0:
        assert fraction > 0


@pytest.mark.parametrize(("fraction", "decimals", "shown"), [
    (0.119, 1, "11.9"), (0.0037, 1, "0.4"), (0.00037, 1, "0.04"), (0.00004, 2, "0.004"),
    (0.99996, 2, "99.996"), (0.0, 2, "0.00"), (1.0, 1, "100.0"), (-1e-12, 1, "0.0"),
    (4e-8, 1, "<0.0001"), (0.9999999, 2, ">99.9999"),
])
def test_examples(fraction, decimals, shown):
    assert percent_number(fraction, decimals) == shown


def test_an_interval_whose_low_end_is_above_zero_says_so():
    assert interval("unserved_rate", (0.00013, 0.0068)) == "[0.01, 0.7 %]"
    assert interval("unserved_rate", (0.0, 0.0068)) == "[0.0, 0.7 %]"


def test_three_figures_never_in_scientific_notation():
    """A header's fitted figures: 999.6 had read "1e+03" (review 36, R5)."""
    from analytics.formatting import three_figures

    said = [three_figures(x) for x in (999.6, 1.234e-5, 4.98018, 0.80551, 2000.4, 5.0, 0.0)]
    assert said == ["1,000", "0.0000123", "4.98", "0.806", "2,000", "5", "0"]


def test_a_share_at_none_or_all_has_a_one_sided_margin():
    from analytics.formatting import share_and_margin

    assert share_and_margin(0.5758, 0.0197) == "57.58% ±1.97 pp"
    assert share_and_margin(1.0, 0.0019) == "100.00% −0.19 pp"
    assert share_and_margin(0.0, 0.0019) == "0.00% +0.19 pp"
    assert share_and_margin(0.25, None) == share_and_margin(0.25, float("nan")) == "25.00%"


def test_a_share_whose_interval_would_pass_0_or_100_percent_is_given_its_range_cut_there():
    """"83.2% ±194.0 pp" from a few replications read as a figure; a share has no values
    outside 0-100%, so such an interval is its cut range (analyst audit 40)."""
    from analytics.formatting import share_and_margin

    assert share_and_margin(0.832, 1.94) == "83.20% [0.00–100.00%]"
    assert share_and_margin(0.1858, 0.4929) == "18.58% [0.00–67.87%]"
    assert share_and_margin(0.95, 0.08) == "95.00% [87.00–100.00%]"
    assert share_and_margin(0.5, 0.5) == "50.00% ±50.00 pp"  # just inside: as before
