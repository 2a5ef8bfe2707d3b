"""The `--timezone ZONE` option of the commands that read a log on the line's clock (fit,
backtest, twin, report): one check, one error wording."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from simulator.line_clock import checked_zone
from simulator.scenario import ScenarioError


def _zone(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return checked_zone(value)
    except ScenarioError as error:
        raise click.BadParameter(str(error).removeprefix("timezone: ")) from None


def timezone_option(help_text: str) -> Callable[[Any], Any]:
    """`--timezone ZONE` (an IANA name, UTC by default), checked at parse time."""
    return click.option("--timezone", default="UTC", show_default=True, callback=_zone,
                        metavar="ZONE", help=help_text)
