"""Shares and differences on the console's pages as the CLI prints them
(analytics.formatting.percent_number): a share that is neither none nor all never reads 0 or
100, a difference carries its sign and "pp". The console's own macros had kept "0.00%" and
"pt" after the CLI had moved on."""

from __future__ import annotations

import math
import re

from markupsafe import Markup, escape

from analytics.formatting import (
    margin_points,
    percent_number,
    share_and_margin,
    signed_points,
    time_and_margin,
    with_standard_error,
)
from app.console.blueprint import bp


@bp.app_template_filter("percent")
def percent(fraction: float | None, decimals: int = 1) -> str:
    """'12.3%'; '–' for none."""
    return "–" if fraction is None else f"{percent_number(fraction, decimals)}%"


@bp.app_template_filter("m_ss")
def m_ss(seconds: float | None) -> str:
    """A wait as minutes:seconds, rounded to the second ('0:30' for 29.68 s); '–' for none.
    One rule for every page: the not-served list had cut what the wallboard rounds, so one
    caller's wait of 59.7 s read 0:59 there and 1:00 on the board."""
    if seconds is None:
        return "–"
    whole = math.floor(seconds + 0.5)  # half up, as Jinja's round: Python's goes to even
    return f"{whole // 60}:{whole % 60:02d}"


@bp.app_template_filter("code_marks")
def code_marks(text: str) -> Markup:
    """`text` escaped, each `command` or `key` it marks as the CLI and the logs do shown as
    code: the console had printed the backticks themselves ("the callbacks worker
    (`holdwell callbacks`, the Procfile's `worker:`)")."""
    return Markup(CODE_MARK.sub(r"<code>\1</code>", str(escape(text))))


CODE_MARK = re.compile(r"`([^`<>]+)`")
"""A span the shared words mark with backticks (escaped text holds no < or > of its own)."""


@bp.app_template_filter("points")
def points(difference: float | None, decimals: int = 1) -> str:
    """'+1.2 pp', '-0.4 pp'; '–' for none."""
    return "–" if difference is None else signed_points(difference, decimals)


@bp.app_template_global("share_interval")
def share_interval(mean: float, half_width: float | None) -> str:
    """A share ± its half-width as whatif prints it (one-sided at 0 or 100%)."""
    return share_and_margin(mean, half_width)


@bp.app_template_global("time_interval")
def time_interval(mean: float, half_width: float | None) -> str:
    """A time ± its half-width as whatif prints it (cut at 0 s: "1.0 s [0.0–10.7 s]")."""
    return time_and_margin(mean, half_width)


@bp.app_template_filter("margin")
def margin(half_width: float | None, decimals: int = 1) -> str:
    """A half-width in percentage points, unsigned: '0.12 pp'."""
    return "–" if half_width is None else margin_points(half_width, decimals)


@bp.app_template_global("with_standard_error")
def standard_error(value: float, se: float | None, digits: int = 2, unit: str = "") -> str:
    """An estimate and its standard error as the CLI's fit prints them."""
    return with_standard_error(value, se, digits, unit)


@bp.app_template_filter("weight")
def weight(value: float) -> str:
    """An arm's weight as it round-trips: 50, not 50.0, and 0.1234567 whole (a form that
    showed "0.123457" stored it, as a new split, when sent back untouched)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
