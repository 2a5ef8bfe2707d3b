"""The console's times on the line's own clock (live_state.line_timezone: the default queue's
opening-hours zone, else the first queue's with hours, else UTC), as the twin reads the log:
a line in Sydney reads Sydney time. Each time shows its zone's abbreviation, and its UTC in a
tooltip where there is room. The API keeps UTC, with offsets."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from app.console.blueprint import bp
from app.console.live_state import line_timezone
from app.services import services

SHOWN = "%Y-%m-%d %H:%M:%S %Z"


def page_clock() -> tuple[str, ZoneInfo]:
    """The zone's name and the zone the console's pages read and show times on."""
    name = line_timezone(services().config)
    return name, ZoneInfo(name)


@bp.app_template_filter("on_line_clock")
def on_line_clock(moment: datetime, shown: str = SHOWN) -> str:
    """`moment` (aware, or naive UTC as SQLite hands some back) on the line's clock."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(page_clock()[1]).strftime(shown)


@bp.app_context_processor
def clock_globals() -> dict:
    return {"line_clock": page_clock()[0]}
